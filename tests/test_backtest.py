"""The back-test: the measures in force month by month against Treasury's duties and Census imports.

The validation row (the year's duties against Treasury's) lives in tests/validation/published_2025.toml with its
source and allowed difference; the other tests check that the back-test reads the record and applies its one
counterfactual to every row.
"""

import datetime as dt
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from simulator import api, backtest
from simulator.data import catalog

ROOT = Path(__file__).resolve().parents[1]
IN_FORCE = ROOT / "scenarios" / "in-force.toml"
PUBLISHED = tomllib.loads((ROOT / "tests" / "validation" / "published_2025.toml").read_text())


@pytest.fixture(scope="module")
def bt():
    return backtest.run(IN_FORCE)[0]


def test_every_month_and_series_is_there(bt):
    months = {r.month for r in bt.rows}
    assert months == {dt.date(2025, m, 1) for m in range(1, 13)}
    series = {r.series for r in bt.rows}
    assert {"US customs duties", "US imports", *(f"US imports from {p}" for p in backtest.PARTNERS)} <= series
    assert len(bt.rows) == 12 * len(series)


def test_realised_figures_are_the_record(bt):
    duties = catalog.read_csv("realised-customs-duties-monthly").set_index("date")
    april = next(r for r in bt.rows if r.month == dt.date(2025, 4, 1) and r.series == "US customs duties")
    assert april.realised == pytest.approx(float(duties.loc["2025-04-01", "customs_duties"]) / 1e3)
    census = catalog.read_csv("realised-census-monthly-5partners")
    kor = census[(census.partner == "KOR") & (census.year == "2025")].us_general_imports_musd.astype(float)
    total = sum(r.realised for r in bt.rows if r.series == "US imports from KOR")
    assert total == pytest.approx(kor.sum() / 1e3)


def test_one_counterfactual_for_every_row(bt):
    # modelled = the 2024 level times the model's change: duties answer the previous month's measures
    june = api.run(IN_FORCE, as_of=dt.date(2025, 6, 15))[0]
    may = api.run(IN_FORCE, as_of=dt.date(2025, 5, 15))[0]
    duties = next(r for r in bt.rows if r.month == dt.date(2025, 6, 1) and r.series == "US customs duties")
    every = may.effective_rates("USA").iloc[0]
    assert duties.modelled == pytest.approx(duties.level_2024 * every.revenue_new / every.revenue_base, rel=1e-12)
    kor = next(r for r in bt.rows if r.month == dt.date(2025, 6, 1) and r.series == "US imports from KOR")
    pair = june.pairs[(june.pairs.exporter == "KOR") & (june.pairs.importer == "USA")].iloc[0]
    assert kor.modelled == pytest.approx(kor.level_2024 * pair.value_new / pair.value_base, rel=1e-12)
    assert len({r.level_2024 for r in bt.rows if r.series == "US imports from KOR"}) == 1


@pytest.mark.parametrize("row", PUBLISHED["backtest"], ids=lambda r: r["series"])
def test_validation_year_of_duties_against_treasury(bt, row):
    year = next(r for r in backtest.full_year(bt) if r.series == row["series"])
    assert year.realised == pytest.approx(row["published"], abs=0.01)      # the stored figure is the data's
    assert abs(year.modelled / row["published"] - 1) <= row["allowed_share"], (
        f"{row['series']}: modelled {year.modelled:.1f} bn vs {row['published']} bn ({row['source']})")


def test_cli_writes_every_format(tmp_path):
    out = tmp_path / "bt.json"
    run = subprocess.run([sys.executable, "-m", "simulator.cli", "backtest", str(IN_FORCE), "-o", str(out)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    assert doc["year"] == 2025 and any("Counterfactual" in n for n in doc["notes"])
    assert {r["month"] for r in doc["rows"]} >= {f"2025-{m:02d}" for m in range(1, 13)}


def test_cli_rejects_a_year_without_data_and_a_missing_file(tmp_path):
    bad_year = subprocess.run([sys.executable, "-m", "simulator.cli", "backtest", str(IN_FORCE), "--year", "2024"],
                              cwd=ROOT, capture_output=True, text=True)
    assert bad_year.returncode == 2 and "2025" in bad_year.stderr and "Traceback" not in bad_year.stderr
    missing = subprocess.run([sys.executable, "-m", "simulator.cli", "backtest", str(tmp_path / "nope.toml")],
                             cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 1 and "nope.toml" in missing.stderr and "Traceback" not in missing.stderr


@pytest.fixture(scope="module")
def calibration():
    from simulator import calibrate
    return calibrate.run(IN_FORCE)


def test_calibration_fits_on_some_months_and_evaluates_on_the_others(calibration):
    c = calibration
    assert not set(c.fit_months) & set(c.evaluate_months)
    etas = [e for e, _ in c.grid]
    assert min(etas) < c.eta < max(etas) and c.se > 0
    best = min(c.grid, key=lambda g: g[1])
    assert abs(c.eta - best[0]) <= 0.5                       # the refined minimum sits beside the grid's
    assert c.rmse_fit["fitted"] <= c.rmse_fit["default"] + 1e-12   # fitted: no worse where it was fitted


def test_calibrate_command_prints_the_fit(calibration, monkeypatch):
    from typer.testing import CliRunner

    from simulator import calibrate
    from simulator.cli import app
    monkeypatch.setattr(calibrate, "run", lambda *a, **k: calibration)
    r = CliRunner().invoke(app, ["calibrate", str(IN_FORCE), "-f", "json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["eta"] == pytest.approx(calibration.eta) and doc["fit_months"] == list(calibration.fit_months)
    table = CliRunner().invoke(app, ["calibrate", str(IN_FORCE)])
    assert table.exit_code == 0 and "Import demand elasticity fitted" in table.stdout


def test_backtest_csv_carries_the_notes(bt):
    """The CSV's figures, then a row per note with the text in the last column (as the JSON's notes)."""
    import csv
    import io

    from simulator.report import backtest as written
    rows = list(csv.DictReader(io.StringIO(written.to_csv(bt))))
    figures = [r for r in rows if not r["note"]]
    assert len(figures) == len(written.frame(bt)) and all(r["month"] for r in figures)
    assert [r["note"] for r in rows[len(figures):]] == list(bt.notes) and bt.notes
