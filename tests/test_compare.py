"""tariffsim compare: side by side, deltas against the first, every output format."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from simulator import api
from simulator.cli import app

FLOWS = "importer,exporter,hs,value,base_rate\nHOME,HOME,87,100,0.10\nHOME,RW,87,50,0.10\nRW,HOME,87,40,0.05\nRW,RW,87,300,0.05\n"


def files(tmp_path):
    (tmp_path / "f.csv").write_text(FLOWS)
    base = tmp_path / "base.toml"
    base.write_text('name = "no change"\n[data]\nflows = "f.csv"\nregions = ["HOME", "RW"]\n[elasticities]\nsubstitution = 2.0\n')
    up = tmp_path / "up.toml"
    up.write_text('name = "home +20%"\nextends = "base.toml"\n[[measures]]\nid = "m"\nrate = 0.2\nimporter = "HOME"\nexporters = ["RW"]\n')
    return base, up


def test_long_tables_have_deltas_against_the_first(tmp_path):
    base, up = files(tmp_path)
    cmp, _ = api.compare([base, up])
    pairs = cmp.long("pairs").set_index(["scenario", "exporter", "importer"])
    first = pairs.loc[("base.toml", "RW", "HOME")]
    second = pairs.loc[("up.toml", "RW", "HOME")]
    assert first.value_new_vs_first == 0.0
    assert second.value_new_vs_first == pytest.approx(second.value_new - first.value_new)
    assert second.value_new < first.value_new
    head = cmp.headline().set_index(["figure", "of"])
    assert head.loc[("trade", "RW → HOME"), "up.toml"] == pytest.approx(second.value_new)
    assert head.loc[("balance", "HOME vs RW"), "base.toml"] == pytest.approx(-10.0)


def test_cli_formats(tmp_path):
    base, up = files(tmp_path)
    r = CliRunner().invoke(app, ["compare", str(base), str(up)])
    assert r.exit_code == 0, r.stderr
    assert "Headline figures" in r.stdout and "Δ" in r.stdout and "HS chapters that differ most" in r.stdout
    r = CliRunner().invoke(app, ["compare", str(base), str(up), "-f", "json"])
    doc = json.loads(r.stdout)
    assert doc["labels"] == ["base.toml", "up.toml"]
    assert {"scenario", "value_new_vs_first"} <= set(doc["pairs"][0])
    r = CliRunner().invoke(app, ["compare", str(base), str(up), "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["scenario"] for row in rows} == {"base.toml", "up.toml"}
    figures = [row for row in rows if row["table"] not in ("scenario", "notes")]
    assert figures and all(row["delta_vs_first"] and not row["text"] for row in figures)
    said = {(row["scenario"], row["field"]): row["text"] for row in rows if row["table"] == "scenario"}
    assert said["base.toml", "file"] == "base.toml" and said["up.toml", "file"] == "up.toml"
    assert {("base.toml", "as_of"), ("up.toml", "tariffsim_version")} <= set(said)
    notes = [row for row in rows if row["table"] == "notes"]
    assert {row["scenario"] for row in notes} == {"base.toml", "up.toml"} and all(row["text"] for row in notes)
    out = tmp_path / "cmp.md"
    r = CliRunner().invoke(app, ["compare", str(base), str(up), "-o", str(out)])
    assert r.exit_code == 0 and out.read_text().startswith("## Scenarios compared")


def test_cli_errors(tmp_path, root):
    base, _ = files(tmp_path)
    assert CliRunner().invoke(app, ["compare", str(base)]).exit_code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[measures]]\nid = "m"\nrate = "25%"\nimporter = "USA"\n')
    r = CliRunner().invoke(app, ["compare", str(base), str(bad), str(tmp_path / "missing.toml")])
    assert r.exit_code == 1
    assert "bad.toml: measures[0].rate" in r.stderr and "missing.toml" in r.stderr


def test_shipped_scenarios_compare(root):
    r = CliRunner().invoke(app, ["compare", str(root / "scenarios" / "baseline.toml"), str(root / "scenarios" / "exemption.toml")])
    assert r.exit_code == 0, r.stderr
    assert "Balance (exports − imports): KOR vs USA" in r.stdout


@pytest.mark.parametrize("model", ["armington", "constant", "smart", "gsim"])
def test_every_model_runs_on_a_textbook_setup(tmp_path, model):
    """Regions of the user's naming, trade within a region, non-zero base tariffs on every flow."""
    (tmp_path / "f.csv").write_text(FLOWS)
    s = tmp_path / "s.toml"
    s.write_text(f'name = "m"\n[model]\nname = "{model}"\n[data]\nflows = "f.csv"\nregions = ["HOME", "RW"]\n'
                 '[elasticities]\nsubstitution = 2.0\nexport_supply = 1.5\n'
                 '[[measures]]\nid = "m"\nrate = 0.2\nimporter = "HOME"\nexporters = ["RW"]\n')
    r = CliRunner().invoke(app, ["run", str(s), "-f", "json"])
    assert r.exit_code == 0, r.stderr
    pairs = {(p["exporter"], p["importer"]): p for p in json.loads(r.stdout)["pairs"]}
    assert pairs[("RW", "HOME")]["value_new"] < 50
    if model != "constant":
        assert pairs[("HOME", "HOME")]["value_new"] != 100     # buyers switch to the home source
