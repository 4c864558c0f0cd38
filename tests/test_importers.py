"""Importers of BACI, Comtrade and Census downloads into the flows format, and `tariffsim data import`.

The sample files in tests/importers/ have the real column layout of each source and made-up values
(see tests/importers/README.md); every expected number below is worked out from them by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli import app
from simulator.data import importers, user_flows
from simulator.errors import InputError

S = Path(__file__).parent / "importers"
BACI = S / "BACI_HS17_Y2022_sample.csv"
BACI_CODES = S / "country_codes_sample.csv"


def flows_by_key(df: pd.DataFrame) -> dict:
    return {(r.importer, r.exporter, r.hs): r for r in df.itertuples(index=False)}


def problems(exc: pytest.ExceptionInfo) -> list[tuple[str | None, str]]:
    return [(p.where, p.message) for p in exc.value.problems]


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


# --- BACI ---------------------------------------------------------------------------------------

def test_baci_with_country_codes_file():
    df = importers.convert(BACI, "baci", country_codes=BACI_CODES)
    assert list(df.columns) == ["importer", "exporter", "hs", "value", "quantity", "unit"]
    f = flows_by_key(df)
    assert set(f) == {("USA", "KOR", "870323"), ("USA", "CHN", "020130"), ("KOR", "USA", "100199"),
                      ("KOR", "FRA", "220421"), ("CHN", "JPN", "847130")}
    # i is the exporter, j the importer; v in thousands of dollars, q in tons
    assert f["KOR", "USA", "100199"].value == 800_000 and f["KOR", "USA", "100199"].quantity == 2000
    assert f["KOR", "USA", "100199"].unit == "t"
    # the leading zero is kept; 12.345 thousand dollars
    assert f["USA", "CHN", "020130"].value == 12_345 and f["USA", "CHN", "020130"].quantity == 3.2
    # two rows on KOR -> USA 870323 summed: (1500.25 + 499.75) thousand; one has q = NA, so no quantity
    assert f["USA", "KOR", "870323"].value == 2_000_000
    assert pd.isna(f["USA", "KOR", "870323"].quantity) and f["USA", "KOR", "870323"].unit == ""
    # q blank: no quantity; 1.005 thousand dollars is exactly 1005, without floating-point noise
    assert pd.isna(f["KOR", "FRA", "220421"].quantity)
    assert f["CHN", "JPN", "847130"].value == 1005.0
    assert df.value.sum() == 2_820_850
    notes = " ".join(df.attrs["notes"])
    assert "thousands of US dollars" in notes and "multiplied by 1000" in notes
    assert "country_codes_sample.csv" in notes and "HS17" in notes
    assert df.attrs["rows_read"] == 6 and df.attrs["dropped"] == {}


def test_baci_without_country_codes_lists_every_unmapped_code():
    with pytest.raises(InputError) as exc:
        importers.convert(BACI, "baci")
    found = problems(exc)
    assert len(found) == 2                                  # 842 and 251; 410, 156, 392 are ISO numeric
    (where842, msg842), (where251, msg251) = found
    assert where842 == "row 2" and "country code 842" in msg842 and "'i' and 'j'" in msg842 and "4 rows" in msg842
    assert where251 == "row 6" and "country code 251" in msg251
    assert all("--country-codes" in m for _, m in found)
    assert all(p.file == str(BACI) for p in exc.value.problems)


def test_baci_iso_numeric_fallback():
    df = importers.convert(S / "BACI_HS22_Y2022_iso_codes_sample.csv", "baci")
    f = flows_by_key(df)
    assert f["CHN", "KOR", "870323"].value == 2500 and f["CHN", "KOR", "870323"].quantity == 0.3
    assert f["KOR", "JPN", "030471"].value == 750 and pd.isna(f["KOR", "JPN", "030471"].quantity)
    assert any("ISO 3166-1 numeric" in n for n in df.attrs["notes"])


def test_baci_missing_column():
    with pytest.raises(InputError) as exc:
        importers.convert(S / "bad_baci_missing_column.csv", "baci")
    (where, message), = problems(exc)
    assert where == "column v" and message.startswith("missing") and "t, i, j, k, v, q" in message


def test_baci_bad_rows_name_their_line():
    with pytest.raises(InputError) as exc:
        importers.convert(S / "bad_baci_rows.csv", "baci", country_codes=BACI_CODES)
    found = problems(exc)
    assert [w for w, _ in found] == ["row 3", "row 4", "row 6", "row 7"]   # line 5 is blank and skipped
    assert "'20130' has 5 digits" in found[0][1] and "leading zero lost" in found[0][1]
    assert "-4 is negative" in found[1][1]
    assert "'8471AB' is not a 6-digit HS code" in found[2][1]
    assert "'abc' is not a number" in found[3][1]


def test_problems_are_capped_at_twenty(tmp_path):
    rows = "".join(f"2022,410,156,8703{i:02d},-1,\n" for i in range(30))
    (tmp_path / "b.csv").write_text("t,i,j,k,v,q\n" + rows)
    with pytest.raises(InputError) as exc:
        importers.convert(tmp_path / "b.csv", "baci")
    assert len(exc.value.problems) == 21
    assert exc.value.problems[-1].message == "... and 10 more problems"


def test_baci_several_years_need_year(tmp_path):
    (tmp_path / "b.csv").write_text("t,i,j,k,v,q\n2021,410,156,870323,1,\n2022,410,156,870323,2,\n")
    with pytest.raises(InputError) as exc:
        importers.convert(tmp_path / "b.csv", "baci")
    assert "several years (2021, 2022)" in exc.value.problems[0].message
    df = importers.convert(tmp_path / "b.csv", "baci", year=2022)
    assert df.value.tolist() == [2000.0]
    assert df.attrs["dropped"] == {"of other years than 2022": 1}


# --- Comtrade -----------------------------------------------------------------------------------

def test_comtrade_plus_imports():
    df = importers.convert(S / "comtrade_plus_sample.csv", "comtrade")
    f = flows_by_key(df)
    assert set(f) == {("USA", "KOR", "870323"), ("USA", "CHN", "870323"), ("USA", "MEX", "020130"),
                      ("USA", "S19", "847130")}
    # January and February summed, values and quantities (same unit)
    assert f["USA", "KOR", "870323"].value == 4_000_000 and f["USA", "KOR", "870323"].quantity == 160
    assert f["USA", "KOR", "870323"].unit == "u"
    # unit N/A: no quantity (net weight 0 is not used)
    assert f["USA", "CHN", "870323"].value == 1_000_000 and pd.isna(f["USA", "CHN", "870323"].quantity)
    assert f["USA", "MEX", "020130"].value == 42_000 and f["USA", "MEX", "020130"].unit == "kg"
    # World, TOTAL, 87 and 8703 are not added to the 6-digit rows: exactly one level
    assert df.value.sum() == 4_000_000 + 1_000_000 + 42_000 + 300_000
    dropped = df.attrs["dropped"]
    assert sum(dropped.values()) == 6
    assert dropped["with the partner World (the aggregate of all partners)"] == 1
    assert [n for why, n in dropped.items() if why.startswith("of other trade flows")] == [2]
    assert [n for why, n in dropped.items() if why.startswith("at other HS levels")] == [3]
    notes = " ".join(df.attrs["notes"])
    assert 'S19 (Other Asia, nes)' in notes and '[data] regions = ["S19"]' in notes
    assert "H6 (HS 2022)" in notes and "2 periods summed, 202201 to 202202 (not a full year)" in notes


def test_comtrade_annual_and_monthly_rows_are_not_mixed(tmp_path):
    lines = (S / "comtrade_plus_sample.csv").read_text().splitlines()
    annual = lines[1].replace(",202201,", ",2022,")
    (tmp_path / "c.csv").write_text("\n".join([lines[0], lines[1], annual]) + "\n")
    with pytest.raises(InputError) as exc:
        importers.convert(tmp_path / "c.csv", "comtrade")
    assert "annual and monthly rows mixed" in exc.value.problems[0].message


def test_comtrade_exports_mirrored():
    df = importers.convert(S / "comtrade_plus_sample.csv", "comtrade", flows="exports")
    assert df.to_dict("records") == [{"importer": "KOR", "exporter": "USA", "hs": "100199", "value": 800_000.0,
                                      "quantity": 2_000_000.0, "unit": "kg"}]
    assert df.attrs["dropped"]["with the partner World (the aggregate of all partners)"] == 1
    assert any("mirrored" in n for n in df.attrs["notes"])


def test_comtrade_numeric_codes_only():
    df = importers.convert(S / "comtrade_numeric_sample.csv", "comtrade")
    f = flows_by_key(df)
    assert set(f) == {("KOR", "CHN", "850760"), ("KOR", "JPN", "850760"), ("KOR", "VNM", "030617")}
    assert f["KOR", "CHN", "850760"].value == 640_000 and f["KOR", "VNM", "030617"].unit == "kg"
    assert df.attrs["dropped"] == {"with the partner World (the aggregate of all partners)": 1}


def test_comtrade_numeric_code_of_its_own_is_reported(tmp_path):
    text = (S / "comtrade_numeric_sample.csv").read_text().replace(",410,M,704,", ",842,M,704,")
    (tmp_path / "c.csv").write_text(text)
    with pytest.raises(InputError) as exc:
        importers.convert(tmp_path / "c.csv", "comtrade")
    found = problems(exc)
    assert len(found) == 1 and found[0][0] == "row 4"
    assert "country code 842" in found[0][1] and "reporterISO" in found[0][1]


def test_comtrade_legacy_bulk_names():
    df = importers.convert(S / "comtrade_legacy_sample.csv", "comtrade")
    f = flows_by_key(df)
    assert set(f) == {("JPN", "KOR", "854232"), ("JPN", "CHN", "090111")}
    assert f["JPN", "KOR", "854232"].value == 5_600_000 and f["JPN", "KOR", "854232"].quantity == 1200
    assert pd.isna(f["JPN", "CHN", "090111"].quantity)                  # No Quantity
    assert sum(df.attrs["dropped"].values()) == 3                        # WLD, an export row, an HS4 row
    exports = importers.convert(S / "comtrade_legacy_sample.csv", "comtrade", flows="exports")
    assert flows_by_key(exports)["KOR", "JPN", "870323"].value == 9_000_000


def test_comtrade_hs_level(tmp_path):
    df = importers.convert(S / "comtrade_plus_sample.csv", "comtrade", hs_level=4)
    assert df[["exporter", "hs", "value"]].to_dict("records") == [{"exporter": "CHN", "hs": "8703", "value": 1e6}]
    with pytest.raises(InputError) as exc:
        importers.convert(S / "comtrade_plus_sample.csv", "comtrade", hs_level=8)
    assert "no 8-digit codes" in exc.value.problems[0].message


def test_comtrade_breakdown_by_mode_of_transport_keeps_the_total(tmp_path):
    lines = (S / "comtrade_plus_sample.csv").read_text().splitlines()
    mex = next(line for line in lines if ",484,MEX," in line)
    by_air = mex.replace("TOTAL MOT,", "Air,").replace(",0,0,Air,", ",0,1000,Air,").replace(",42000,,42000,", ",40000,,40000,")
    (tmp_path / "c.csv").write_text("\n".join([lines[0], mex, by_air]) + "\n")
    df = importers.convert(tmp_path / "c.csv", "comtrade")
    assert df.value.tolist() == [42_000.0]
    assert any("mode of transport" in why for why in df.attrs["dropped"])


# --- Census -------------------------------------------------------------------------------------

def test_census_imports_with_mapping_file():
    df = importers.convert(S / "census_imports_sample.json", "census", country_codes=S / "census_codes_sample.csv")
    f = flows_by_key(df)
    assert set(f) == {("USA", "KOR", "870323"), ("USA", "CHN", "850760"), ("USA", "CAN", "020130"),
                      ("USA", "ISL", "030471")}
    # January and February summed
    assert f["USA", "KOR", "870323"].value == 2_500_000 and f["USA", "KOR", "870323"].quantity == 120
    assert f["USA", "KOR", "870323"].unit == "NO"
    assert pd.isna(f["USA", "CHN", "850760"].quantity)                  # unit '-': no quantity
    assert f["USA", "CAN", "020130"].value == 750_000
    # '-', 0003 (European Union) and 5XXX (Asia) are aggregates, not partners
    assert sum(df.attrs["dropped"].values()) == 3 and df.value.sum() == 5_262_345
    assert any("2 months" in n for n in df.attrs["notes"])


def test_census_without_mapping_file_reports_unknown_codes():
    with pytest.raises(InputError) as exc:
        importers.convert(S / "census_imports_sample.json", "census")
    found = problems(exc)
    assert len(found) == 1 and found[0][0] == "line 9"                 # the line of the JSON file
    assert "country code 4000" in found[0][1] and "--country-codes" in found[0][1]


def test_census_builtin_table():
    assert importers.SCHEDULE_C["5800"] == "KOR" and importers.SCHEDULE_C["5700"] == "CHN"
    assert importers.SCHEDULE_C["1220"] == "CAN" and importers.SCHEDULE_C["2010"] == "MEX"
    assert importers.SCHEDULE_C["5880"] == "JPN" and importers.SCHEDULE_C["4280"] == "DEU"


def test_census_exports():
    df = importers.convert(S / "census_exports_sample.json", "census")
    assert df.to_dict("records") == [
        {"importer": "JPN", "exporter": "USA", "hs": "120190", "value": 650_000.0, "quantity": 1500.0, "unit": "T"},
        {"importer": "KOR", "exporter": "USA", "hs": "100199", "value": 800_000.0, "quantity": 2000.0, "unit": "T"}]
    assert sum(df.attrs["dropped"].values()) == 2                        # the total row and the HS2 row
    with pytest.raises(InputError) as exc:
        importers.convert(S / "census_exports_sample.json", "census", flows="imports")
    assert "holds US exports" in exc.value.problems[0].message


def test_census_bad_values(tmp_path):
    rows = [["CTY_CODE", "CTY_NAME", "I_COMMODITY", "GEN_VAL_MO", "time"],
            ["5800", "KOREA, SOUTH", "870323", "-5", "2024-01"],
            ["5700", "CHINA", "87032", "10", "2024-01"],
            ["5880", "JAPAN", "870323", "n/a", "2024-01"]]
    (tmp_path / "c.json").write_text("[" + ",\n".join(json.dumps(r) for r in rows) + "]")
    with pytest.raises(InputError) as exc:
        importers.convert(tmp_path / "c.json", "census")
    found = problems(exc)
    assert [w for w, _ in found] == ["line 3"]                        # the HS code is checked first
    assert "'87032' has 5 digits" in found[0][1]
    rows[2][2] = "870320"
    (tmp_path / "c.json").write_text("[" + ",\n".join(json.dumps(r) for r in rows) + "]")
    with pytest.raises(InputError) as exc:
        importers.convert(tmp_path / "c.json", "census")
    assert [w for w, _ in problems(exc)] == ["line 2", "line 4"]
    assert "-5 is negative" in problems(exc)[0][1] and "'n/a' is not a number" in problems(exc)[1][1]


def test_census_missing_column(tmp_path):
    (tmp_path / "c.json").write_text('[["CTY_CODE","I_COMMODITY","time"],\n["5800","870323","2024-01"]]')
    with pytest.raises(InputError) as exc:
        importers.convert(tmp_path / "c.json", "census")
    assert problems(exc)[0][0] == "column GEN_VAL_MO"


# --- HS revisions -------------------------------------------------------------------------------

def test_concordance_splits_by_weight():
    df = importers.convert(BACI, "baci", country_codes=BACI_CODES, concordance=S / "concordance_sample.csv",
                           hs_revision="HS2017")
    f = flows_by_key(df)
    assert f["CHN", "JPN", "847130"].value == pytest.approx(1005 * 0.75)
    assert f["CHN", "JPN", "847141"].value == pytest.approx(1005 * 0.25)
    assert f["CHN", "JPN", "847141"].quantity == pytest.approx(0.01 * 0.25)
    assert df.value.sum() == pytest.approx(2_820_850)                   # nothing lost or invented
    notes = " ".join(df.attrs["notes"])
    assert "concordance_sample.csv" in notes and "HS2017" in notes


def test_hs_revision_is_recorded_without_concordance():
    df = importers.convert(BACI, "baci", country_codes=BACI_CODES, hs_revision="HS2017")
    assert any("HS revision declared: HS2017" in n for n in df.attrs["notes"])
    assert "847130" in set(df.hs)


def test_concordance_problems(tmp_path):
    (tmp_path / "w.csv").write_text("from_hs,to_hs,weight\n847130,847130,0.5\n847130,847141,0.4\n")
    with pytest.raises(InputError) as exc:
        importers.convert(BACI, "baci", country_codes=BACI_CODES, concordance=tmp_path / "w.csv")
    assert problems(exc) == [("row 2", "the weights of from_hs 847130 sum to 0.9, not 1")]
    (tmp_path / "n.csv").write_text("from_hs,to_hs\n847130,847130\n847130,847141\n")
    with pytest.raises(InputError) as exc:
        importers.convert(BACI, "baci", country_codes=BACI_CODES, concordance=tmp_path / "n.csv")
    assert "add a weight column" in exc.value.problems[0].message
    (tmp_path / "c.csv").write_text((S / "concordance_sample.csv").read_text().replace("220421,220421,1\n", ""))
    with pytest.raises(InputError) as exc:
        importers.convert(BACI, "baci", country_codes=BACI_CODES, concordance=tmp_path / "c.csv")
    assert len(exc.value.problems) == 1 and "no row for HS 220421" in exc.value.problems[0].message


# --- output and command line --------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_written_file_reads_as_flows(tmp_path, suffix):
    df = importers.convert(S / "comtrade_plus_sample.csv", "comtrade")
    out = tmp_path / f"flows{suffix}"
    importers.write(df, out)
    flows = user_flows.read(out, frozenset({"S19"}), out.name)
    assert len(flows) == 4 and flows.value.sum() == df.value.sum()
    assert "020130" in {flows.hs_text(i) for i in range(len(flows))}
    assert [p.name for p in tmp_path.iterdir()] == [out.name]          # no temporary file left


def test_unknown_format_and_flows():
    with pytest.raises(InputError) as exc:
        importers.convert(BACI, "bacci")
    assert "did you mean 'baci'" in exc.value.problems[0].message
    with pytest.raises(InputError):
        importers.convert(BACI, "baci", flows="exports")


SCENARIO = """
name = "imported"
[data]
flows = "{flows}"
regions = {regions}
[model]
name = "constant"
[elasticities]
import_demand = -1.5
export_supply = inf
[[measures]]
id = "cars"
kind = "add"
rate = 0.25
importer = "USA"
products = ["8703"]
"""


def test_cli_import_then_run(tmp_path):
    res = invoke("data", "import", "comtrade", S / "comtrade_plus_sample.csv", "-o", tmp_path / "flows.csv")
    assert res.exit_code == 0, res.stderr
    summary = res.stderr.splitlines()[0]
    assert "read 11 rows" in summary and "wrote 4 flows" in summary and "US$ 5,342,000" in summary
    assert "dropped 6 rows" in summary and "partner World" in summary and "5 countries" in summary
    assert "note:" in res.stderr and res.stdout == ""
    (tmp_path / "s.toml").write_text(SCENARIO.format(flows="flows.csv", regions='["S19"]'))
    run = invoke("run", tmp_path / "s.toml", "-f", "json")
    assert run.exit_code == 0, run.stderr
    pairs = {(p["exporter"], p["importer"]): p for p in json.loads(run.stdout)["pairs"]}
    assert pairs["KOR", "USA"]["value_base"] == pytest.approx(4_000_000)
    assert pairs["S19", "USA"]["value_base"] == pytest.approx(300_000)


def test_cli_import_baci_to_parquet_then_run(tmp_path):
    res = invoke("data", "import", "baci", BACI, "--country-codes", BACI_CODES, "--hs-revision", "HS2017",
                 "-o", tmp_path / "flows.parquet")
    assert res.exit_code == 0, res.stderr
    assert "HS revision declared: HS2017" in res.stderr
    (tmp_path / "s.toml").write_text(SCENARIO.format(flows="flows.parquet", regions="[]"))
    run = invoke("run", tmp_path / "s.toml", "-f", "json")
    assert run.exit_code == 0, run.stderr
    pairs = {(p["exporter"], p["importer"]): p for p in json.loads(run.stdout)["pairs"]}
    assert pairs["KOR", "USA"]["value_base"] == pytest.approx(2_000_000)
    assert pairs["KOR", "USA"]["value_new"] < 2_000_000


def test_cli_failed_import_leaves_no_output(tmp_path):
    out = tmp_path / "flows.csv"
    res = invoke("data", "import", "baci", BACI, "-o", out)
    assert res.exit_code == 1
    assert "error:" in res.stderr and "country code 842" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    res = invoke("data", "import", "census", S / "census_imports_sample.json", "-o", tmp_path / "flows.parquet")
    assert res.exit_code == 1 and list(tmp_path.iterdir()) == []
    res = invoke("data", "import", "baci", BACI, "--country-codes", BACI_CODES, "-o", tmp_path / "flows.txt")
    assert res.exit_code == 1 and ".csv or .parquet" in res.stderr and list(tmp_path.iterdir()) == []


def test_cli_census_with_mapping(tmp_path):
    res = invoke("data", "import", "census", S / "census_imports_sample.json", "--country-codes",
                 S / "census_codes_sample.csv", "--flows", "imports", "-o", tmp_path / "f.csv")
    assert res.exit_code == 0, res.stderr
    written = pd.read_csv(tmp_path / "f.csv", dtype={"hs": str})
    assert set(written.exporter) == {"KOR", "CHN", "CAN", "ISL"} and set(written.importer) == {"USA"}
    assert "020130" in set(written.hs)
