"""A country written as people write it ('US', 'UK', 'KR', 'Korea', 'EU') is answered with the code it stands for,
wherever a country code is checked: never with a code that merely looks alike ('US' is not 'AUS', 'EU' not 'DEU')."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator import countries
from simulator.cli import app
from simulator.data import importers

ROOT = Path(__file__).parents[1]
# every country a look-alike suggestion would pick: AUS for US, DEU for EU, KEN for KR
FLOWS = ("importer,exporter,hs,value\n" + "".join(f"USA,{c},8703,{k + 1}\n" for k, c in enumerate(
    ("KOR", "AUS", "DEU", "GBR", "KEN", "UKR"))) + "KOR,USA,0201,7\n")


def run(*args) -> tuple[int, str]:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in r.stdout + r.stderr
    return r.exit_code, r.stderr


@pytest.mark.parametrize("written, meant", [("US", "USA"), ("us", "USA"), ("EU", "EU27"), ("UK", "GBR"),
                                            ("KR", "KOR"), ("Korea", "KOR"), ("South Korea", "KOR"),
                                            ("KRO", "KOR")])
def test_suggest(written, meant):
    choices = ["USA", "AUS", "KOR", "KEN", "DEU", "GBR", "UKR", "EU27", "*"]
    assert countries.suggest(written, choices) == f" (did you mean '{meant}'?)"


def test_aliases():
    assert countries.alias("US") == "USA" and countries.alias("KR") == "KOR" and countries.alias("UK") == "GBR"
    assert countries.alias("Viet Nam") == "VNM" and countries.alias("Korea") == "KOR"
    assert countries.alias("USA") is None and countries.alias("ROW") is None and countries.alias("") is None


def test_the_eu_is_the_datas_eu_region_or_no_country():
    assert countries.suggest("EU", ["USA", "EU28"]) == " (did you mean 'EU28'?)"
    said = countries.suggest("EU", ["USA", "DEU"])
    assert "DEU'?" not in said and "no single country" in said


def test_a_country_the_data_does_not_have_is_named_not_replaced():
    said = countries.suggest("FR", ["USA", "KOR"])
    assert "FRA" in said and "France" in said and "did you mean" not in said
    assert countries.suggest("FR", ["USA"], valid=countries.is_iso3) == " (did you mean 'FRA'?)"


def _scenario(tmp_path: Path, body: str, flows: str = FLOWS, data: str = "") -> Path:
    (tmp_path / "flows.csv").write_text(flows, "utf-8")
    path = tmp_path / "s.toml"
    path.write_text(f'name = "s"\n[data]\nflows = "flows.csv"\n{data}\n{body}', "utf-8")
    return path


def test_scenario_validation(tmp_path):
    s = _scenario(tmp_path, '[groups]\nmine = ["KR", "UK"]\n\n[[measures]]\nid = "m"\nrate = 0.1\nimporter = "US"\n'
                            'exporters = ["EU", "UK", "KR", "Korea"]\n')
    code, said = run("validate", s)
    assert code == 1
    lines = said.splitlines()
    for where, meant in (("groups.mine[0]", "KOR"), ("groups.mine[1]", "GBR"), ("measures[0].importer[0]", "USA"),
                         ("measures[0].exporters[0]", "EU27"), ("measures[0].exporters[1]", "GBR"),
                         ("measures[0].exporters[2]", "KOR"), ("measures[0].exporters[3]", "KOR")):
        line = next(ln for ln in lines if f"s.toml: {where}:" in ln)
        assert f"(did you mean '{meant}'?)" in line, line
    assert len(lines) == 7, said


def test_flows_file(tmp_path):
    s = _scenario(tmp_path, "", flows="importer,exporter,hs,value\nUS,KR,8703,1\nUSA,UK,8703,1\nUSA,EU,8703,1\n",
                  data='regions = ["EU27"]')
    code, said = run("validate", s)
    assert code == 1
    lines = said.splitlines()
    for row, column, meant in (("row 2", "importer", "USA"), ("row 2", "exporter", "KOR"), ("row 3", "exporter", "GBR"),
                               ("row 4", "exporter", "EU27")):
        line = next(ln for ln in lines if f"flows.csv: {row}: column '{column}'" in ln)
        assert f"did you mean '{meant}'?" in line and "[data] regions" in line, line


def test_explain_importer_and_exporter(tmp_path):
    s = _scenario(tmp_path, "")
    for option, written, meant in (("--importer", "US", "USA"), ("--importer", "us", "USA"), ("--exporter", "KR", "KOR"),
                                   ("--exporter", "UK", "GBR"), ("--exporter", "Korea", "KOR")):
        args = {"--importer": "USA", "--exporter": "KOR", option: written}
        code, said = run("explain", s, "--hs", "8703", *[x for kv in args.items() for x in kv])
        assert code == 1 and said.startswith(f"error: {option}: ") and f"(did you mean '{meant}'?)" in said, said
        assert len(said.splitlines()) == 1
    code, said = run("explain", s, "--hs", "8703", "--importer", "USA", "--exporter", "EU")
    assert code == 1 and "DEU'?" not in said and "no single country" in said, said


def test_importers_note_the_code_a_mapping_meant(tmp_path):
    mapping = tmp_path / "codes.csv"
    mapping.write_text("cty_code,iso3\n1220,CAN\n4000,ISL\n5700,CHN\n5800,KR\n")
    df = importers.convert(ROOT / "tests" / "importers" / "census_imports_sample.json", "census", country_codes=mapping)
    note = next(n for n in df.attrs["notes"] if n.startswith("Not ISO3"))
    assert "KR (KOREA, SOUTH; did you mean 'KOR'?)" in note, note
