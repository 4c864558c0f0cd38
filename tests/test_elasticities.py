"""Elasticities: bundled Broda-Weinstein estimates, defaults, and overrides by importer, exporter, product."""

import numpy as np
import pytest

from simulator import api
from simulator.data import elasticities as bundled
from simulator.errors import InputError
from simulator.markets import markets
from simulator.parameters import build
from simulator.scenario import load_scenario, resolve_elasticities


def test_us_sigma_is_the_median_of_hts10_estimates():
    from simulator.data import catalog
    bw = catalog.read_csv("sigma-bw-us-hts10")
    under = bw[bw.hts.str.startswith("870323")].sigma.astype(float)
    sigma, source = bundled.substitution(np.array(["USA"]), np.array([870323]), np.array([6]))
    assert sigma[0] == pytest.approx(under.median()) and source[0] == 1


def test_korea_uses_its_hs3_estimate():
    from simulator.data import catalog
    t = catalog.read_csv("sigma-bgw-hs3")
    want = float(t[(t.iso3 == "KOR") & (t.hs0_3digit == "020")].sigma.iloc[0])
    sigma, source = bundled.substitution(np.array(["KOR"]), np.array([20130]), np.array([6]))
    assert sigma[0] == pytest.approx(want) and source[0] == 2


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
