"""Instruments solved with demand: tariff-rate quotas, quotas, export restraints, purchase
commitments, specific duties, non-tariff wedges, retaliation. Hand-computed with the constant
model, whose demand for one flow is m1 / m0 = ((1 + t1) / (1 + t0)) ** eta."""

import json

import pytest
from typer.testing import CliRunner

from simulator import api
from simulator.cli import app

FLOWS = """importer,exporter,hs,value,base_rate,mfn_rate,quantity
KOR,USA,100630,100,0.05,0.05,50
KOR,RW,100630,300,0.05,0.05,150
KOR,USA,2711,1000,0,0.03,
KOR,RW,2711,2000,0.03,0.03,
USA,KOR,8703,500,0,0.025,
USA,KOR,7208,200,0,0.0,100
"""
ETA = -1.5


def scenario(tmp_path, body: str, eta: float = ETA):
    (tmp_path / "f.csv").write_text(FLOWS)
    path = tmp_path / "s.toml"
    path.write_text(f'name = "t"\n[model]\nname = "constant"\n[data]\nflows = "f.csv"\nregions = ["RW"]\n'
                    f'[elasticities]\nimport_demand = {eta}\nexport_supply = inf\n' + body)
    return path


def run(tmp_path, body, **kw):
    result, warnings = api.run(scenario(tmp_path, body, **kw))
    return result, warnings


def flow(result, exporter, importer, hs):
    p = result.products
    row = p[(p.exporter == exporter) & (p.importer == importer) & (p.hs == hs)]
    assert len(row) == 1
    return row.iloc[0]


TRQ = """
[[quotas]]
id = "rice-usa"
importer = "KOR"
exporters = ["USA"]
products = ["1006"]
in_rate = 0.05
out_rate = 5.13
limit_value = {limit}
rent = "{holder}"
"""


def test_trq_below_quota_in_rate_is_marginal(tmp_path):
    r, _ = run(tmp_path, TRQ.format(limit=150, holder="importer"))
    ins = r.instruments[0]
    assert ins.marginal_rate == pytest.approx(0.05) and ins.rent == pytest.approx(0.0)
    assert "not filled" in ins.regime
    assert flow(r, "USA", "KOR", "100630").value_new == pytest.approx(100.0)


def test_trq_binding_rate_between(tmp_path):
    r, _ = run(tmp_path, TRQ.format(limit=90, holder="importer"))
    ins = r.instruments[0]
    # 100 ((1 + r) / 1.05) ** -1.5 = 90  ->  1 + r = 1.05 * 0.9 ** (-1 / 1.5)
    rate = 1.05 * 0.9 ** (-1 / 1.5) - 1
    assert ins.marginal_rate == pytest.approx(rate, rel=1e-9)
    assert ins.imports == pytest.approx(90.0, rel=1e-9)
    assert ins.rent == pytest.approx((rate - 0.05) * 90, rel=1e-9)
    row = flow(r, "USA", "KOR", "100630")
    assert row.rate_new == pytest.approx(0.05)          # duty actually paid: the in-quota rate
    assert row.wedge_new == pytest.approx(rate)          # price buyers face: the marginal rate
    kor = r.countries.set_index("country").loc["KOR"]
    assert kor.quota_rent_new == pytest.approx((rate - 0.05) * 90, rel=1e-9)


def test_trq_above_quota_out_rate_is_marginal_rent_to_exporter(tmp_path):
    # a small quota: demand at the out-of-quota rate still exceeds it
    r, _ = run(tmp_path, TRQ.format(limit=2, holder="exporter"))
    ins = r.instruments[0]
    assert ins.marginal_rate == pytest.approx(5.13)
    m = 100 * (6.13 / 1.05) ** ETA
    assert ins.imports == pytest.approx(m)
    assert ins.rent == pytest.approx((5.13 - 0.05) * 2, rel=1e-9)      # (t_out - t_in) p Q
    usa = r.countries.set_index("country").loc["USA"]
    assert usa.quota_rent_new == pytest.approx((5.13 - 0.05) * 2, rel=1e-9)
    # duty collected: in-quota rate on the quota, out-of-quota rate on the rest
    row = flow(r, "USA", "KOR", "100630")
    assert row.rate_new * row.value_new == pytest.approx(0.05 * 2 + 5.13 * (m - 2), rel=1e-9)


def test_trq_government_keeps_rent_as_revenue(tmp_path):
    r, _ = run(tmp_path, TRQ.format(limit=90, holder="government"))
    rate = 1.05 * 0.9 ** (-1 / 1.5) - 1
    row = flow(r, "USA", "KOR", "100630")
    assert row.rate_new == pytest.approx(rate)
    assert r.countries.quota_rent_new.abs().sum() == pytest.approx(0.0)


def test_export_restraint_wedge_and_rent(tmp_path):
    body = """
[[quotas]]
id = "ver"
kind = "export-restraint"
importer = "USA"
exporters = ["KOR"]
products = ["8703"]
limit_value = 400
"""
    r, _ = run(tmp_path, body)
    ins = r.instruments[0]
    w = 0.8 ** (1 / ETA) - 1      # 500 (1 + w) ** -1.5 = 400, base tariff 0
    assert ins.marginal_rate == pytest.approx(w, rel=1e-9)
    assert ins.rent_holder == "exporter" and ins.rent == pytest.approx(w * 400, rel=1e-9)
    assert flow(r, "KOR", "USA", "8703").rate_new == pytest.approx(0.0)   # no duty collected


def test_cap_not_binding(tmp_path):
    body = """
[[quotas]]
id = "q"
kind = "quota"
importer = "USA"
exporters = ["KOR"]
products = ["8703"]
limit_value = 600
"""
    r, _ = run(tmp_path, body)
    assert r.instruments[0].marginal_rate == 0.0 and "not binding" in r.instruments[0].regime


def test_purchase_commitment(tmp_path):
    body = """
[[commitments]]
id = "energy"
importer = "KOR"
exporter = "USA"
products = ["2711"]
target = 1200
"""
    r, _ = run(tmp_path, body)
    ins = r.instruments[0]
    w = 1.2 ** (1 / ETA) - 1     # 1000 (1 + w) ** -1.5 = 1200
    assert ins.wedge == pytest.approx(w, rel=1e-9)
    assert ins.purchases_new == pytest.approx(1200, rel=1e-9)
    assert ins.cost == pytest.approx(-w * 1200, rel=1e-9)
    assert ins.diversion_from_others == pytest.approx(0.0)   # constant model: no substitution
    kor = r.countries.set_index("country").loc["KOR"]
    assert kor.commitment_cost == pytest.approx(-w * 1200, rel=1e-9)


def test_commitment_already_met(tmp_path):
    body = '[[commitments]]\nid = "e"\nimporter = "KOR"\nexporter = "USA"\nproducts = ["2711"]\ntarget = 900\n'
    r, _ = run(tmp_path, body)
    assert r.instruments[0].wedge == 0.0


def test_commitment_unreachable_is_an_error(tmp_path):
    body = '[[commitments]]\nid = "e"\nimporter = "KOR"\nexporter = "USA"\nproducts = ["2711"]\ntarget = 5000\n'
    res = CliRunner().invoke(app, ["run", str(scenario(tmp_path, body, eta=0.0))])
    assert res.exit_code == 1
    assert "commitments 'e'" in res.stderr and "cannot be reached" in res.stderr


def test_specific_duty_repriced_with_finite_supply(tmp_path):
    # $0.5 per unit on steel with unit value 2: ad valorem equivalent 25% at base prices; with finite supply
    # the world price falls, so the equivalent rises to 0.25 / rp, solved as a fixed point
    (tmp_path / "f.csv").write_text(FLOWS)
    path = tmp_path / "s.toml"
    path.write_text("""name = "t"
[model]
name = "constant"
[data]
flows = "f.csv"
regions = ["RW"]
[elasticities]
import_demand = -1.5
export_supply = 2.0
[[measures]]
id = "steel-duty"
kind = "specific"
duty = 0.5
importer = "USA"
products = ["7208"]
""")
    r, warnings = api.run(path)
    row = flow(r, "KOR", "USA", "7208")
    rp = 1 + row.price_change
    assert rp < 1
    assert row.rate_new == pytest.approx(0.25 / rp, rel=1e-8)
    # market clearing at that rate: (rp (1 + ave)) ** eta = rp ** eps
    assert (rp * (1 + 0.25 / rp)) ** ETA == pytest.approx(rp ** 2.0, rel=1e-8)


def test_specific_duty_without_quantities_warns(tmp_path):
    body = '[[measures]]\nid = "d"\nkind = "specific"\nduty = 1.0\nimporter = "USA"\nproducts = ["8703"]\n'
    r, warnings = run(tmp_path, body)
    assert any("no quantity" in w for w in warnings)
    assert flow(r, "KOR", "USA", "8703").rate_new == 0.0


def test_ntm_raises_price_without_revenue(tmp_path):
    body = '[[measures]]\nid = "sps"\nkind = "ntm"\nrate = 0.2\nimporter = "USA"\nproducts = ["8703"]\n'
    r, _ = run(tmp_path, body)
    row = flow(r, "KOR", "USA", "8703")
    assert row.value_new == pytest.approx(500 * 1.2 ** ETA)
    assert row.rate_new == 0.0 and row.wedge_new == pytest.approx(0.2)
    assert r.countries.set_index("country").loc["USA"].tariff_revenue_new == pytest.approx(0.0)


def test_mirror_retaliation(tmp_path):
    body = """
[[measures]]
id = "us-cars"
rate = 0.25
importer = "USA"
exporters = ["KOR"]
products = ["8703"]
[[measures]]
id = "kor-retaliation"
mirror = "us-cars"
importer = "KOR"
scale = 0.5
products = ["2711"]
"""
    r, _ = run(tmp_path, body)
    assert flow(r, "USA", "KOR", "2711").rate_new == pytest.approx(0.125)   # mirrored onto US goods at half the rate
    assert flow(r, "RW", "KOR", "2711").rate_new == pytest.approx(0.03)     # exporters default to the mirrored importer
    assert flow(r, "KOR", "USA", "8703").rate_new == pytest.approx(0.25)


def test_groups(tmp_path):
    body = '[groups]\nexporters_x = ["USA", "RW"]\n[[measures]]\nid = "m"\nrate = 0.1\nimporter = "KOR"\nexporters = ["exporters_x"]\nproducts = ["2711"]\n'
    r, _ = run(tmp_path, body)
    assert flow(r, "USA", "KOR", "2711").rate_new == pytest.approx(0.1)
    assert flow(r, "RW", "KOR", "2711").rate_new == pytest.approx(0.13)


def test_preference_utilisation_sets_the_base(tmp_path):
    body = """
[[preferences]]
id = "korus-kor"
agreement = "KORUS"
importer = "KOR"
exporters = ["USA"]
products = ["2711"]
rate = "data"
utilisation = 0.5
[[measures]]
id = "floor"
kind = "floor"
rate = 0.10
importer = "KOR"
exporters = ["USA"]
products = ["2711"]
"""
    r, _ = run(tmp_path, body)
    row = flow(r, "USA", "KOR", "2711")
    assert row.rate_base == pytest.approx(0.5 * 0 + 0.5 * 0.03)
    assert row.rate_new == pytest.approx(0.10)


def test_path_and_dates(tmp_path):
    body = '[[measures]]\nid = "m"\nrate = 0.1\nimporter = "USA"\neffective = 2025-04-05\nexpires = 2025-08-07\n'
    path = scenario(tmp_path, body)
    series, _ = api.path(path, api.dates(__import__("datetime").date(2025, 3, 1), __import__("datetime").date(2025, 9, 1), "monthly"))
    series = list(series)                               # the path is computed date by date as it is read
    assert [d.isoformat() for d, _ in series] == ["2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01", "2025-07-01",
                                                 "2025-08-01", "2025-09-01"]
    rates = [float(r.pairs.set_index(["exporter", "importer"]).loc[("KOR", "USA")].tariff_rate_new_base_weights)
             for _, r in series]
    assert rates == pytest.approx([0, 0, 0.1, 0.1, 0.1, 0.1, 0])


def test_json_carries_instruments(tmp_path):
    res = CliRunner().invoke(app, ["run", str(scenario(tmp_path, TRQ.format(limit=90, holder="importer"))), "-f", "json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["instruments"][0]["id"] == "rice-usa"
    assert {"quota_rent_new", "commitment_cost"} <= set(doc["countries"][0])


def test_trq_in_quantity_units_matches_value_units(tmp_path):
    # the US rice line ships 50 units for $100: a quota of 45 units is a quota of $90 at base prices
    by_value, _ = run(tmp_path, TRQ.format(limit=90, holder="importer"))
    body = TRQ.format(limit=90, holder="importer").replace("limit_value = 90", "limit_quantity = 45")
    by_quantity, _ = run(tmp_path, body)
    assert by_quantity.instruments[0].marginal_rate == pytest.approx(by_value.instruments[0].marginal_rate, rel=1e-9)
    assert by_quantity.instruments[0].imports == pytest.approx(45.0, rel=1e-9)


def test_quota_in_quantity_units_without_quantities_is_an_error(tmp_path):
    body = TRQ.format(limit=90, holder="importer").replace('products = ["1006"]', 'products = ["2711"]').replace(
        "limit_value = 90", "limit_quantity = 45")
    res = CliRunner().invoke(app, ["run", str(scenario(tmp_path, body))])
    assert res.exit_code == 1 and "limit_quantity needs quantities" in res.stderr
