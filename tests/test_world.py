"""The simulated world: lists and share tables reach flows at every level, the base year holds the 2024 measures,
and the bundled measures give the legal rate of the flows the issue names."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulator import api
from simulator.data import catalog, lists


def _scenario(tmp_path, flows: pd.DataFrame, body: str, head: str = ""):
    flows.to_csv(tmp_path / "flows.csv", index=False)
    (tmp_path / "s.toml").write_text(f'name = "t"\n{head}\n[data]\nflows = "flows.csv"\n[model]\nname = "constant"\n' + body)
    return tmp_path / "s.toml"


def _rates(path) -> np.ndarray:
    r, _ = api.run(path)
    return r.t1


@pytest.fixture(scope="module")
def us_imports():
    t = catalog.read_csv("us-imports-hs10-country-2024")
    return pd.DataFrame({"exporter": t.exporter, "hs10": t.hs10, "value": t.value_usd.astype(float)})


def test_hts10_list_reaches_an_hs6_flow_by_the_census_composition(tmp_path, us_imports):
    # a reference computed with strings: the share of 2024 US imports of an HS6 on Annex II lines, for the
    # largest HS6 the list covers only in part
    listed = set(lists.codes("ieepa-annex-ii"))
    lines = us_imports.groupby("hs10").value.sum()
    on_list = pd.Series([any(c.startswith(p) for p in (c[:8], c[:10]) if p in listed) for c in lines.index], lines.index)
    by_hs6 = pd.DataFrame({"value": lines, "covered": lines * on_list}).groupby(lines.index.str[:6]).sum()
    by_hs6 = by_hs6[(by_hs6.covered > 0.2 * by_hs6.value) & (by_hs6.covered < 0.8 * by_hs6.value)]
    hs6 = by_hs6.value.idxmax()
    expected = 0.10 * (1 - by_hs6.covered[hs6] / by_hs6.value[hs6])
    inside = next(c for c in lines.index if c.startswith(hs6) and on_list[c])
    flows = pd.DataFrame({"importer": ["USA", "USA"], "exporter": ["CHN", "CHN"], "hs": [hs6, inside],
                          "value": [100.0, 100.0]})
    path = _scenario(tmp_path, flows, '''
[[measures]]
id = "recip"
rate = 0.10
importer = "USA"
[[exemptions]]
measures = ["recip"]
products = ["list:ieepa-annex-ii"]
''')
    t1 = _rates(path)
    assert t1[0] == pytest.approx(expected, rel=1e-9)
    assert t1[1] == pytest.approx(0.0)
    # explain says where the partial share came from
    e = api.explain(path, "USA", "CHN", hs6)
    coarse = next(f for f in e.flows if f["hs"] == hs6)
    assert any("2024 US HS10 import composition" in st["detail"] for st in coarse["steps"])


def test_share_table_at_hs10_and_hs6(tmp_path, us_imports):
    claims = catalog.read_csv("us-usmca-shares-2025")
    mex = claims[claims.cty_code == "2010"].set_index("hts10").usmca_share.astype(float)
    code = "8703230140"
    weights = us_imports[(us_imports.exporter == "MEX") & us_imports.hs10.str.startswith("870323")]
    weights = weights.set_index("hs10").value.reindex(mex.index[mex.index.str.startswith("870323")]).fillna(0) + 1.0
    hs6_share = float((mex[weights.index] * weights).sum() / weights.sum())
    flows = pd.DataFrame({"importer": ["USA"] * 3, "exporter": ["MEX", "MEX", "JPN"],
                          "hs": [code, "870323", code], "value": [1.0, 1.0, 1.0]})
    path = _scenario(tmp_path, flows, '''
[[measures]]
id = "fent"
rate = 0.25
importer = "USA"
[[exemptions]]
measures = ["fent"]
share = "table:usmca-claims-2025"
''')
    t1 = _rates(path)
    assert t1[0] == pytest.approx(0.25 * (1 - mex[code]), rel=1e-12)
    assert t1[1] == pytest.approx(0.25 * (1 - hs6_share), rel=1e-9)
    assert t1[2] == pytest.approx(0.25)                   # the table says nothing about Japan: no exemption


def test_padded_eight_digit_entries_match_as_prefixes(us_imports):
    raw = set(catalog.read_csv("list-ieepa-annex-ii").hts10)
    codes = set(lists.codes("ieepa-annex-ii"))
    padded = {c for c in raw if c not in codes}
    assert "8542310000" in padded and "85423100" in codes     # the example: Korean processors
    lines = set(catalog.read_csv("us-hts-2025").hts) | set(us_imports.hs10)
    for c in padded - {"850511007000"}:                        # (not an HS code: reported apart)
        assert len(c) == 10 and c not in lines and c[:8] in codes     # padded, or a later revision's suffix
    assert any(not c.endswith("00") for c in padded - {"850511007000"})
    # a real ten-digit line ending in 00 stays ten digits
    assert "0106110000" in codes and "0106110000" in lines


@pytest.mark.parametrize("name", sorted(lists.LISTS))
def test_every_list_reaches_hs10_and_hs6_flows(tmp_path, name, us_imports):
    """A list applies in full to an HTS10 flow it names and in part (its 2024 share) to the HS6 flow around it;
    codes that match no line are exactly those reported."""
    listed = lists.codes(name)
    lost = set(lists.unmatched(name))
    codes = us_imports.hs10.unique()
    hit = sorted(c for c in codes if any(c.startswith(p) for p in listed[:50] if p not in lost))
    assert hit, name
    code = hit[0]
    flows = pd.DataFrame({"importer": ["USA", "USA"], "exporter": ["DEU", "DEU"], "hs": [code, code[:6]],
                          "value": [1.0, 1.0]})
    path = _scenario(tmp_path, flows, f'''
[[measures]]
id = "m"
rate = 0.10
importer = "USA"
products = ["list:{name}"]
''')
    t1 = _rates(path)
    assert t1[0] == pytest.approx(0.10)
    assert 0 < t1[1] <= 0.10 + 1e-12


def test_unmatched_codes_are_those_no_line_starts_with(us_imports):
    sched = catalog.read_csv("us-hts-2025", usecols=["hts"]).hts
    lines = set(sched) | set(us_imports.hs10)
    for name in ("ieepa-annex-ii", "s232-autos", "kor-civil-aircraft"):
        slow = {c for c in lists.codes(name) if not any(line.startswith(c) for line in lines)}
        assert set(lists.unmatched(name)) == slow


def test_measures_dated_before_the_base_date_are_in_the_base_rate(tmp_path):
    flows = pd.DataFrame({"importer": ["USA"], "exporter": ["CHN"], "hs": ["8504403000"], "value": [1.0]})
    body = '''
[[measures]]
id = "old"
rate = 0.25
importer = "USA"
effective = 2018-07-06
[[measures]]
id = "new"
rate = 0.10
importer = "USA"
effective = 2025-04-05
'''
    path = _scenario(tmp_path, flows, body, head="as_of = 2025-12-01")
    r, _ = api.run(path)
    assert r.t0[0] == pytest.approx(0.0) and r.t1[0] == pytest.approx(0.35)   # a user's flows have no base date
    r, _ = api.run(api.load_scenario(path),
                   dataset=_with_base_date(api.dataset_for(api.load_scenario(tmp_path / "s.toml")), dt.date(2024, 12, 31)))
    assert r.t0[0] == pytest.approx(0.25) and r.t1[0] == pytest.approx(0.35)


def _with_base_date(ds, day):
    import dataclasses
    return dataclasses.replace(ds, base_date=day)


def test_group_ids_stand_for_every_measure_of_the_group(tmp_path):
    flows = pd.DataFrame({"importer": ["USA"], "exporter": ["CHN"], "hs": ["8504403000"], "value": [1.0]})
    body = '''
[[measures]]
id = "a"
rate = 0.10
importer = "USA"
max_group = "ieepa"
[[measures]]
id = "b"
rate = 0.20
importer = "USA"
max_group = "ieepa"
[[measures]]
id = "c"
rate = 0.05
importer = "USA"
[[exemptions]]
measures = ["group:ieepa"]
exporters = ["CHN"]
'''
    assert _rates(_scenario(tmp_path, flows, body))[0] == pytest.approx(0.05)
    bad = body.replace('"group:ieepa"]', '"group:iepa"]')
    with pytest.raises(Exception, match="no measure has max_group 'iepa'"):
        _rates(_scenario(tmp_path, flows, bad))


# The legal steps of the flows the issue names, on 1 December 2025 (HTSUS Chapter 99 and the references cited)
LEGAL = [
    ("CHN", "8703800060", 1.375, ["us-s301-review-100", "us-s232-autos-25", "us-chn-fentanyl-10-from-november"]),
    ("JPN", "8703230140", 0.15, ["us-jpn-autos-floor-15"]),
    ("CHE", "9102217010", 0.15, ["us-ieepa-floor-swiss"]),
    ("CAN", "7216400010", 0.50, ["us-s232-steel-50"]),
    ("KOR", "8542320036", 0.0, []),
]


@pytest.mark.parametrize("exporter,code,rate,steps", LEGAL, ids=[x[0] for x in LEGAL])
def test_explain_gives_the_legal_rate(root, exporter, code, rate, steps):
    e = api.explain(root / "scenarios" / "in-force.toml", "USA", exporter, code)
    flow = e.flows[0]
    assert flow["rate_scenario"] == pytest.approx(rate, abs=1e-9)
    labels = " ".join(s["step"] for s in flow["steps"])
    for step in steps:
        assert step in labels


def test_explain_mexican_car_claiming_usmca(root):
    e = api.explain(root / "scenarios" / "in-force.toml", "USA", "MEX", "8703230140")
    flow = e.flows[0]
    details = " ".join(s["detail"] for s in flow["steps"])
    assert "share table usmca-claims-2025" in details
    assert flow["rate_scenario"] == pytest.approx(flow["rate_base"] + 0.25, abs=1e-9)   # 232 autos on full value


def test_explain_german_pharmaceutical(root):
    e = api.explain(root / "scenarios" / "in-force.toml", "USA", "DEU", "3004909215")
    labels = " ".join(s["step"] for s in e.flows[0]["steps"])
    assert "ieepa-annex-ii of us-ieepa-floor-eu" in labels            # Annex II lifts the EU floor


def test_generated_country_rates_file_is_current(root):
    """scenarios/us-ieepa-country-rates-2025.toml is what the generator makes from the bundled legal text and rates."""
    from simulator.data import ieepa_rates
    assert (root / "scenarios" / "us-ieepa-country-rates-2025.toml").read_text("utf-8") == ieepa_rates.render()


def test_phase1_rates_are_the_legal_notes():
    """Phase 1 rates come from US note 2(v)(xviii) of Chapter 99, not the suspended 10% of the headings."""
    from simulator.data import ieepa_rates
    note = {name: rate for _, name, rate in ieepa_rates.phase1_note()}
    assert note["Vietnam"] == 0.46 and note["Angola"] == 0.32 and note["European Union"] == 0.20
    assert len(note) == 57
    rows = {(r["country"], r["phase"]): r["rate"] for r in ieepa_rates.rows()}
    assert rows[("VNM", "phase1_apr9")] == 0.46 and rows[("VNM", "phase2_aug7")] == 0.20
    assert rows[("CIV", "phase2_aug7")] == 0.15 and rows[("TUN", "phase2_aug7")] == 0.25   # the code fix
