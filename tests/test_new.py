"""tariffsim new: a starter scenario on top of the measures in force that validates and runs as written, lists the
ids it can override, and never overwrites a file unless told to."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from simulator.cli import app
from simulator.scenario import load_scenario
from simulator.scenario.schema import SECTIONS
from simulator.scenario.starter import default_base

ROOT = Path(__file__).parents[1]
IN_FORCE = ROOT / "scenarios" / "in-force.toml"
SMALL = ("importer,exporter,hs,value,base_rate\nUSA,KOR,870323,1000,0.025\nUSA,JPN,870323,800,0.025\n"
         "KOR,USA,020130,500,0.40\n")


def invoke(*args):
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in r.stdout + r.stderr
    return r


def ok(r):
    assert r.exit_code == 0, (r.stdout, r.stderr)
    return r


def uncommented(text: str) -> str:
    """The starter with its example override and its disable taken out of their comments."""
    keep = ("[[measures]]", "id = ", "rate = ", "disable = ")
    return "\n".join(line[2:] if line.startswith("# ") and line[2:].startswith(keep) else line
                     for line in text.splitlines()) + "\n"


def test_new_extends_the_measures_in_force_and_validates_and_runs(tmp_path):
    folder = tmp_path / "deals"
    folder.mkdir()
    target = folder / "my-deal.toml"
    r = ok(invoke("new", target))
    assert r.stderr.startswith(f"wrote {target}")
    text = target.read_text("utf-8")
    doc = tomllib.loads(text)
    assert doc["name"] == "my-deal"
    assert not os.path.isabs(doc["extends"]) and (folder / doc["extends"]).resolve() == IN_FORCE.resolve()
    assert set(doc) == {"name", "extends"}                # everything else is a comment
    sf = load_scenario(target)
    assert [name for name, _ in sf.chain] == ["my-deal.toml", "in-force.toml", "us-ieepa-country-rates-2025.toml",
                                              "us-2024.toml"]
    ok(invoke("validate", "--strict", target))
    run = ok(invoke("run", target, "-f", "json"))
    assert json.loads(run.stdout)["scenario"]["name"] == "my-deal"


def test_the_comments_list_every_id_of_the_resolved_base(tmp_path):
    target = tmp_path / "s.toml"
    ok(invoke("new", target))
    text = target.read_text("utf-8")
    listed = re.findall(r"^#   (\S+)  ", text, flags=re.M)
    base = load_scenario(IN_FORCE)
    ids = [i.id for s in SECTIONS for i in getattr(base.spec, s) if getattr(i, "id", None)]
    assert listed == ids and len(ids) > 100
    # measures of the files in-force.toml extends are there too
    assert "us-s301-list-1" in listed and "us-s232-steel-2018" in listed
    assert re.search(r"^# \[\[measures\]\]\n# id = \"[\w.-]+\"", text, flags=re.M)       # the example override


def test_the_example_override_validates_once_uncommented(tmp_path):
    (tmp_path / "flows.csv").write_text(SMALL, "utf-8")
    base = tmp_path / "base.toml"
    base.write_text('name = "base"\nas_of = 2025-06-01\n[data]\nflows = "flows.csv"\n\n'
                    '[[measures]]\nid = "cars"\nrate = 0.25\nimporter = "USA"\nproducts = ["8703"]\n\n'
                    '[[measures]]\nid = "beef"\nrate = 0.3\nimporter = "KOR"\nproducts = ["0201"]\n\n'
                    '[[exemptions]]\nid = "japan"\nmeasures = ["cars"]\nexporters = ["JPN"]\n', "utf-8")
    (tmp_path / "mine").mkdir()
    target = tmp_path / "mine" / "deal.toml"
    ok(invoke("new", target, "--base", base))
    text = target.read_text("utf-8")
    assert tomllib.loads(text)["extends"] == "../base.toml"
    assert "# as_of = 2025-06-01" in text and '# disable = ["japan"]' in text
    assert re.findall(r"^#   (\S+)  ", text, flags=re.M) == ["cars", "beef", "japan"]
    ok(invoke("validate", "--strict", target))
    target.write_text(uncommented(text), "utf-8")
    assert tomllib.loads(target.read_text("utf-8"))["measures"] == [{"id": "cars", "rate": 0.125}]
    ok(invoke("validate", "--strict", target))
    result = json.loads(ok(invoke("run", target, "-f", "json")).stdout)
    assert {m["id"]: m["rate"] for m in result["measures"]} == {"cars": 0.125, "beef": 0.3}


def test_new_never_overwrites_unless_forced(tmp_path):
    target = tmp_path / "s.toml"
    target.write_text("# mine\n", "utf-8")
    r = invoke("new", target)
    assert r.exit_code == 1 and r.stderr == f"error: {target}: exists; give --force to overwrite it\n"
    assert target.read_text("utf-8") == "# mine\n"
    ok(invoke("new", target, "--force"))
    assert "extends = " in target.read_text("utf-8")


def test_new_refuses_a_file_it_would_extend_a_directory_and_a_missing_base(tmp_path):
    before = IN_FORCE.read_bytes()
    for target in (IN_FORCE, ROOT / "scenarios" / "us-2024.toml"):
        r = invoke("new", target, "--force")
        assert r.exit_code == 1 and "is a file the new scenario would extend" in r.stderr, r.stderr
    assert IN_FORCE.read_bytes() == before
    r = invoke("new", tmp_path)
    assert r.exit_code == 1 and r.stderr == f"error: {tmp_path}: is a directory; give a file name\n"
    r = invoke("new", tmp_path / "s.toml", "--base", tmp_path / "none.toml")
    assert r.exit_code == 1 and "none.toml: scenario file not found" in r.stderr
    assert not (tmp_path / "s.toml").exists()
    r = invoke("new", tmp_path / "no-folder" / "s.toml")
    assert r.exit_code == 1 and len(r.stderr.splitlines()) == 1 and "does not exist" in r.stderr


def test_the_shipped_base_is_found_beside_the_package_or_here(tmp_path):
    assert default_base(ROOT, tmp_path) == ROOT / "scenarios" / "in-force.toml"
    assert default_base(tmp_path, ROOT) == ROOT / "scenarios" / "in-force.toml"
    assert default_base(tmp_path, tmp_path) is None
