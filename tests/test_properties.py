"""Properties that must hold for any flows and any schedule (hypothesis)."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from simulator.data import Dataset
from simulator.flows import Flows
from simulator.markets import markets
from simulator.models import MODELS
from simulator.parameters import Parameters
from simulator.records import ElasticitySettings, Provenance
from simulator.results import Result
from simulator.schedule import ExemptionRule, MeasureRule, Plan, Selector, compile_schedule

COUNTRIES = ["AAA", "BBB", "CCC"]
HS = [(1, 2), (201, 4), (20130, 6), (8703, 4), (870323, 6), (8703231010, 10)]


@st.composite
def flow_sets(draw):
    n = draw(st.integers(1, 12))
    rows = [(draw(st.sampled_from(COUNTRIES)), draw(st.sampled_from(COUNTRIES)), draw(st.sampled_from(HS)),
             draw(st.floats(0.01, 1e3)), draw(st.floats(0.0, 0.5))) for _ in range(n)]
    return Flows.build([r[0] for r in rows], [r[1] for r in rows], [r[2][0] for r in rows], [r[2][1] for r in rows],
                       [r[3] for r in rows], [r[4] for r in rows], regions=("AAA", "BBB", "CCC"))


def selector(draw, flows):
    pick = lambda: draw(st.one_of(st.none(), st.sets(st.integers(0, len(flows.countries) - 1), min_size=1)))  # noqa: E731
    imp, exp = pick(), pick()
    prods = draw(st.lists(st.sampled_from([(0, 0), *HS]), min_size=1, max_size=3))
    return Selector(None if imp is None else frozenset(imp), None if exp is None else frozenset(exp), tuple(prods))


KINDS = ["add", "set", "cap", "cut", "swiss", "floor", "ntm"]


@st.composite
def measure(draw, flows, i, n):
    kind = draw(st.sampled_from(KINDS))
    others = [f"m{j}" for j in range(n) if j != i]
    return MeasureRule(
        f"m{i}", kind, None if kind == "swiss" else draw(st.floats(0.0, 1.0)), selector(draw, flows),
        share=draw(st.sampled_from([1.0, 1.0, 0.6])),
        coefficient=draw(st.floats(0.05, 1.0)) if kind == "swiss" else None,
        excludes=tuple(draw(st.lists(st.sampled_from(others), max_size=1))) if others else (),
        max_group=draw(st.sampled_from([None, None, "g"])))


@st.composite
def scenarios(draw):
    flows = draw(flow_sets())
    n = draw(st.integers(1, 5))
    ms = [draw(measure(flows, i, n)) for i in range(n)]
    return flows, ms


def _params(flows, eta=-1.3, eps=math.inf, sigma=2.5):
    n = len(flows)
    return Parameters(np.full(n, eta), np.full(n, sigma), np.full(n, eps), np.zeros(n, np.int8))


def _run(flows, measures, exemptions=(), eta=-1.3, eps=math.inf, model="constant", sigma=2.5):
    s = compile_schedule(flows, Plan(tuple(measures), tuple(exemptions)))
    o = MODELS[model](flows.value, s.t0, s.t1_static + s.ntm1, _params(flows, eta, eps, sigma), markets(flows))
    return s, o


# the tables of a result do not depend on where it comes from
PROVENANCE = Provenance("t", "t.toml", "", "constant", "t", "as-given", "", as_of=None, tariffsim_version="",
                        extends=(), elasticities=ElasticitySettings(-1.3, 2.5, 3.1, None, 0), solver=None)


def _result(flows, s, o):
    return Result(provenance=PROVENANCE, dataset=Dataset("t", flows, "as-given", ""), t0=s.t0, t1=s.t1_static, outcome=o)


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_exempting_every_measure_gives_the_baseline(case):
    flows, ms = case
    ex = [ExemptionRule(tuple(m.id for m in ms), Selector(None, None, ((0, 0),)))]
    s, o = _run(flows, ms, ex)
    assert_allclose(s.t1_static, flows.base_rate)
    assert_allclose(s.ntm1, 0.0)
    assert_allclose(o.value_new, flows.value)
    star = compile_schedule(flows, Plan(tuple(ms), (ExemptionRule(("*",), Selector(None, None, ((0, 0),))),)))
    assert_allclose(star.t1_static, flows.base_rate)


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_order_of_measures_does_not_matter(case, rnd):
    flows, ms = case
    shuffled = ms[:]
    rnd.shuffle(shuffled)
    a, b = _run(flows, ms)[0], _run(flows, shuffled)[0]
    assert_allclose(a.t1_static, b.t1_static, rtol=1e-12, atol=1e-12)
    assert_allclose(a.ntm1, b.ntm1, rtol=1e-12, atol=1e-12)


ALL_MODELS = st.sampled_from(["constant", "armington", "smart", "gsim"])


@settings(max_examples=100, deadline=None)
@given(flow_sets(), st.floats(-3.0, 0.0), st.one_of(st.just(math.inf), st.floats(0.1, 20.0)), ALL_MODELS)
def test_no_tariff_change_no_change(flows, eta, eps, model):
    s, o = _run(flows, [MeasureRule("zero", "add", 0.0, Selector(None, None, ((0, 0),)))], eta=eta, eps=eps, model=model)
    assert_allclose(o.value_new, flows.value, rtol=1e-9)
    if model != "smart":
        assert_allclose(o.consumer_surplus, 0.0, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(flow_sets(), st.integers(0, 2), st.floats(0.001, 1.0), st.floats(-3.0, -0.01),
       st.one_of(st.just(math.inf), st.floats(0.1, 20.0)), st.sampled_from(["constant", "armington"]),
       st.floats(0.2, 8.0))
def test_raising_one_sources_tariff_never_raises_its_imports(flows, src, rate, eta, eps, model, sigma):
    code = COUNTRIES[src]
    if code not in flows.countries:
        return
    only = Selector(None, frozenset({flows.index(code)}), ((0, 0),))
    s, o = _run(flows, [MeasureRule("up", "add", rate, only)], eta=eta, eps=eps, model=model, sigma=sigma)
    hit = flows.exporter == flows.index(code)
    # the source's imports in each market (several of its lines may share a market; a line whose
    # tariff rises less than its siblings' may gain at their expense, the source as a whole does not)
    # With finite supply the source's world price falls, so where its tariff rose proportionally less than
    # elsewhere its landed price may fall: then the claim holds for its sales across markets.
    mk = markets(flows)
    group = mk.market if math.isinf(eps) else mk.supplier
    before = np.bincount(group, weights=np.where(hit, flows.value, 0.0))
    after = np.bincount(group, weights=np.where(hit, flows.value * o.quantity_ratio, 0.0))
    assert np.all(after <= before * (1 + 1e-9) + 1e-12)
    if model == "constant":
        assert_allclose(o.value_new[~hit], flows.value[~hit])


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.sampled_from(["constant", "armington", "smart", "gsim"]))
def test_diversion_sums_to_zero_and_adds_up(case, model):
    flows, ms = case
    s, o = _run(flows, ms, model=model, eps=3.0)
    r = _result(flows, s, o)
    creation, diversion = r.creation_diversion
    mk = markets(flows)
    assert_allclose(mk.sum(diversion), 0.0, atol=1e-8 * max(1.0, flows.value.sum()))
    assert_allclose(creation + diversion, flows.value * (o.quantity_ratio - 1), atol=1e-8 * max(1.0, flows.value.sum()))


@settings(max_examples=50, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_permuting_flows_changes_no_total(case, rnd):
    flows, ms = case
    perm = list(range(len(flows)))
    rnd.shuffle(perm)
    p = np.array(perm)
    permuted = Flows.build(np.array(flows.countries, dtype=object)[flows.importer][p],
                           np.array(flows.countries, dtype=object)[flows.exporter][p],
                           flows.hs[p], flows.hs_digits[p], flows.value[p], flows.base_rate[p],
                           regions=flows.regions)
    a = _result(flows, *_run(flows, ms))
    b = _result(permuted, *_run(permuted, ms))
    num = ["exports_base", "exports_new", "imports_new", "tariff_revenue_new", "welfare_change"]
    assert_allclose(a.countries[num].to_numpy(), b.countries[num].to_numpy(), rtol=1e-10, atol=1e-9)
    assert_allclose(a.balances[["balance_base", "balance_new"]].to_numpy(),
                    b.balances[["balance_base", "balance_new"]].to_numpy(), rtol=1e-10, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(scenarios())
def test_welfare_adds_up(case):
    flows, ms = case
    r = _result(flows, *_run(flows, ms, eps=2.0))
    c = r.countries
    assert_allclose(c.welfare_change, c.consumer_surplus_change + c.producer_surplus_change
                    + c.tariff_revenue_new - c.tariff_revenue_base)
    # balances are antisymmetric
    b = r.balances.set_index(["country", "partner"])
    for (x, y), row in b.iterrows():
        assert_allclose(row.balance_new, -b.loc[(y, x)].balance_new)
