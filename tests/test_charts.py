"""Charts (simulator/report/charts.py) and `tariffsim plot`: titled, labelled axes with units and a source line;
the numbers drawn are the result tables' numbers; chapters of every partner; the same bytes for the same inputs;
usage and input errors as the other commands report them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.container import BarContainer, ErrorbarContainer
from typer.testing import CliRunner

import simulator
from simulator import __version__, api
from simulator.cli import app
from simulator.errors import InputError
from simulator.report import charts, tables
from simulator.report.explain import path_frame
from simulator.uncertainty import Draws

ROOT = Path(__file__).parents[1]
SMALL = ROOT / "tests" / "user_flows" / "scenario_good.toml"
EXEMPTION = ROOT / "scenarios" / "exemption.toml"
BAD = ROOT / "tests" / "bad_scenarios"

# The small flows with a dated US tariff on every import from March, and a name that is not plain text:
# '$' pairs (matplotlib would read TeX between them), markup and quotes.
DATED = '''name = "Dated: $10 bn <b>bold</b> & \\"quoted\\" ($)"
[data]
flows = "flows_good.csv"
regions = ["RW", "ASIA"]
[model]
name = "constant"
[elasticities]
import_demand = -1.5
export_supply = inf
[[measures]]
id = "us-all-10"
rate = 0.10
importer = "USA"
effective = 2025-03-01
reference = "HTS 9903.01.25 <i>test</i> & co"
'''


def write_dated(where: Path) -> Path:
    shutil.copy(SMALL.parent / "flows_good.csv", where / "flows_good.csv")
    (where / "dated.toml").write_text(DATED, "utf-8")
    return where / "dated.toml"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Path:
    return write_dated(tmp_path_factory.mktemp("dated"))


@pytest.fixture(scope="module")
def small(dated):
    """The small scenario and the dated one, compared (two scenarios, two balance pairs, every flow one-way or
    two-way)."""
    cmp, _ = api.compare([SMALL, dated])
    return cmp


@pytest.fixture(scope="module")
def path_table(dated):
    series, _ = api.path(dated, api.dates(dt.date(2025, 1, 1), dt.date(2025, 4, 1), "monthly"))
    items = list(series)
    return path_frame(items), items[0][1].provenance


@pytest.fixture(scope="module")
def bundled():
    """scenarios/exemption.toml on the bundled data (one run)."""
    return api.run(EXEMPTION)[0]


def _source(fig) -> str:
    lines = [t.get_text() for t in fig.texts if t.get_text().startswith("Source:")]
    assert len(lines) == 1, [t.get_text() for t in fig.texts]
    return lines[0].replace("\n", " ")


def _bars(ax) -> dict[str, BarContainer]:
    return {c.get_label(): c for c in ax.containers if isinstance(c, BarContainer)}


# --- the figures --------------------------------------------------------------------------------

def test_balance_chart_is_titled_labelled_and_sourced(small):
    fig = charts.balance_figure(small.results)
    ax = fig.axes[0]
    assert "balance" in fig.get_suptitle().lower()
    assert ax.get_xlabel() == "Scenario"
    _, unit = tables.money_unit(small.results[0])
    assert unit in ax.get_ylabel() and "exports − imports" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == small.labels
    source = _source(fig)
    p = small.results[0].provenance
    assert p.dataset in source and p.basis_label in source and f"tariffsim {__version__}" in source
    assert all(r.provenance.file in source for r in small.results)


def test_balance_bars_are_the_balances_each_pair_once(small):
    fig = charts.balance_figure(small.results)
    bars = _bars(fig.axes[0])
    # each pair of countries once, as the balances table states it first (not also 'USA vs KOR')
    assert set(bars) == {"KOR vs USA: base", "KOR vs USA: scenario", "RW vs USA: base", "RW vs USA: scenario"}
    div, _ = tables.money_unit(small.results[0])
    for i, r in enumerate(small.results):
        b = r.headline.balances.set_index(["country", "partner"])
        for of in ("KOR vs USA", "RW vs USA"):
            country, partner = of.split(" vs ")
            base = bars[f"{of}: base"].patches[i].get_height()
            new = bars[f"{of}: scenario"].patches[i].get_height()
            assert base == pytest.approx(b.loc[(country, partner)].balance_base / div, rel=1e-12)
            assert new == pytest.approx(b.loc[(country, partner)].balance_new / div, rel=1e-12)
    # the dated scenario (10% on every US import) moves the balances the small one leaves
    assert bars["KOR vs USA: scenario"].patches[0].get_height() != bars["KOR vs USA: scenario"].patches[1].get_height()


def test_balance_bands_are_the_percentiles_of_the_draws():
    result, _ = api.run(SMALL, draws=Draws(30, 1))
    fig = charts.balance_figure([result])
    ax = fig.axes[0]
    bands = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bands) == 2 and "30 draws" in bands[0].get_label()          # one per pair, labelled once
    div, _ = tables.money_unit(result)
    ends = sorted(tuple(sorted(seg[:, 1])) for band in bands for seg in band.lines[2][0].get_segments())
    want = sorted((b.p5 / div, b.p95 / div) for b in result.bands if b.figure == "balance"
                  and b.of in ("KOR vs USA", "RW vs USA"))
    assert np.allclose(ends, want, rtol=1e-12)
    assert all(lo < hi for lo, hi in want)                 # a band, not a point


def test_chapters_chart_plots_the_chapters_table(small):
    r = small.results[0]
    fig = charts.chapters_figure([r])
    ax = fig.axes[0]
    assert "chapters" in fig.get_suptitle().lower()
    _, unit = tables.money_unit(r)
    assert unit in ax.get_xlabel() and "exporter" in ax.get_ylabel().lower()
    (bars,) = _bars(ax).values()
    div, _ = tables.money_unit(r)
    want = r.headline.chapters
    assert [p.get_width() for p in bars.patches] == pytest.approx(list(want.change / div), rel=1e-12)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert list(ax.get_yticks()) == sorted(ax.get_yticks(), reverse=True)     # the largest move at the top
    assert [lab.split(",")[0] for lab in labels] == [f"{e} → {i}" for e, i in zip(want.exporter, want.importer)]


def test_chapters_of_several_scenarios_are_each_ones_change(small):
    data = charts.chapters_data(small.results)
    keys = ["exporter", "importer", "chapter", "chapter_name"]
    for label, r in zip(small.labels, small.results):
        change = r.chapters.set_index(keys).change
        got = data.set_index(keys)[label]
        assert np.allclose(got.to_numpy(), change.reindex(got.index).fillna(0.0).to_numpy(), rtol=1e-12)
    spread = data[small.labels].abs().max(axis=1).to_numpy()
    assert (np.diff(spread) <= 0).all()                                   # largest first
    fig = charts.chapters_figure(small.results)
    assert set(_bars(fig.axes[0])) == set(small.labels)


def test_chapters_cover_every_partner_not_only_korea_and_the_us(bundled):
    fig = charts.chapters_figure([bundled])
    ax = fig.axes[0]
    flows = [t.get_text().split(",")[0] for t in ax.get_yticklabels()]
    exporters = {f.split(" → ")[0] for f in flows}
    assert exporters - {"KOR", "USA"}, flows                  # Mexico, China, Canada ... move most
    (bars,) = _bars(ax).values()
    assert [p.get_width() for p in bars.patches] == pytest.approx(list(bundled.headline.chapters.change / 1e9),
                                                                  rel=1e-12)
    assert "US$ billion" in ax.get_xlabel()
    assert "US Census Bureau" in _source(fig) and "exemption.toml" in _source(fig)


def test_path_chart_steps_through_the_path_table(path_table, dated):
    table, provenance = path_table
    fig = charts.path_figure(table, provenance.name, provenance)
    ax = fig.axes[0]
    assert provenance.name in fig.get_suptitle() and "$10 bn" in fig.get_suptitle()      # no TeX: '$' as written
    assert ax.get_xlabel() == "Date" and "%" in ax.get_ylabel()
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert "all imports → USA" in lines and "KOR → USA" in lines
    for (exporter, importer), rows in table.groupby(["exporter", "importer"], sort=False):
        label = f"all imports → {importer}" if exporter == "all" else f"{exporter} → {importer}"
        line = lines[label]
        assert list(line.get_xdata()) == [dt.date.fromisoformat(d) for d in rows.date]
        assert np.allclose(line.get_ydata(), rows.tariff_rate_new_base_weights * 100, rtol=1e-12)
        assert line.get_drawstyle() == "steps-post"
    rates = lines["all imports → USA"].get_ydata()
    assert rates[1] == rates[0] and rates[2] > rates[1]                   # the measure from 1 March
    assert "dated.toml" in _source(fig)


def test_paths_of_several_scenarios_share_one_look_and_legend(path_table):
    table, provenance = path_table
    fig = charts.paths_figure([("one", table, provenance), ("two", table, provenance), ("three", table, None)])
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == ["one", "two", "three"]
    colours = [{line.get_label(): line.get_color() for line in ax.get_lines()} for ax in panels]
    assert colours[0] == colours[1] == colours[2]
    assert len(fig.legends) == 1


def test_same_figure_same_bytes_whatever_the_users_settings(small):
    for fmt in ("png", "svg"):
        first = charts.to_bytes(charts.balance_figure(small.results), fmt)
        with matplotlib.rc_context({"lines.linewidth": 7.0, "svg.hashsalt": None, "font.size": 20.0}):
            again = charts.to_bytes(charts.balance_figure(small.results), fmt)
        assert first == again, fmt
        assert first != charts.to_bytes(charts.chapters_figure(small.results), fmt)
    svg = charts.to_bytes(charts.balance_figure(small.results), "svg")
    assert b"<dc:date>" not in svg and b"matplotlib.org" not in svg
    assert charts.to_bytes(charts.balance_figure(small.results), "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_inline_svg_has_its_own_ids(small):
    import re
    a = charts.inline_svg(charts.balance_figure(small.results), "a")
    b = charts.inline_svg(charts.chapters_figure(small.results), "b")
    ids_a, ids_b = set(re.findall(r'\bid="([^"]+)"', a)), set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a and ids_b and not ids_a & ids_b
    for svg, ids in ((a, ids_a), (b, ids_b)):
        assert svg.startswith("<svg") and "<metadata>" not in svg
        assert set(re.findall(r'href="#([^"]+)"', svg)) | set(re.findall(r"url\(#([^)]+)\)", svg)) <= ids


def test_unknown_chart_and_no_balance_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="kind"):
        charts.figure("pie", [])
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,KOR,870323,10\nUSA,JPN,870323,20\n")
    (tmp_path / "s.toml").write_text('name = "one way"\n[data]\nflows = "f.csv"\n')
    result, _ = api.run(tmp_path / "s.toml")
    with pytest.raises(InputError, match="no bilateral balance"):
        charts.balance_figure([result])
    assert charts.chapters_figure([result]).axes[0].get_yticklabels()             # chapters still draw


def test_the_notebook_objects_plot(dated):
    from matplotlib.figure import Figure
    assert isinstance(simulator.run(SMALL).plot("chapters"), Figure)
    assert isinstance(simulator.compare([SMALL, dated]).plot("balance"), Figure)
    year = simulator.path(dated, "2025-01-01", "2025-03-01")
    assert "flows_good.csv" in _source(year.plot())


# --- tariffsim plot -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind, suffix, extra", [
    ("balance", ".png", ()),
    ("balance", ".svg", ("--draws", "10", "--seed", "3")),
    ("chapters", ".svg", ()),
    ("path", ".png", ("--path", "2025-01-01:2025-03-01:monthly")),
])
def test_plot_writes_the_format_of_its_suffix(tmp_path, dated, kind, suffix, extra):
    out = tmp_path / f"chart{suffix}"
    files = [dated] if kind == "path" else [SMALL, dated]
    result = invoke("plot", kind, *files, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    *warnings, wrote = result.stderr.strip().splitlines()
    assert wrote == f"wrote {out}" and result.stdout == ""
    assert all(w.startswith("warning: dated.toml: no as_of date") for w in warnings), warnings
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else (b"<svg" in data[:400] and data.rstrip().endswith(b"</svg>"))
    again = tmp_path / f"again{suffix}"
    assert invoke("plot", kind, *files, "-o", again, *extra).exit_code == 0
    assert again.read_bytes() == data                                   # the same inputs, the same bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, again.name])   # no temporary left


def test_plot_path_defaults_to_2025_by_month(tmp_path, dated):
    out = tmp_path / "p.svg"
    assert invoke("plot", "path", dated, "-o", out).exit_code == 0
    assert out.read_text("utf-8").count("<title>") == 1


@pytest.mark.parametrize("args, says", [
    (("plot", "pie", SMALL, "-o", "x.png"), "KIND"),
    (("plot", "balance", SMALL, "-o", "x.jpg"), ".png or .svg"),
    (("plot", "balance", SMALL), "--output"),
    (("plot", "balance", "-o", "x.png"), "SCENARIO"),
    (("plot", "path", SMALL, SMALL, "-o", "x.png"), "one scenario"),
    (("plot", "path", SMALL, "--as-of", "2025-01-01", "-o", "x.png"), "--as-of or --path"),
    (("plot", "chapters", SMALL, "--draws", "5", "-o", "x.png"), "--draws"),
    (("plot", "balance", SMALL, "--path", "2025-01-01:2025-02-01:monthly", "-o", "x.png"), "--path"),
    (("plot", "balance", SMALL, "--as-of", "May", "-o", "x.png"), "--as-of"),
    (("plot", "path", SMALL, "--path", "2025-01-01", "-o", "x.png"), "--path"),
])
def test_plot_usage_errors_are_one_line_exit_2(tmp_path, monkeypatch, args, says):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())                                  # nothing written


def test_plot_bad_input_names_the_file_exit_1(tmp_path):
    out = tmp_path / "x.png"
    result = invoke("plot", "balance", BAD / "unknown_country.toml", "-o", out)
    assert result.exit_code == 1 and result.stderr.startswith("error: unknown_country.toml"), result.stderr
    assert not out.exists()
    result = invoke("plot", "chapters", SMALL, "-o", tmp_path / "no" / "such" / "x.png")
    assert result.exit_code == 1 and "does not exist" in result.stderr and "Traceback" not in result.output


def test_plot_never_overwrites_an_input(tmp_path):
    scenario = tmp_path / "s.svg"                                        # a scenario file with a chart's suffix
    shutil.copy(SMALL.parent / "flows_good.csv", tmp_path / "flows_good.csv")
    scenario.write_text(SMALL.read_text("utf-8"), "utf-8")
    before = scenario.read_bytes()
    result = invoke("plot", "chapters", scenario, "-o", scenario)
    assert result.exit_code == 1 and "is a file this run reads" in result.stderr, result.stderr
    assert scenario.read_bytes() == before


def test_plot_with_no_balance_to_draw_exit_1(tmp_path):
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,KOR,870323,10\n")
    (tmp_path / "s.toml").write_text('name = "one way"\n[data]\nflows = "f.csv"\n')
    result = invoke("plot", "balance", tmp_path / "s.toml", "-o", tmp_path / "b.png")
    assert result.exit_code == 1 and result.stderr.startswith("error: s.toml: ") and "balance" in result.stderr
    assert not (tmp_path / "b.png").exists()


def test_one_date_and_a_name_the_font_cannot_draw_are_drawn_without_a_warning(tmp_path):
    shutil.copy(SMALL.parent / "flows_good.csv", tmp_path / "flows_good.csv")
    (tmp_path / "k.toml").write_text(SMALL.read_text("utf-8").replace('name = "User flows: two regions"',
                                                                      'name = "한국 면제"'), "utf-8")
    result = invoke("plot", "path", tmp_path / "k.toml", "--path", "2025-01-01:2025-01-01:monthly",
                    "-o", tmp_path / "k.png")
    assert result.exit_code == 0 and result.stderr.strip() == f"wrote {tmp_path / 'k.png'}", result.output
