"""Composition: `extends` overlays a scenario on another, merging instruments by id."""

import json

import pytest
from typer.testing import CliRunner

from simulator import api
from simulator.cli import app
from simulator.errors import InputError
from simulator.scenario import load_scenario

BASE = """
name = "base"
[data]
flows = "data/f.csv"
regions = ["RW"]
[elasticities]
import_demand = -2.0
export_supply = 3.0
[[measures]]
id = "a"
rate = 0.10
importer = "USA"
reference = "law A"
[[measures]]
id = "b"
rate = 0.05
importer = "USA"
[[exemptions]]
id = "ex-kor"
measures = ["a"]
exporters = ["KOR"]
"""

OVERLAY = """
name = "overlay"
extends = "../base.toml"
disable = ["b"]
[elasticities]
import_demand = -1.0
[[measures]]
id = "a"
rate = 0.25
[[measures]]
id = "c"
kind = "set"
rate = 0.0
importer = "USA"
products = ["8703"]
"""


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "f.csv").write_text("importer,exporter,hs,value,base_rate\nUSA,KOR,8703,100,0.02\nUSA,RW,8703,50,0.02\n"
                                             "USA,RW,0201,10,0.04\n")
    (tmp_path / "base.toml").write_text(BASE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "overlay.toml").write_text(OVERLAY)
    return tmp_path


def test_merge_by_id_disable_and_tables(files):
    sf = load_scenario(files / "sub" / "overlay.toml")
    spec = sf.spec
    assert spec.name == "overlay"
    assert [m.id for m in spec.measures] == ["a", "c"]
    a = spec.measures[0]
    assert a.rate == 0.25 and a.reference == "law A" and a.importer == ["USA"]   # overlay keys replace, the rest stays
    assert spec.elasticities.import_demand == -1.0 and spec.elasticities.export_supply == 3.0
    assert [e.id for e in spec.exemptions] == ["ex-kor"]
    assert [name for name, _ in sf.chain] == ["overlay.toml", "base.toml"]


def test_data_path_is_relative_to_the_file_that_names_it(files):
    result, _ = api.run(files / "sub" / "overlay.toml")
    p = result.products.set_index(["exporter", "hs"])
    # a: 25% on RW only (KOR exempt); c sets 8703 base to 0; b disabled
    assert p.loc[("RW", "8703")].rate_new == pytest.approx(0.25)
    assert p.loc[("KOR", "8703")].rate_new == pytest.approx(0.0)
    assert p.loc[("RW", "0201")].rate_new == pytest.approx(0.04 + 0.25)
    assert result.provenance.extends == ("base.toml",)


def test_error_in_base_item_names_the_base_file(files):
    (files / "base.toml").write_text(BASE.replace('rate = 0.05', 'rate = "5%"'))
    (files / "sub" / "overlay.toml").write_text(OVERLAY.replace('disable = ["b"]', ''))
    with pytest.raises(InputError) as exc:
        load_scenario(files / "sub" / "overlay.toml")
    assert str(exc.value).startswith("base.toml: measures[1].rate")


def test_overlay_of_shipped_exemption_runs_through_the_cli(files, root):
    over = files / "korea-not-exempt.toml"
    over.write_text(f'name = "no exemption"\nextends = "{(root / "scenarios" / "exemption.toml").as_posix()}"\n'
                    'disable = ["korea-exempt"]\n')
    res = CliRunner().invoke(app, ["run", str(over), "-f", "json"])
    if res.exit_code == 1 and "no instrument 'korea-exempt'" in res.stderr:
        pytest.fail("scenarios/exemption.toml should name its exemption 'korea-exempt' so that overlays can disable it")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    kor = next(p for p in doc["pairs"] if p["exporter"] == "KOR" and p["importer"] == "USA")
    assert kor["value_new"] < kor["value_base"]
