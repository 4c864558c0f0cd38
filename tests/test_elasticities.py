"""Elasticities: bundled Broda-Weinstein estimates, defaults, and overrides by importer, exporter, product."""

import numpy as np
import pytest

from simulator import api
from simulator.data import elasticities as bundled
from simulator.errors import InputError
from simulator.markets import markets
from simulator.parameters import build
from simulator.scenario import load_scenario, resolve_elasticities


def test_us_sigma_is_the_hts10_median_shrunk_toward_its_chapter():
    from simulator.data import catalog
    bw = catalog.read_csv("sigma-bw-us-hts10")
    r = bundled.robust_us_hs6()
    for code in (847130, 610910, 300490):
        under = bw[bw.hts.str.startswith(str(code).zfill(6))].sigma.astype(float)
        chapter = np.log(bw[bw.hts.str.startswith(str(code).zfill(6)[:2])].sigma.astype(float)).median()
        own = np.log(under.median())
        se2 = r.within_sd ** 2 * (1.0 if len(under) <= 2 else 1.2533 ** 2) / len(under)
        w = r.tau ** 2 / (r.tau ** 2 + se2)
        want = min(np.exp(w * own + (1 - w) * chapter), r.cap)
        sigma, source = bundled.substitution(np.array(["USA"]), np.array([code]), np.array([6]))
        assert sigma[0] == pytest.approx(want) and source[0] == 1
        assert min(own, chapter) - 1e-12 <= np.log(sigma[0]) <= max(own, chapter) + 1e-12


def test_robust_estimates_are_capped_at_their_95th_percentile():
    r = bundled.robust_us_hs6()
    assert r.sigma.max() == pytest.approx(r.cap)
    assert 0.04 < (r.sigma >= r.cap - 1e-12).mean() < 0.06          # the top 5% of HS6 codes sit at the cap
    assert 2.5 < r.sigma.median() < 4 and r.cap < 10               # the raw estimates reach 4,302
    assert 0.2 < r.tau < 1.0 and r.logsd.max() < r.tau            # a posterior is tighter than the prior


def test_more_estimates_keep_more_of_their_own_value():
    r = bundled.robust_us_hs6()
    w = lambda n: r.tau ** 2 / (r.tau ** 2 + r.within_sd ** 2 * (1 if n <= 2 else 1.2533 ** 2) / n)  # noqa: E731
    assert w(1) < w(3) < w(10) < w(100) < 1


def test_korea_uses_its_hs3_estimate_capped():
    from simulator.data import catalog
    t = catalog.read_csv("sigma-bgw-hs3")
    want = float(t[(t.iso3 == "KOR") & (t.hs0_3digit == "020")].sigma.iloc[0])
    sigma, source = bundled.substitution(np.array(["KOR"]), np.array([20130]), np.array([6]))
    assert sigma[0] == pytest.approx(min(want, bundled.robust_us_hs6().cap)) and source[0] == 2
    kor = t[t.iso3 == "KOR"].sigma.astype(float)
    assert kor.max() > bundled.robust_us_hs6().cap           # the cap binds on some headings


def test_no_estimate_gives_nan():
    sigma, source = bundled.substitution(np.array(["HOME"]), np.array([870323]), np.array([6]))
    assert np.isnan(sigma[0]) and source[0] == 0


def _params(tmp_path, text):
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,KOR,870323,10\nUSA,JPN,870323,20\nKOR,USA,020130,5\n"
                                    "USA,KOR,847130,3\n")
    path = tmp_path / "s.toml"
    path.write_text('name = "e"\n[data]\nflows = "f.csv"\n' + text)
    sf = load_scenario(path)
    ds = api.dataset_for(sf)
    return build(ds.flows, markets(ds.flows), sf.spec.elasticities, resolve_elasticities(sf, ds.flows)), ds.flows


def test_overrides_later_wins_and_scopes(tmp_path):
    p, flows = _params(tmp_path, """
[elasticities]
substitution = 2.0
import_demand = -1.0
export_supply = inf
[[elasticities.overrides]]
products = ["87"]
substitution = 5.0
[[elasticities.overrides]]
importer = ["USA"]
products = ["870323"]
substitution = 7.0
import_demand = -2.0
[[elasticities.overrides]]
exporters = ["KOR"]
export_supply = 3.0
""")
    assert p.sigma.tolist() == [7.0, 7.0, 2.0, 2.0]
    assert p.eta.tolist() == [-2.0, -2.0, -1.0, -1.0]
    assert p.eps.tolist() == [3.0, np.inf, np.inf, 3.0]


def test_data_sigma_with_default_for_missing(tmp_path):
    p, flows = _params(tmp_path, "[elasticities]\nsubstitution = \"data\"\nsubstitution_default = 1.7\n")
    assert p.sigma_source.tolist()[:3] == [1, 1, 2]
    assert np.all(p.sigma > 1)


def test_override_scope_errors(tmp_path):
    with pytest.raises(InputError, match="'exporters' can only scope export_supply"):
        _params(tmp_path, "[[elasticities.overrides]]\nexporters = [\"KOR\"]\nsubstitution = 3.0\n")
    with pytest.raises(InputError, match="'importer' cannot scope it"):
        _params(tmp_path, "[[elasticities.overrides]]\nimporter = [\"USA\"]\nexport_supply = 3.0\n")
    with pytest.raises(InputError, match="unknown country"):
        _params(tmp_path, "[[elasticities.overrides]]\nimporter = [\"USX\"]\nsubstitution = 3.0\n")


def _bundled_params(sf):
    ds = api.dataset_for(sf)
    return build(ds.flows, markets(ds.flows), sf.spec.elasticities, resolve_elasticities(sf, ds.flows)), ds.flows


def test_a_new_file_and_the_library_get_the_same_elasticities(root, tmp_path):
    fresh = tmp_path / "fresh.toml"
    fresh.write_text('name = "from scratch"\n[data]\nflows = "kor-usa-2024"\n')
    new, _ = _bundled_params(load_scenario(fresh))
    lib, flows = _bundled_params(load_scenario(root / "scenarios" / "floor-15.toml"))
    for a, b in ((new.eta, lib.eta), (new.sigma, lib.sigma), (new.eps, lib.eps)):
        assert np.array_equal(a, b)
    cars = (flows.hs // 10 ** 6 == 8703) & np.isin(flows.exporter, [flows.index("JPN"), flows.index("KOR")])
    assert np.all(lib.eps[cars] == 1.5) and np.all(lib.eps[~cars] == 10.0)


def test_sector_default_gives_way_to_a_scenario_value(tmp_path):
    rows = "importer,exporter,hs,value\nUSA,JPN,870323,20\nUSA,DEU,870323,20\nUSA,JPN,847130,5\n"
    (tmp_path / "f.csv").write_text(rows)

    def eps(text):
        path = tmp_path / "s.toml"
        path.write_text('name = "e"\n[data]\nflows = "f.csv"\n' + text)
        sf = load_scenario(path)
        ds = api.dataset_for(sf)
        return build(ds.flows, markets(ds.flows), sf.spec.elasticities, resolve_elasticities(sf, ds.flows)).eps.tolist()
    assert eps("") == [1.5, 10.0, 10.0]                                         # JPN cars, DEU cars, JPN computers
    assert eps("[elasticities]\nexport_supply = inf\n") == [np.inf] * 3          # set: everywhere
    assert eps("[elasticities]\nsector_defaults = false\n") == [10.0] * 3
    assert eps("[elasticities]\nimport_demand = -1.5\n") == [1.5, 10.0, 10.0]   # another elasticity set: still there


def test_japanese_cars_absorb_more_of_a_uniform_car_tariff(tmp_path):
    # one market, a 15% duty on every supplier: Japan (eps 1.5) cuts its price far more than Germany (eps 10)
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,JPN,870323,20\nUSA,DEU,870323,20\n")
    path = tmp_path / "s.toml"
    path.write_text('name = "e"\n[data]\nflows = "f.csv"\n[[measures]]\nid = "cars"\nrate = 0.15\n'
                    'importer = "USA"\nproducts = ["8703"]\n')
    r, _ = api.run(path)
    absorbed = -np.log(r.outcome.price_ratio) / np.log(1.15)
    assert absorbed[0] > 0.2 and absorbed[0] > 1.5 * absorbed[1]   # Japan (sector default), Germany (general)
