"""explain, schema, validate --strict and run --path through the command line."""

import json

from typer.testing import CliRunner

from simulator.cli import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_explain_shows_every_step_in_order(tmp_path):
    (tmp_path / "s.toml").write_text("""
name = "explain me"
[[preferences]]
id = "korus"
agreement = "KORUS"
importer = "USA"
exporters = ["KOR"]
rate = "data"
utilisation = 0.9
[[measures]]
id = "recip"
kind = "floor"
rate = 0.15
importer = "USA"
exporters = ["KOR"]
reference = "HTS 9903.02.79"
[[measures]]
id = "s232-autos"
rate = 0.25
importer = "USA"
products = ["list:s232-autos"]
excludes = ["recip"]
""")
    res = invoke("explain", tmp_path / "s.toml", "--importer", "USA", "--exporter", "KOR", "--hs", "870323", "-f", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    f = doc["flows"][0]
    labels = [s["step"] for s in f["steps"]]
    assert labels[0] == "base rate in the data"
    assert labels[1] == "preference korus"
    assert "s232-autos excludes recip" in labels
    assert labels[-1] == "add s232-autos"
    # KORUS 0% on 90%, MFN 2.5% on 10%: base 0.25%; the floor is excluded, Section 232 adds 25%
    assert f["rate_base"] == __import__("pytest").approx(0.1 * 0.025)
    assert f["rate_scenario"] == __import__("pytest").approx(0.1 * 0.025 + 0.25)
    table = invoke("explain", tmp_path / "s.toml", "--importer", "USA", "--exporter", "KOR", "--hs", "870323")
    assert table.exit_code == 0 and "excludes recip" in table.stdout


def test_explain_bad_arguments(root):
    res = invoke("explain", root / "scenarios" / "exemption.toml", "--importer", "USA", "--exporter", "KORE", "--hs", "8703")
    assert res.exit_code == 1 and "did you mean 'KOR'" in res.stderr
    res = invoke("explain", root / "scenarios" / "exemption.toml", "--importer", "USA", "--exporter", "KOR", "--hs", "9999")
    assert res.exit_code == 1 and "no flow KOR -> USA under HS '9999'" in res.stderr


def test_schema_is_json_schema_of_the_language():
    res = invoke("schema")
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["$schema"] == "http://json-schema.org/draft-07/schema#"
    for key in ("measures", "exemptions", "preferences", "quotas", "commitments", "extends", "disable", "groups"):
        assert key in doc["properties"], key
    kinds = doc["definitions"]["Measure"]["properties"]["kind"]["enum"]
    assert set(kinds) == {"add", "set", "cap", "cut", "swiss", "floor", "specific", "ntm"}


def test_validate_strict_turns_unmatched_rules_into_errors(tmp_path, root):
    (tmp_path / "s.toml").write_text('name = "x"\n[[measures]]\nid = "nothing"\nrate = 0.1\nimporter = "USA"\nproducts = ["9999"]\n')
    loose = invoke("validate", tmp_path / "s.toml")
    assert loose.exit_code == 0 and "warning:" in loose.stderr and "matches no flow" in loose.stderr
    strict = invoke("validate", "--strict", tmp_path / "s.toml", root / "scenarios" / "baseline.toml")
    assert strict.exit_code == 1
    assert "error: s.toml: measures[0] ('nothing') matches no flow" in strict.stderr
    assert "ok: " in strict.stderr   # the other file is still checked


def test_run_path_json_and_usage_errors(root):
    res = invoke("run", root / "scenarios" / "exemption.toml", "--path", "2025-01-01:2025-03-01:monthly", "-f", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert sorted({r["date"] for r in doc["path"]}) == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert invoke("run", root / "scenarios" / "exemption.toml", "--path", "2025-01-01").exit_code == 2
    res = invoke("run", root / "scenarios" / "exemption.toml", "--path", "2025-01-01:2025-03-01:hourly")
    assert res.exit_code == 1 and "unknown step 'hourly'" in res.stderr
