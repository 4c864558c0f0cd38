"""A user's own flows file (CSV or Parquet): a good file end to end, and broken files.

Fixtures are in tests/user_flows/. The good scenario (scenario_good.toml on flows_good.csv) uses
the 'constant' model with import demand elasticity eta = -1.5 and price takers, so for every flow

    m1 / m0 = ((1 + t1) / (1 + t0)) ** eta,   world price unchanged,   v1 = v0 * m1 / m0
    dCS = -(1 + t0) v0 * (rT ** (1 + eta) - 1) / (1 + eta) = 2 (1 + t0) v0 (rT ** -0.5 - 1)   (eta = -1.5)
    dPS = 0,   revenue = t * v,   welfare = dCS + dPS + revenue_new - revenue_base

The flows (value in USD, t0 = base_rate, blank = 0) and the measures that hit them:

    A  KOR -> USA  870323  v0 1000  t0 0.025  us-cars  add 0.25      t1 0.275
    B  RW  -> USA  870323  v0 2000  t0 0.10   us-cars  add 0.25      t1 0.35
    E  KOR -> USA  8501    v0  100  t0 0      us-kor-85 set 0.10     t1 0.10
    C  USA -> KOR  020130  v0  500  t0 0.40   none                   t1 0.40
    G  USA -> RW   8471    v0  400  t0 0.05   none (rw-free is RW->RW only)
    D  RW  -> RW   847130  v0  300  t0 0.05   rw-free  set 0         t1 0
    F  USA -> ASIA 0302    v0   50  t0 0.10   none
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli import app

ROOT = Path(__file__).parents[1]
UF = ROOT / "tests" / "user_flows"
ETA = -1.5

# --- the arithmetic, flow by flow -----------------------------------------------------------
A1 = 1000 * (1.275 / 1.025) ** ETA      # = 720.8095...
B1 = 2000 * (1.35 / 1.10) ** ETA        # = 1471.0193...
E1 = 100 * (1.10 / 1.00) ** ETA         # = 86.6784...
D1 = 300 * (1.00 / 1.05) ** ETA         # = 322.7789...  (liberalised: rises)
C1, G1, F1 = 500.0, 400.0, 50.0         # untouched


def dcs(v0, t0, t1):
    """Consumer surplus change of one flow at eta = -1.5: 2 (1+t0) v0 ((rT)^-0.5 - 1)."""
    return 2 * (1 + t0) * v0 * (((1 + t1) / (1 + t0)) ** -0.5 - 1)


EXPECTED_COUNTRIES = {
    # country: exports_base, exports_new, imports_base, imports_new,
    #          tariff_revenue_base, tariff_revenue_new, consumer_surplus_change
    "USA": dict(exports_base=500 + 400 + 50, exports_new=C1 + G1 + F1,
                imports_base=1000 + 2000 + 100, imports_new=A1 + B1 + E1,
                tariff_revenue_base=0.025 * 1000 + 0.10 * 2000 + 0 * 100,              # = 225
                tariff_revenue_new=0.275 * A1 + 0.35 * B1 + 0.10 * E1,
                consumer_surplus_change=dcs(1000, 0.025, 0.275) + dcs(2000, 0.10, 0.35) + dcs(100, 0, 0.10)),
    "KOR": dict(exports_base=1000 + 100, exports_new=A1 + E1, imports_base=500, imports_new=C1,
                tariff_revenue_base=0.40 * 500, tariff_revenue_new=0.40 * 500, consumer_surplus_change=0.0),
    "RW": dict(exports_base=2000 + 300, exports_new=B1 + D1, imports_base=400 + 300, imports_new=G1 + D1,
               tariff_revenue_base=0.05 * 400 + 0.05 * 300,                                 # = 35
               tariff_revenue_new=0.05 * 400 + 0.0 * D1,                                    # = 20
               consumer_surplus_change=dcs(300, 0.05, 0.0)),
    "ASIA": dict(exports_base=0.0, exports_new=0.0, imports_base=50, imports_new=F1,
                 tariff_revenue_base=0.10 * 50, tariff_revenue_new=0.10 * 50, consumer_surplus_change=0.0),
}
EXPECTED_PAIRS = {  # (exporter, importer): (value_base, value_new)
    ("KOR", "USA"): (1100, A1 + E1),
    ("RW", "USA"): (2000, B1),
    ("RW", "RW"): (300, D1),
    ("USA", "KOR"): (500, C1),
    ("USA", "RW"): (400, G1),
    ("USA", "ASIA"): (50, F1),
}
EXPECTED_BALANCES = {  # (country, partner): (base, new); only pairs with trade both ways, never a self pair
    ("KOR", "USA"): (1100 - 500, A1 + E1 - C1),     # 600 -> 307.49
    ("USA", "KOR"): (500 - 1100, C1 - A1 - E1),
    ("RW", "USA"): (2000 - 400, B1 - G1),           # 1600 -> 1071.02
    ("USA", "RW"): (400 - 2000, G1 - B1),
}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def run_json(scenario: Path, *extra: str) -> dict:
    result = invoke("run", str(scenario), "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def scenario_for(tmp_path: Path, flows_name: str, regions=("RW",), body: str = "") -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(f'name = "user flows"\n\n[data]\nflows = "{flows_name}"\nregions = {json.dumps(list(regions))}\n'
                    + body, "utf-8")
    return path


def good_scenario_in(tmp_path: Path, flows_name: str) -> Path:
    text = (UF / "scenario_good.toml").read_text("utf-8").replace('"flows_good.csv"', f'"{flows_name}"')
    assert flows_name in text
    path = tmp_path / "scenario_good.toml"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def good() -> dict:
    return run_json(UF / "scenario_good.toml", "--detail", "products")


# --- a good file end to end -------------------------------------------------------------------

def test_good_countries_match_hand_arithmetic(good):
    rows = {r["country"]: r for r in good["countries"]}
    assert set(rows) == {"USA", "KOR", "RW", "ASIA"}
    for country, expected in EXPECTED_COUNTRIES.items():
        r = rows[country]
        for key, value in expected.items():
            assert r[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (country, key)
        assert r["producer_surplus_change"] == 0.0   # price takers
        welfare = (expected["consumer_surplus_change"] + expected["tariff_revenue_new"]
                   - expected["tariff_revenue_base"])
        assert r["welfare_change"] == pytest.approx(welfare, rel=1e-9, abs=1e-9), country


def test_good_headline_numbers(good):
    """A few of the hand-computed numbers written out, as a check on the formulas above."""
    rows = {r["country"]: r for r in good["countries"]}
    assert rows["USA"]["tariff_revenue_base"] == pytest.approx(225.0)
    assert rows["RW"]["tariff_revenue_new"] == pytest.approx(20.0)
    assert rows["KOR"]["exports_new"] == pytest.approx(807.48795, abs=1e-4)     # 720.80953 + 86.67842
    assert rows["RW"]["imports_new"] == pytest.approx(722.77895, abs=1e-4)      # 400 + 300 * 1.05 ** 1.5
    assert rows["RW"]["welfare_change"] == pytest.approx(0.55790, abs=1e-4)     # 15.5579 + 20 - 35


def test_good_pairs_and_balances(good):
    pairs = {(p["exporter"], p["importer"]): (p["value_base"], p["value_new"]) for p in good["pairs"]}
    assert set(pairs) == set(EXPECTED_PAIRS)
    for key, (b, n) in EXPECTED_PAIRS.items():
        assert pairs[key] == pytest.approx((b, n), rel=1e-9), key
    balances = {(b["country"], b["partner"]): (b["balance_base"], b["balance_new"]) for b in good["balances"]}
    assert set(balances) == set(EXPECTED_BALANCES)   # no RW-RW self balance, no one-way ASIA pair
    for key, (b, n) in EXPECTED_BALANCES.items():
        assert balances[key] == pytest.approx((b, n), rel=1e-9), key


def test_good_products_keep_codes_and_rates(good):
    products = {(p["exporter"], p["importer"], p["hs"]): p for p in good["products"]}
    # leading zeros survive; codes keep their own length
    assert set(products) == {("KOR", "USA", "870323"), ("RW", "USA", "870323"), ("KOR", "USA", "8501"),
                             ("USA", "KOR", "020130"), ("USA", "RW", "8471"), ("RW", "RW", "847130"),
                             ("USA", "ASIA", "0302")}
    rates = {k: (p["rate_base"], p["rate_new"]) for k, p in products.items()}
    assert rates[("KOR", "USA", "870323")] == pytest.approx((0.025, 0.275))
    assert rates[("RW", "USA", "870323")] == pytest.approx((0.10, 0.35))
    assert rates[("KOR", "USA", "8501")] == pytest.approx((0.0, 0.10))     # blank base_rate = 0; 'set' replaces
    assert rates[("RW", "RW", "847130")] == pytest.approx((0.05, 0.0))     # 'set 0' within the region
    assert rates[("USA", "RW", "8471")] == pytest.approx((0.05, 0.05))     # rw-free covers RW exporters only
    assert rates[("USA", "KOR", "020130")] == pytest.approx((0.40, 0.40))
    assert all(p["price_change"] == 0.0 for p in products.values())
    assert products[("RW", "RW", "847130")]["value_new"] == pytest.approx(D1)


def test_good_scenario_metadata(good):
    s = good["scenario"]
    assert s["dataset"] == "flows_good.csv"
    assert s["basis"] == "as-given"
    assert s["elasticities"]["import_demand"] == -1.5
    assert s["elasticities"]["export_supply"] is None   # inf is written as null, JSON has no inf
    assert {m["id"]: m["flows"] for m in good["measures"]} == {"us-cars": 2, "us-kor-85": 1, "rw-free": 1}


def test_good_table_output(tmp_path):
    result = invoke("run", str(UF / "scenario_good.toml"))
    assert result.exit_code == 0, result.stderr
    assert "User flows: two regions" in result.stdout
    assert "RW → RW" in result.stdout


def test_only_required_columns(tmp_path):
    """Without base_rate every base tariff is 0, so base revenue is 0 and a 10% tariff gives v0 * 1.1 ** eta."""
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,RW,01,200\nRW,USA,02,100\n", "utf-8")
    body = '[elasticities]\nimport_demand = -2.0\nexport_supply = inf\n\n[[measures]]\nid = "t"\nrate = 0.1\nimporter = "USA"\n'
    doc = run_json(scenario_for(tmp_path, "f.csv", body=body))
    rows = {r["country"]: r for r in doc["countries"]}
    assert rows["USA"]["tariff_revenue_base"] == 0.0
    assert rows["USA"]["imports_new"] == pytest.approx(200 * 1.1 ** -2.0)             # 165.289...
    assert rows["USA"]["tariff_revenue_new"] == pytest.approx(0.1 * 200 * 1.1 ** -2.0)
    assert rows["RW"]["imports_new"] == pytest.approx(100.0)


def test_basis_is_refused_for_a_users_file(tmp_path):
    shutil.copy(UF / "flows_good.csv", tmp_path / "flows_good.csv")
    path = good_scenario_in(tmp_path, "flows_good.csv")
    result = invoke("run", str(path), "--basis", "kcs-2024")
    assert result.exit_code == 1
    assert "applies to bundled datasets only" in result.stderr
    assert result.stdout == ""


# --- broken files --------------------------------------------------------------------------------

BROKEN = [
    # file, row named in the message (None: a whole-file problem), fragments
    ("value_negative.csv", 3, ["column 'value'", "-5", "negative"]),
    ("value_nan.csv", 3, ["column 'value'", "'NaN'", "not a finite number"]),
    ("value_text.csv", 4, ["column 'value'", "'lots'", "not a finite number"]),
    ("country_undeclared.csv", 3, ["column 'exporter'", "'EUROPE'", "declared region", 'regions = ["EUROPE"]']),
    ("hs_letters.csv", 2, ["column 'hs'", "'87O3'", "not an HS code"]),
    ("hs_five_digits.csv", 3, ["column 'hs'", "'20130'", "leading zero lost"]),
    ("missing_column.csv", None, ["missing column(s) value", "expected importer, exporter, hs, value"]),
    ("header_only.csv", None, ["no data rows"]),
]


def run_broken(tmp_path: Path, name: str):
    shutil.copy(UF / name, tmp_path / name)
    result = invoke("run", str(scenario_for(tmp_path, name)), "--format", "json")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.parametrize("name,row,fragments", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_flows_file(tmp_path, name, row, fragments):
    result = run_broken(tmp_path, name)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(f"error: {name}: "), line      # names the file...
    if row is not None:
        assert f"{name}: row {row}: " in line, line        # ...and the row (the header is row 1)
    for frag in fragments:
        assert frag in line, (frag, line)


def test_every_bad_row_is_reported(tmp_path):
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,KOR,8703,-1\nUSA,KOR,8703,10\n"
                                    "USA,XX,8703,10\nUSA,KOR,87,abc\n", "utf-8")
    result = invoke("run", str(scenario_for(tmp_path, "f.csv")))
    assert result.exit_code == 1
    rows = re.findall(r"^error: f\.csv: row (\d+): ", result.stderr, flags=re.M)
    assert sorted(rows) == ["2", "4", "5"]


def test_row_problems_are_capped(tmp_path):
    body = "".join(f"USA,KOR,8703,-{i + 1}\n" for i in range(25))
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\n" + body, "utf-8")
    result = invoke("run", str(scenario_for(tmp_path, "f.csv")))
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 21
    assert "and 5 more problems" in lines[-1]
    assert "row 2:" in lines[0] and "row 21:" in lines[19]


def test_row_number_counts_blank_lines(tmp_path):
    # blank_line.csv: header (line 1), a good row (2), a blank line (3), value -5 on line 4
    result = run_broken(tmp_path, "blank_line.csv")
    assert "blank_line.csv: row 4: column 'value'" in result.stderr, result.stderr


def test_trailing_comma_is_not_misread(tmp_path):
    shutil.copy(UF / "trailing_comma.csv", tmp_path / "trailing_comma.csv")
    result = invoke("run", str(scenario_for(tmp_path, "trailing_comma.csv")), "--format", "json")
    # Either the empty trailing field is ignored (the rows are otherwise valid), or the file is
    # refused for its field count; never a shifted reading that blames the exporter column.
    assert "Traceback" not in result.stderr
    assert "column 'exporter'" not in result.stderr, result.stderr
    if result.exit_code == 0:
        pairs = {(p["exporter"], p["importer"]): p["value_base"] for p in json.loads(result.stdout)["pairs"]}
        assert pairs == {("KOR", "USA"): 1000.0, ("RW", "USA"): 5.0}


# --- Parquet ---------------------------------------------------------------------------------------

def _csv_frame() -> pd.DataFrame:
    return pd.read_csv(UF / "flows_good.csv", dtype={"hs": str, "importer": str, "exporter": str, "unit": str})


def _tables(doc: dict) -> dict:
    return {k: doc[k] for k in ("countries", "pairs", "balances", "chapters", "products")}


def test_parquet_works_like_csv(tmp_path, good):
    pytest.importorskip("pyarrow")
    # Parquet has real nulls, so fill the optional fields that are blank in the CSV with the
    # values a blank means (base_rate 0); quantity and unit do not enter the results.
    df = _csv_frame().fillna({"quantity": 1.0, "unit": "u", "base_rate": 0.0})
    df.to_parquet(tmp_path / "flows_good.parquet", index=False)
    doc = run_json(good_scenario_in(tmp_path, "flows_good.parquet"), "--detail", "products")
    assert doc["scenario"]["dataset"] == "flows_good.parquet"
    assert _tables(doc) == _tables(good)


def test_parquet_with_nulls_works_like_csv(tmp_path, good):
    pytest.importorskip("pyarrow")
    _csv_frame().to_parquet(tmp_path / "flows_good.parquet", index=False)   # blanks become nulls
    doc = run_json(good_scenario_in(tmp_path, "flows_good.parquet"), "--detail", "products")
    assert _tables(doc) == _tables(good)


def test_parquet_with_integer_hs_reports_lost_zero(tmp_path):
    pytest.importorskip("pyarrow")
    df = _csv_frame().fillna({"quantity": 1.0, "unit": "u", "base_rate": 0.0})
    df["hs"] = df["hs"].astype("int64")      # 020130 -> 20130, 0302 -> 302
    df.to_parquet(tmp_path / "flows.parquet", index=False)
    result = invoke("run", str(good_scenario_in(tmp_path, "flows.parquet")))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 2, lines
    assert all(re.match(r"error: flows\.parquet: record \d+: column 'hs': ", ln) for ln in lines), lines
    assert "'20130'" in lines[0] and "'302'" in lines[1]
    assert all("leading zero lost" in ln for ln in lines)


def test_parquet_bad_value(tmp_path):
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"importer": ["USA", "USA"], "exporter": ["KOR", "RW"], "hs": ["8703", "8703"],
                       "value": [10.0, -3.0]})
    df.to_parquet(tmp_path / "f.parquet", index=False)
    result = invoke("run", str(scenario_for(tmp_path, "f.parquet")))
    assert result.exit_code == 1
    assert re.search(r"^error: f\.parquet: record \d+: column 'value': -3(\.0)? is negative", result.stderr, re.M), \
        result.stderr


def test_not_a_parquet_file(tmp_path):
    (tmp_path / "f.parquet").write_text("importer,exporter,hs,value\nUSA,KOR,8703,1\n", "utf-8")
    result = invoke("run", str(scenario_for(tmp_path, "f.parquet")))
    assert result.exit_code == 1
    assert "f.parquet" in result.stderr and "cannot read the file" in result.stderr
    assert "Traceback" not in result.stderr


def test_row_with_extra_fields_is_refused_not_truncated(tmp_path):
    # line 3 has an unquoted comma in its value: reading it as 4 fields would silently drop "500"
    result = run_broken(tmp_path, "row_too_long.csv")
    assert "row_too_long.csv: row 3: 5 fields but the header has 4" in result.stderr, result.stderr


@pytest.mark.parametrize("row, says", [
    ("USA,RW,20130.0,10,0.1", "'20130.0' is a number, not an HS code"),
    ("USA,RW,8.7e3,10,0.1", "is a number, not an HS code"),
    ("USA,RW,870323,1e300,0.1", "above 1e+15 US$"),
])
def test_values_that_would_be_silently_wrong_are_refused(tmp_path, row, says):
    (tmp_path / "f.csv").write_text(f"importer,exporter,hs,value,base_rate\n{row}\nRW,USA,02,100,0\n", "utf-8")
    r = invoke("run", str(scenario_for(tmp_path, "f.csv")))
    assert r.exit_code == 1 and "row 2" in r.stderr and says in r.stderr, r.stderr


def test_mfn_rate_has_the_base_rates_range_check(tmp_path):
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value,base_rate,mfn_rate\nUSA,RW,01,10,0.1,25\n", "utf-8")
    r = invoke("run", str(scenario_for(tmp_path, "f.csv")))
    assert r.exit_code == 1 and "column 'mfn_rate'" in r.stderr and "above 500%" in r.stderr


def test_a_blank_base_rate_is_flagged_not_a_silent_zero(tmp_path):
    from simulator.data import load_dataset
    from simulator.flows import RATE_UNKNOWN
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value,base_rate\nUSA,RW,01,10,\nUSA,RW,02,10,nan\n"
                                    "USA,RW,03,10,0.1\n", "utf-8")
    flows = load_dataset(str(tmp_path / "f.csv"), regions=("RW",)).flows
    assert flows.base_rate.tolist() == [0.0, 0.0, 0.1]
    assert [bool(f & RATE_UNKNOWN) for f in flows.flags] == [True, True, False]


def test_a_flows_file_that_is_a_pipe_is_refused_not_waited_on(tmp_path):
    import os
    os.mkfifo(tmp_path / "f.csv")
    r = invoke("run", str(scenario_for(tmp_path, "f.csv")))
    assert r.exit_code == 1 and "is not a regular file" in r.stderr, r.stderr
