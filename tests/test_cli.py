"""The command line: run (formats, -o, --basis, --as-of, --detail), validate, data, --version."""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import simulator
from simulator import fields
from simulator.cli import app

ROOT = Path(__file__).parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
# A fixed fixture, so that these tests do not move with the scenario library: the US adds 25% to every
# import, Korea exempt, constant model.
EXEMPTION = ROOT / "tests" / "scenarios" / "universal-25-korea-exempt.toml"
BAD = ROOT / "tests" / "bad_scenarios"


# A tiny flows file for tests that need a run but not the bundled data.
SMALL_FLOWS = "importer,exporter,hs,value,base_rate\nUSA,KOR,8703,1000,0.025\nKOR,USA,0201,500,0.40\n"


def invoke(*args: str):
    # typer's CliRunner keeps stdout and stderr apart; it takes no mix_stderr argument.
    return CliRunner().invoke(app, [str(a) for a in args])


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    return result


def strict_json(text: str):
    def no_constant(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=no_constant)


def small_scenario(tmp_path: Path, body: str = "") -> Path:
    (tmp_path / "flows.csv").write_text(SMALL_FLOWS, "utf-8")
    path = tmp_path / "small.toml"
    path.write_text('name = "small"\n\n[data]\nflows = "flows.csv"\n\n' + body, "utf-8")
    return path


@pytest.fixture(scope="module")
def exemption_doc() -> dict:
    """scenarios/exemption.toml as JSON with the products table (one run of the bundled data)."""
    return strict_json(ok(invoke("run", EXEMPTION, "--format", "json", "--detail", "products")).stdout)


@pytest.fixture(scope="module")
def exemption_csv_rows() -> list[dict]:
    text = ok(invoke("run", EXEMPTION, "--format", "csv")).stdout
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == fields.CSV_COLUMNS
    return list(reader)


# --- run: formats ----------------------------------------------------------------------------

def test_run_table(tmp_path):
    result = ok(invoke("run", EXEMPTION))
    assert "US 25% on all imports, Korea exempt" in result.stdout
    for title in ("Bilateral trade", "Trade balance", "tariff revenue and welfare", "HS chapters"):
        assert title in result.stdout
    assert "KOR → USA" in result.stdout


def test_run_json_documented_fields(exemption_doc):
    doc = exemption_doc
    assert {"scenario", "countries", "pairs", "balances"} <= set(doc)
    assert "products" in doc
    assert doc["scenario"]["name"] == "US 25% on all imports, Korea exempt"
    assert doc["scenario"]["file"] == "universal-25-korea-exempt.toml"
    assert doc["scenario"]["basis"] == "census-2024"
    assert doc["countries"] and doc["pairs"] and doc["balances"] and doc["products"]
    # the contract's fields, in order (the README's list is checked against the same definition)
    for table in (fields.COUNTRIES, fields.PAIRS, fields.BALANCES, fields.CHAPTERS, fields.PRICES, fields.PRODUCTS):
        assert all(list(r) == table.fields for r in doc[table.name]), table.name
    assert all(list(r) == fields.EFFECTIVE_RATES.fields for r in doc["effective_rates"]["rows"])


def test_run_json_without_detail_has_no_products(tmp_path):
    doc = strict_json(ok(invoke("run", small_scenario(tmp_path), "--format", "json")).stdout)
    assert "products" not in doc
    assert {"scenario", "countries", "pairs", "balances"} <= set(doc)


def test_run_json_numbers_follow_the_scenario(exemption_doc):
    """Korea is exempt from a universal 25% US tariff: its exports to the US do not move, every
    other supplier's fall, and the US collects more duty."""
    doc = exemption_doc
    to_us = {p["exporter"]: p for p in doc["pairs"] if p["importer"] == "USA"}
    assert to_us["KOR"]["value_new"] == pytest.approx(to_us["KOR"]["value_base"], rel=1e-12)
    others = [p for e, p in to_us.items() if e != "KOR"]
    assert others and all(p["value_new"] < p["value_base"] for p in others)
    to_kor = [p for p in doc["pairs"] if p["importer"] == "KOR"]
    assert to_kor and all(p["value_new"] == pytest.approx(p["value_base"]) for p in to_kor)
    countries = {r["country"]: r for r in doc["countries"]}
    us = countries["USA"]
    assert us["tariff_revenue_new"] > us["tariff_revenue_base"]
    for r in doc["countries"]:
        welfare = (r["consumer_surplus_change"] + r["producer_surplus_change"]
                   + r["tariff_revenue_new"] - r["tariff_revenue_base"])
        assert r["welfare_change"] == pytest.approx(welfare, rel=1e-9, abs=1e-3), r["country"]
    balances = {(b["country"], b["partner"]): b for b in doc["balances"]}
    assert set(balances) == {("KOR", "USA"), ("USA", "KOR")}
    assert balances[("USA", "KOR")]["balance_base"] == pytest.approx(-balances[("KOR", "USA")]["balance_base"])
    assert [m["id"] for m in doc["measures"]] == ["us-universal-25"]


def test_run_json_products_carry_the_measure(exemption_doc):
    us_imports = [p for p in exemption_doc["products"] if p["importer"] == "USA"]
    from_kor = [p for p in us_imports if p["exporter"] == "KOR"]
    from_others = [p for p in us_imports if p["exporter"] != "KOR"]
    assert from_kor and from_others
    assert all(p["rate_new"] == pytest.approx(p["rate_base"]) for p in from_kor)                 # exempt
    assert all(p["rate_new"] == pytest.approx(p["rate_base"] + 0.25) for p in from_others)       # add 0.25
    kor_imports = [p for p in exemption_doc["products"] if p["importer"] == "KOR"]
    assert kor_imports and all(p["rate_new"] == pytest.approx(p["rate_base"]) for p in kor_imports)
    assert all(p["price_change"] == 0.0 for p in exemption_doc["products"])                      # price takers


def test_run_csv(exemption_csv_rows, exemption_doc):
    rows = [r for r in exemption_csv_rows if r["table"] not in ("scenario", "notes")]
    assert {r["table"] for r in rows} == {"countries", "pairs", "balances", "chapters"}   # no --detail
    for r in rows:
        float(r["value"])  # every figure's value is a number
        assert r["text"] == ""
    us_imports = [r for r in rows if r["table"] == "countries" and r["country"] == "USA" and r["field"] == "imports_base"]
    assert len(us_imports) == 1
    expected = next(c["imports_base"] for c in exemption_doc["countries"] if c["country"] == "USA")
    assert float(us_imports[0]["value"]) == pytest.approx(expected, abs=1e-3)
    balance = [r for r in rows if r["table"] == "balances" and r["country"] == "KOR" and r["partner"] == "USA"]
    assert {r["field"] for r in balance} == {"balance_base", "balance_new"}
    assert float(balance[0]["value"]) == pytest.approx(_balance(exemption_doc, "KOR", "USA")[balance[0]["field"]],
                                                       abs=1e-3)


def test_run_csv_says_what_it_is_and_its_caveats(exemption_csv_rows, exemption_doc):
    """The long CSV carries the scenario's provenance (first) and every note (last) as text rows, as the JSON does."""
    rows = exemption_csv_rows
    head = [r for r in rows if r["table"] == "scenario"]
    assert rows[:len(head)] == head and [r["field"] for r in head] == list(fields.CSV_PROVENANCE)
    said = {r["field"]: r["text"] for r in head}
    for key in ("name", "file", "sha256", "as_of", "basis", "dataset", "tariffsim_version"):
        assert said[key] == str(exemption_doc["scenario"][key] or "")
    notes = [r for r in rows if r["table"] == "notes"]
    assert rows[len(rows) - len(notes):] == notes
    assert [r["text"] for r in notes] == exemption_doc["notes"] and all(r["value"] == "" for r in notes + head)


def test_run_csv_with_detail(tmp_path):
    text = ok(invoke("run", small_scenario(tmp_path), "--format", "csv", "--detail", "products")).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["field"] for r in rows if r["table"] == "countries"][:len(fields.COUNTRIES.numbers)] == list(fields.COUNTRIES.numbers)
    products = [r for r in rows if r["table"] == "products"]
    assert {r["field"] for r in products} == set(fields.PRODUCTS.numbers)
    # codes stay text with their leading zero
    assert {(r["exporter"], r["importer"], r["hs"]) for r in products} == {("KOR", "USA", "8703"), ("USA", "KOR", "0201")}
    rate = [r for r in products if r["importer"] == "KOR" and r["field"] == "rate_base"]
    assert float(rate[0]["value"]) == pytest.approx(0.40)


def test_run_markdown(tmp_path):
    text = ok(invoke("run", EXEMPTION, "--format", "markdown")).stdout
    assert text.startswith("## US 25% on all imports, Korea exempt")
    assert "### Trade balance" in text
    assert "| Country vs partner |" in text
    assert "| KOR vs USA |" in text


# --- run: output files -----------------------------------------------------------------------

def _check_json(text):
    assert {"scenario", "countries", "pairs", "balances"} <= set(strict_json(text))


def _check_csv(text):
    assert next(csv.reader(io.StringIO(text))) == fields.CSV_COLUMNS


def _check_md(text):
    assert text.startswith("## small") and "| Country |" in text


def _check_table(text):
    assert "Bilateral trade" in text and "\x1b[" not in text   # plain text, no terminal escapes


@pytest.mark.parametrize("suffix,check", [(".json", _check_json), (".csv", _check_csv), (".md", _check_md),
                                          (".txt", _check_table)])
def test_output_format_from_suffix(tmp_path, suffix, check):
    out = tmp_path / f"out{suffix}"
    result = ok(invoke("run", small_scenario(tmp_path), "-o", out))
    assert result.stdout == ""
    assert out.is_file()
    check(out.read_text("utf-8"))
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")]
    assert leftovers == [], "temporary files left next to the output"


def test_explicit_format_beats_suffix(tmp_path):
    out = tmp_path / "out.csv"
    ok(invoke("run", small_scenario(tmp_path), "--format", "json", "-o", out))
    _check_json(out.read_text("utf-8"))


def test_unknown_output_suffix_is_a_usage_error(tmp_path):
    out = tmp_path / "out.xyz"
    result = invoke("run", small_scenario(tmp_path), "-o", out)
    assert result.exit_code == 2
    assert "out.xyz" in result.stderr
    assert not out.exists()


def test_failed_run_leaves_no_output_file(tmp_path):
    out = tmp_path / "out.json"
    result = invoke("run", BAD / "unknown_country.toml", "-o", out)
    assert result.exit_code == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "nothing at all may be written, not even a temporary file"


def test_failed_run_keeps_existing_output_file(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("previous results\n", "utf-8")
    result = invoke("run", BAD / "rate_as_text.toml", "-o", out)
    assert result.exit_code == 1
    assert out.read_text("utf-8") == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_output_into_missing_directory_is_a_user_error(tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "out.json"
    result = invoke("run", small_scenario(tmp_path), "-o", out)
    assert result.exit_code in (1, 2), result.stderr
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr


# --- run: --basis, --as-of ---------------------------------------------------------------------

def _balance(doc, country, partner):
    rows = [b for b in doc["balances"] if b["country"] == country and b["partner"] == partner]
    assert len(rows) == 1
    return rows[0]


def test_basis_kcs_gives_koreas_surplus():
    doc = strict_json(ok(invoke("run", BASELINE, "--basis", "kcs-2024", "--format", "json")).stdout)
    assert doc["scenario"]["basis"] == "kcs-2024"
    b = _balance(doc, "KOR", "USA")
    assert b["balance_base"] == pytest.approx(55.6e9, abs=0.05e9)
    assert b["balance_new"] == pytest.approx(b["balance_base"])   # baseline: no measures


def test_basis_census_gives_us_deficit():
    doc = strict_json(ok(invoke("run", BASELINE, "--basis", "census-2024", "--format", "json")).stdout)
    assert doc["scenario"]["basis"] == "census-2024"
    assert _balance(doc, "USA", "KOR")["balance_base"] == pytest.approx(-65.97e9, abs=0.05e9)


def test_unknown_basis_option():
    result = invoke("run", BASELINE, "--basis", "kcs2024", "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "unknown basis 'kcs2024'" in result.stderr and "kcs-2024" in result.stderr


def test_as_of_not_a_date():
    result = invoke("run", BASELINE, "--as-of", "notadate")
    assert result.exit_code == 2
    assert "notadate" in result.stderr


def test_as_of_switches_dated_measures(tmp_path):
    body = ('[[measures]]\nid = "us-cars"\nrate = 0.25\nimporter = "USA"\nproducts = ["8703"]\n'
            "effective = 2025-04-03\nexpires = 2026-01-01\n")
    path = small_scenario(tmp_path, body)

    def us_rate(as_of):
        doc = strict_json(ok(invoke("run", path, "--format", "json", "--detail", "products", "--as-of", as_of)).stdout)
        assert doc["scenario"]["as_of"] == as_of
        (row,) = [p for p in doc["products"] if p["importer"] == "USA"]
        return row["rate_new"], doc["measures"][0]["in_force"]

    assert us_rate("2025-04-02") == (pytest.approx(0.025), False)       # the day before
    assert us_rate("2025-04-03") == (pytest.approx(0.275), True)        # effective date is included
    assert us_rate("2026-01-01") == (pytest.approx(0.025), False)       # expiry date is excluded


# --- validate, data, version --------------------------------------------------------------------

def test_validate_shipped_scenarios():
    files = sorted(SCENARIOS.glob("*.toml"))
    assert len(files) >= 2
    result = ok(invoke("validate", *files))
    for f in files:
        assert f"ok: {f}" in result.stderr
    assert "error:" not in result.stderr


def test_validate_bad_fixture():
    result = invoke("validate", BAD / "unknown_key.toml")
    assert result.exit_code == 1
    assert "error: unknown_key.toml" in result.stderr
    assert "ok:" not in result.stderr


def test_data_list():
    result = ok(invoke("data", "list"))
    assert "kor-usa-2024" in result.stdout
    for entry in ("us-hts-2025", "kor-usa-trade-totals", "hs-chapters"):
        assert entry in result.stdout


def test_data_show_prints_the_real_hash():
    result = ok(invoke("data", "show", "us-hts-2025"))
    fields = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    assert fields["id"] == "us-hts-2025"
    path = ROOT / "simulator" / "data" / "files" / fields["path"]
    assert fields["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert fields["licence"]


def test_data_show_unknown():
    result = invoke("data", "show", "nope")
    assert result.exit_code == 1
    assert "no bundled file 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_show_suggests():
    result = invoke("data", "show", "us-hts-2024")
    assert result.exit_code == 1
    assert "did you mean 'us-hts-2025'" in result.stderr


def test_version():
    result = ok(invoke("--version"))
    assert result.stdout.strip() == f"tariffsim {simulator.__version__}"
    assert simulator.__version__ == importlib.metadata.version("tariffsim")


# --- the installed console script ---------------------------------------------------------------

def _console_script() -> list[str]:
    beside = Path(sys.executable).parent / "tariffsim"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("tariffsim")
    return [found] if found else [sys.executable, "-m", "simulator.cli"]


def _subprocess(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run([*_console_script(), *map(str, args)], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=120, cwd=ROOT)


def test_console_script_runs_exemption():
    proc = _subprocess("run", "scenarios/exemption.toml", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = strict_json(proc.stdout)
    assert doc["scenario"]["file"] == "exemption.toml"
    assert {p["exporter"] for p in doc["pairs"] if p["importer"] == "USA"} >= {"KOR", "CHN", "JPN"}
    assert "Traceback" not in proc.stderr


def test_console_script_bad_scenario_exit_code():
    """A real process, stderr a pipe: exit 1, one unwrapped line per problem, nothing on stdout."""
    proc = _subprocess("run", "tests/bad_scenarios/several_problems.toml")
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 3 and all(ln.startswith("error: several_problems.toml: ") for ln in lines), lines


def test_output_never_overwrites_an_input_of_the_run(tmp_path):
    (tmp_path / "flows.csv").write_text("importer,exporter,hs,value\nUSA,KOR,870323,10\nUSA,JPN,870323,20\n")
    base = tmp_path / "base.toml"
    base.write_text('name = "b"\n[data]\nflows = "flows.csv"\n')
    top = tmp_path / "top.toml"
    top.write_text('name = "t"\nextends = "base.toml"\n[[measures]]\nid = "m"\nrate = 0.1\nimporter = "USA"\n')
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for target in ("top.toml", "base.toml", "flows.csv"):
        r = CliRunner().invoke(app, ["run", str(top), "-f", "json", "-o", str(tmp_path / target)])
        assert r.exit_code == 1 and "is a file this run reads" in r.stderr, (target, r.stderr)
    r = CliRunner().invoke(app, ["compare", str(top), str(base), "-f", "csv", "-o", str(tmp_path / "base.toml")])
    assert r.exit_code == 1 and "is a file this run reads" in r.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_output_files_get_the_users_mode(tmp_path):
    out = tmp_path / "r.json"
    old = os.umask(0o022)
    try:
        assert CliRunner().invoke(app, ["run", str(EXEMPTION), "-o", str(out)]).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644                   # a new file: 0666 less the umask
        out.chmod(0o640)
        assert CliRunner().invoke(app, ["run", str(EXEMPTION), "-o", str(out)]).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o640                   # a replaced file keeps its mode
    finally:
        os.umask(old)


def test_output_is_utf8_on_a_console_that_is_not(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "cp949"}
    r = subprocess.run([sys.executable, "-m", "simulator.cli", "run", str(EXEMPTION), "-f", "markdown"],
                       cwd=ROOT, env=env, capture_output=True)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    assert "→" in r.stdout.decode("utf-8")


def test_monthly_path_dates_follow_the_calendar():
    import datetime as dt

    from simulator import api
    got = api.dates(dt.date(2025, 1, 31), dt.date(2025, 5, 31), "monthly")
    assert got == [dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 31), dt.date(2025, 4, 30),
                   dt.date(2025, 5, 31)]
    assert api.dates(dt.date(9999, 12, 25), dt.date(9999, 12, 31), "weekly") == [dt.date(9999, 12, 25)]


@pytest.mark.parametrize("args, code, says", [
    (["--draws", "5", "--seed", "-1"], 2, "--seed"),
    (["--draws", "1000000"], 2, "--draws"),
    (["-f", "json", "-o", "."], 1, "is a directory"),
    (["-f", "json", "-o", ""], 1, "is a directory"),
])
def test_bad_options_are_named_not_tracebacks(args, code, says):
    r = subprocess.run([sys.executable, "-m", "simulator.cli", "run", str(EXEMPTION), *args], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == code and says in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_markup_in_a_users_file_is_printed_as_written(tmp_path):
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,KOR,870323,10\nUSA,JPN,870323,20\n")
    s = tmp_path / "s.toml"
    # (an id is a plain name, so markup in one is refused: tests/bad_scenarios/id_with_markup.toml)
    s.write_text('name = "n [/] [bold]x"\n[data]\nflows = "f.csv"\n[[measures]]\nid = "a-b"\nrate = 0.1\n'
                 'importer = "USA"\nreference = "r [/]"\n')
    for args in (["run", str(s)], ["run", str(s), "--path", "2025-01-01:2025-02-01:monthly"],
                 ["explain", str(s), "--importer", "USA", "--exporter", "KOR", "--hs", "8703"],
                 ["compare", str(s), str(s)]):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 0, (args, r.stderr)
    explained = CliRunner().invoke(app, ["explain", str(s), "--importer", "USA", "--exporter", "KOR", "--hs", "8703"])
    assert "n [/] [bold]x" in explained.stdout


def test_a_dask_scheduler_that_is_not_there_is_a_clear_error():
    pytest.importorskip("dask.distributed")
    r = subprocess.run([sys.executable, "-m", "simulator.cli", "run", str(EXEMPTION), "--draws", "2", "--dask",
                        "tcp://127.0.0.1:9"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "no Dask scheduler answered" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_dask_local_runs_beside_another_cluster_holding_the_dashboard_port():
    # a local cluster's web server takes a free port, not Dask's default 8787, so a second one (another user's
    # notebook, another run) neither fails nor warns
    pytest.importorskip("dask.distributed")
    import socket
    held = socket.socket()
    try:
        held.bind(("0.0.0.0", 8787))
        held.listen()
    except OSError:
        pass                                # something already holds it: the condition under test all the same
    try:
        r = subprocess.run([sys.executable, "-m", "simulator.cli", "--no-progress", "run", str(EXEMPTION), "--draws",
                            "2", "--dask", "local", "-f", "json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    finally:
        held.close()
    assert r.returncode == 0 and json.loads(r.stdout)["bands"], r.stderr
    assert "8787" not in r.stderr and "Traceback" not in r.stderr, r.stderr
