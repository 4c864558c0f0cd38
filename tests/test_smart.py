"""`model = "smart"` as a WITS-SMART compatibility mode: SMART's defaults, its HS6 x importer x exporter cells,
its bounded trade diversion, finite welfare, and the right sign on the measures in force (docs/MODELS.md, smart)."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator import api
from simulator.cli import app
from simulator.markets import markets
from simulator.parameters import build
from simulator.scenario import load_scenario, resolve_elasticities

FLOWS = ("importer,exporter,hs,value,base_rate\n"
         "USA,KOR,870323,100,0.02\nUSA,JPN,870323,300,0\nUSA,DEU,870323,60,0.025\n"
         "USA,KOR,610910,80,0.16\nUSA,CHN,610910,200,0.16\nUSA,VNM,610910,120,0.16\n")


def _scenario(folder, body: str, flows: str = FLOWS, name: str = "s.toml"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "f.csv").write_text(flows)
    path = folder / name
    path.write_text('name = "smart test"\n[data]\nflows = "f.csv"\n' + body)
    return path


def _params(path):
    sf = load_scenario(path)
    ds = api.dataset_for(sf)
    return sf, build(ds.flows, markets(ds.flows), sf.spec.elasticities, resolve_elasticities(sf, ds.flows)), ds.flows


# ---- SMART's defaults ---------------------------------------------------------------------------------

def test_smart_gets_smarts_defaults_where_the_scenario_sets_none(tmp_path):
    sf, p, flows = _params(_scenario(tmp_path, '[model]\nname = "smart"\n'))
    assert sf.spec.elasticities.substitution == 1.5 and sf.spec.elasticities.export_supply == 99.0
    assert np.all(p.sigma == 1.5) and np.all(p.eps == 99.0)       # cars from Japan and Korea too: no sector default
    out = CliRunner().invoke(app, ["run", str(sf.path), "-f", "json"])
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["scenario"]["elasticities"]["substitution"] == 1.5
    assert doc["scenario"]["elasticities"]["export_supply"] == 99.0
    assert "export supply 99" in doc["notes"][0] and "sector default" not in doc["notes"][0]


def test_smarts_defaults_are_overridable_and_only_smarts(tmp_path):
    _, p, _ = _params(_scenario(tmp_path, '[model]\nname = "smart"\n[elasticities]\nsubstitution = 4.0\n'
                                          'export_supply = inf\n'))
    assert np.all(p.sigma == 4.0) and np.all(np.isinf(p.eps))
    sf, p, _ = _params(_scenario(tmp_path, '[model]\nname = "smart"\n[elasticities]\nsubstitution = "data"\n'))
    assert sf.spec.elasticities.export_supply == 99.0 and not np.all(p.sigma == 1.5)   # the estimates, as asked
    sf, p, flows = _params(_scenario(tmp_path, '[model]\nname = "armington"\n'))
    assert sf.spec.elasticities.substitution == "data" and sf.spec.elasticities.export_supply == 10.0
    cars = (flows.hs // 100 == 8703) & np.isin(flows.exporter, [flows.index("JPN"), flows.index("KOR")])
    assert cars.sum() == 2 and np.all(p.eps[cars] == 1.5) and np.all(p.eps[~cars] == 10.0)


def test_an_overlay_that_chooses_smart_gets_its_defaults(tmp_path):
    base = _scenario(tmp_path, '[model]\nname = "armington"\n', name="base.toml")
    top = tmp_path / "top.toml"
    top.write_text(f'name = "top"\nextends = "{base.name}"\n[model]\nname = "smart"\n')
    el = load_scenario(top).spec.elasticities
    assert (el.substitution, el.export_supply) == (1.5, 99.0)


# ---- cells: one flow split into rows ------------------------------------------------------------------

SPLIT = FLOWS.replace("USA,KOR,870323,100,0.02\n", "USA,KOR,87032310,60,0.03\nUSA,KOR,87032390,40,0.005\n")
MEASURES = ('[model]\nname = "smart"\n[elasticities]\nsubstitution = 2.0\nexport_supply = 3.0\n'
            '[[measures]]\nid = "kor"\nrate = 0.25\nimporter = "USA"\nexporters = ["KOR"]\n'
            '[[measures]]\nid = "chn"\nrate = 0.10\nimporter = "USA"\nexporters = ["CHN"]\n')


def test_splitting_a_flow_into_rows_shares_its_result_in_proportion(tmp_path):
    whole, _ = api.run(_scenario(tmp_path / "whole", MEASURES))
    split, _ = api.run(_scenario(tmp_path / "split", MEASURES, SPLIT))
    cols = ["imports_new", "exports_new", "tariff_revenue_new", "consumer_surplus_change", "producer_surplus_change",
            "welfare_change"]
    a = whole.countries.set_index("country")[cols]
    b = split.countries.set_index("country")[cols]
    np.testing.assert_allclose(b.to_numpy(), a.loc[b.index].to_numpy(), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(split.pairs.value_new.to_numpy(), whole.pairs.value_new.to_numpy(), rtol=1e-12)
    kor = (whole.flows.exporter == whole.flows.index("KOR")) & (whole.flows.hs == 870323)
    rows = (split.flows.exporter == split.flows.index("KOR")) & (split.flows.hs_digits == 8)
    per_dollar = split.value_new[rows] / split.value_base[rows]
    assert per_dollar[0] == pytest.approx(per_dollar[1], rel=1e-12)
    assert per_dollar[0] == pytest.approx(whole.value_new[kor][0] / 100.0, rel=1e-12)
    assert split.value_new[rows].sum() < 100                     # the rows' shares of a falling flow


# ---- bounded diversion --------------------------------------------------------------------------------

def _market_moves(result):
    """Per market: each exporter's change in quantity (at base world prices)."""
    f = result.flows
    mk = markets(f)
    change = f.value * (result.outcome.quantity_ratio - 1.0)
    cells, idx = np.unique(mk.market.astype(np.int64) * len(f.countries) + f.exporter, return_inverse=True)
    moved = np.bincount(idx.ravel(), weights=change)
    return cells // len(f.countries), moved


def test_diversion_is_bounded_with_a_high_substitution_elasticity(tmp_path):
    """sigma = 20: Laird-Yeats' formula unbounded would give Korea +1,500 here; SMART caps diversion by trade."""
    body = ('[model]\nname = "smart"\n[elasticities]\nsubstitution = 20.0\nexport_supply = inf\n'
            '[[measures]]\nid = "kor"\nrate = 0.25\nimporter = "USA"\nexporters = ["KOR"]\n'
            '[[measures]]\nid = "deu"\nrate = 0.05\nimporter = "USA"\nexporters = ["DEU"]\n'
            '[[measures]]\nid = "all"\nrate = 0.40\nimporter = "USA"\nproducts = ["61"]\n'
            '[[measures]]\nid = "vnm"\nrate = 0.20\nimporter = "USA"\nexporters = ["VNM"]\n')
    r, _ = api.run(_scenario(tmp_path, body))
    v1 = dict(zip(zip(r.pairs.exporter, r.pairs.importer), r.pairs.value_new))
    assert 0 <= v1[("KOR", "USA")] < 180                           # Korea's tariffs rose everywhere: it loses
    market, moved = _market_moves(r)
    for m in np.unique(market):
        here = moved[market == m]
        gains, losses = np.maximum(here, 0.0), np.maximum(-here, 0.0)
        assert gains.max() <= losses.sum() * (1 + 1e-12) + 1e-9   # nobody gains beyond what the others lose
        assert gains.sum() <= losses.sum() * (1 + 1e-12) + 1e-9   # tariffs only rose: total imports cannot grow
    assert np.all(r.value_new >= 0) and np.all(np.isfinite(r.value_new))
    creation, diversion = r.creation_diversion
    np.testing.assert_allclose(markets(r.flows).sum(diversion), 0.0, atol=1e-9)


def test_a_uniform_rise_diverts_nothing_whatever_sigma(tmp_path):
    body = ('[model]\nname = "smart"\n[elasticities]\nsubstitution = 20.0\nexport_supply = inf\n'
            '[[measures]]\nid = "all"\nrate = 0.30\nimporter = "USA"\n')
    flows = FLOWS.replace(",0.02\n", ",0\n").replace(",0.025\n", ",0\n")
    r, _ = api.run(_scenario(tmp_path, body, flows))
    f = r.flows
    car = f.hs == 870323
    np.testing.assert_allclose(r.outcome.quantity_ratio[car], 1 - 0.3 / 1.0)   # creation only: eta * dt / (1 + t0)


# ---- finite welfare -----------------------------------------------------------------------------------

def test_zero_value_flows_give_finite_welfare(tmp_path):
    flows = FLOWS + "USA,THA,870323,0,0\nUSA,THA,940360,0,0.03\nUSA,MYS,940360,0,0\n"   # a market all zero too
    body = MEASURES + '[[measures]]\nid = "tha"\nrate = 0.3\nimporter = "USA"\nexporters = ["THA"]\n'
    r, _ = api.run(_scenario(tmp_path, body, flows))
    c = r.countries.set_index("country")
    assert np.all(np.isfinite(c[["consumer_surplus_change", "producer_surplus_change", "welfare_change"]].to_numpy()))
    assert c.loc["USA", "welfare_change"] < 0
    zero = r.flows.value == 0
    assert np.all(r.value_new[zero] == 0)


def test_the_shipped_example_prints_finite_numbers(root):
    path = root / "docs" / "examples" / "armington-vs-smart" / "smart.toml"
    out = CliRunner().invoke(app, ["run", str(path), "-f", "json"])
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)

    def numbers(x):
        if isinstance(x, dict):
            for v in x.values():
                yield from numbers(v)
        elif isinstance(x, list):
            for v in x:
                yield from numbers(v)
        elif isinstance(x, float | int) and not isinstance(x, bool):
            yield x
    assert all(math.isfinite(x) for x in numbers(doc))
    usa = next(c for c in doc["countries"] if c["country"] == "USA")
    # SMART's welfare along its linear demand: (t0 + t1) (m1 - m0) / 2 on Korea's cars (Japan's rate is zero)
    kor = next(p for p in doc["pairs"] if p["exporter"] == "KOR")
    assert usa["welfare_change"] == pytest.approx(0.25 / 2 * (kor["value_new"] - kor["value_base"]))
    table = CliRunner().invoke(app, ["run", str(path)])
    assert table.exit_code == 0 and "n/a" not in table.stdout and "nan" not in table.stdout.lower()


# ---- the measures in force ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def in_force(root, tmp_path_factory):
    path = tmp_path_factory.mktemp("smart") / "smart-in-force.toml"
    path.write_text(f'name = "in force, SMART"\nextends = "{(root / "scenarios" / "in-force.toml").as_posix()}"\n'
                    '[model]\nname = "smart"\n')
    result, _ = api.run(path)
    return result


def test_on_the_measures_in_force_imports_fall_and_canada_does_not_explode(in_force):
    p = in_force.pairs[in_force.pairs.importer == "USA"].set_index("exporter")
    assert p.value_new.sum() < p.value_base.sum()                  # tariffs rose: US imports fall
    assert p.loc["CAN", "value_new"] < p.loc["CAN", "value_base"]   # and so do Canada's (they exploded before)
    losers = p.value_new < p.value_base
    assert p.value_base[losers].sum() > 0.5 * p.value_base.sum()    # most imports come from partners that lose
    assert np.all(np.isfinite(in_force.countries.welfare_change.to_numpy()))


def test_on_the_measures_in_force_no_partner_gains_beyond_what_the_others_lose(in_force):
    f = in_force.flows
    mk = markets(f)
    rose_only = np.bincount(mk.market, weights=(in_force.wedge1 < in_force.t0 - 1e-12).astype(float),
                            minlength=mk.n_markets) == 0
    market, moved = _market_moves(in_force)
    gains = np.zeros(mk.n_markets)
    np.maximum.at(gains, market, np.maximum(moved, 0.0))
    losses = np.bincount(market, weights=np.maximum(-moved, 0.0), minlength=mk.n_markets)
    scale = np.bincount(mk.market, weights=f.value, minlength=mk.n_markets)
    assert np.all((gains <= losses + 1e-9 * scale)[rose_only])


def test_raising_one_partners_tariff_never_raises_its_imports():
    """A seeded sweep over small markets: any sigma, finite or infinite supply, rises of any size."""
    from simulator.flows import Flows
    from simulator.models import smart
    from simulator.parameters import Parameters
    rng = np.random.default_rng(12)
    for _ in range(400):
        k = int(rng.integers(2, 6))
        v = rng.uniform(0, 100, k)
        v[rng.random(k) < 0.2] = 0.0
        f = Flows.build(["USA"] * k, ["CAN", "MEX", "CHN", "JPN", "KOR"][:k], [870323] * k, [6] * k, v)
        p = Parameters(np.full(k, -rng.uniform(0.2, 3.0)), np.full(k, rng.choice([1.5, 3.0, 20.0])),
                       np.full(k, rng.choice([np.inf, 99.0, 2.0, 0.5])), np.zeros(k, np.int8))
        t0 = rng.uniform(0, 0.3, k)
        t1 = np.maximum(t0 + rng.uniform(-0.2, 1.5, k), 0.0)
        j = int(rng.integers(k))
        higher = t1.copy()
        higher[j] += rng.uniform(0.001, 0.5)
        a = smart.solve(f.value, t0, t1, p, markets(f))
        b = smart.solve(f.value, t0, higher, p, markets(f))
        assert b.value_new[j] <= a.value_new[j] * (1 + 1e-12) + 1e-12
        for o in (a, b):
            assert np.all(o.value_new >= 0) and np.all(np.isfinite(o.consumer_surplus + o.producer_surplus))
