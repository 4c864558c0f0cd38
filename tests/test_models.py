"""Every model against hand-computed numbers, closed forms and the identities of docs/MODELS.md."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate

from simulator.flows import Flows
from simulator.markets import Markets, markets
from simulator.models import armington, gsim, newton, smart
from simulator.parameters import Parameters


def setup(importers, exporters, values, hs=None, eta=-1.0, sigma=2.0, eps=math.inf):
    n = len(values)
    hs = hs or [870323] * n
    f = Flows.build(importers, exporters, hs, [6] * n, values)
    p = Parameters(np.full(n, eta, float), np.full(n, sigma, float), np.full(n, eps, float), np.zeros(n, np.int8))
    return f, markets(f), p


# ---- armington --------------------------------------------------------------------------------------

def test_armington_two_sources_by_hand():
    f, mk, p = setup(["USA", "USA"], ["KOR", "JPN"], [50.0, 50.0])
    o = armington.solve(f.value, np.zeros(2), np.array([0.25, 0.0]), p, mk)
    # rP^-1 = 0.5 / 1.25 + 0.5 = 0.9; m1/m0 = (rq / rP)^-2 * rP^-1
    rP = 1 / 0.9
    assert_allclose(o.quantity_ratio, [(1.25 / rP) ** -2 / rP, (1 / rP) ** -2 / rP])
    assert_allclose(o.quantity_ratio, [0.711111111111, 1.111111111111])


def test_armington_sigma_one_is_cobb_douglas():
    f, mk, p = setup(["USA", "USA"], ["KOR", "JPN"], [30.0, 70.0], sigma=1.0, eta=-0.5)
    o = armington.solve(f.value, np.zeros(2), np.array([0.2, 0.0]), p, mk)
    rP = 1.2 ** 0.3
    assert_allclose(o.quantity_ratio, [(1.2 / rP) ** -1 * rP ** -0.5, rP * rP ** -0.5])


def test_armington_no_change_and_untouched_sources_when_sigma_equals_minus_eta():
    f, mk, p = setup(["USA"] * 3, ["KOR", "JPN", "CHN"], [10.0, 20.0, 30.0], eta=-2.0, sigma=2.0)
    o = armington.solve(f.value, np.array([0.1, 0.0, 0.05]), np.array([0.1, 0.0, 0.05]), p, mk)
    assert_allclose(o.value_new, f.value)
    o = armington.solve(f.value, np.array([0.1, 0.0, 0.05]), np.array([0.3, 0.0, 0.05]), p, mk)
    assert_allclose(o.quantity_ratio[1:], 1.0)
    assert o.quantity_ratio[0] < 1


def test_armington_consumer_surplus_matches_integration():
    f, mk, p = setup(["USA", "USA"], ["KOR", "JPN"], [40.0, 60.0], eta=-1.3, sigma=3.0)
    t0 = np.array([0.05, 0.02])
    o = armington.solve(f.value, t0, np.array([0.30, 0.02]), p, mk)
    E0 = ((1 + t0) * f.value).sum()
    # composite price index from the CES formula
    s = (1 + t0) * f.value / E0
    rq = np.array([1.30 / 1.05, 1.0])
    rP = (s @ rq ** (1 - 3.0)) ** (1 / (1 - 3.0))
    area, _ = integrate.quad(lambda x: E0 * x ** -1.3, 1.0, rP)   # composite demand, price normalised to 1
    assert o.consumer_surplus.sum() == pytest.approx(-area, rel=1e-9)


def test_armington_finite_supply_clears_and_tends_to_price_takers():
    imp = ["USA", "USA", "KOR", "KOR"]
    exp = ["KOR", "JPN", "JPN", "USA"]
    vals = [50.0, 80.0, 30.0, 20.0]
    tau1 = np.array([0.25, 0.0, 0.1, 0.0])
    f, mk, p = setup(imp, exp, vals, eta=-1.2, sigma=4.0, eps=1.5)
    o = armington.solve(f.value, np.zeros(4), tau1, p, mk)
    assert o.solver.residual < 1e-10
    # JPN sells in two markets: one world price clears both
    jpn = np.array([1, 2])
    assert o.price_ratio[1] == pytest.approx(o.price_ratio[2])
    sold = (f.value[jpn] * o.quantity_ratio[jpn]).sum() / f.value[jpn].sum()
    assert o.price_ratio[1] ** 1.5 == pytest.approx(sold, rel=1e-9)
    _, _, p_big = setup(imp, exp, vals, eta=-1.2, sigma=4.0, eps=1e8)
    _, _, p_inf = setup(imp, exp, vals, eta=-1.2, sigma=4.0)
    big = armington.solve(f.value, np.zeros(4), tau1, p_big, mk)
    inf = armington.solve(f.value, np.zeros(4), tau1, p_inf, mk)
    assert_allclose(big.value_new, inf.value_new, rtol=1e-6)


def test_armington_large_sigma_is_stable():
    f, mk, p = setup(["USA", "USA"], ["KOR", "JPN"], [1.0, 99.0], sigma=900.0)
    o = armington.solve(f.value, np.zeros(2), np.array([0.0, 0.25]), p, mk)
    assert np.all(np.isfinite(o.value_new))
    assert o.value_new[0] > 50 and o.value_new[1] < 1e-6


def test_armington_near_perfect_substitutes_converge_by_newton():
    # the US market for stranded aluminium wire (HS 761410, 2024 values) with a drawn sigma of 2,224: the full
    # Newton step cycles between two points here; backtracking market by market converges
    exps = ["KOR", "CAN", "CHN", "EU27", "MEX", "ROW", "VNM"]
    vals = [544347.0, 11975503.0, 168726.0, 1741304.0, 60401128.0, 199223527.0, 4105235.0]
    t0 = np.array([0.0, 0.049, 0.049, 0.049, 0.049, 0.049, 0.049])
    t1 = np.array([0.5, 0.049, 0.149, 0.149, 0.049, 0.149, 0.149])
    f, mk, p = setup(["USA"] * 7, exps, vals, hs=[761410] * 7, eta=-1.33, sigma=2223.6)
    eps = np.array([0.557, 1.093, 1.812, 1.659, 2.124, 1.039, 1.194])
    p = Parameters(p.eta, p.sigma, eps, p.sigma_source)
    o = armington.solve(f.value, t0, t1, p, mk, polish=False)
    assert o.solver.residual < 1e-11
    assert_allclose(o.price_ratio ** eps, o.quantity_ratio, rtol=1e-9)      # every supplier's market clears
    assert o.price_ratio[0] < o.price_ratio[1:].min()                       # Korea absorbs its 50% duty


def test_armington_suppliers_in_several_markets_converge_by_newton():
    # five exporters each selling into three markets with sigmas up to 4,000: the markets' equations of a Newton
    # step are coupled through the shared suppliers and solved exactly
    imps, exps = ["USA", "KOR", "JPN"], ["CHN", "MEX", "VNM", "CAN", "DEU"]
    for seed in range(20):
        rng = np.random.default_rng(seed)
        importers = [i for i in imps for _ in exps]
        f = Flows.build(importers, exps * 3, [761410] * 15, [6] * 15, rng.lognormal(0, 2, 15))
        mk = markets(f)
        eps = rng.uniform(0.5, 3, 5)[mk.supplier]
        p = Parameters(np.full(15, -1.0), np.exp(rng.uniform(np.log(2), np.log(4000), 3))[mk.market], eps,
                       np.zeros(15, np.int8))
        o = armington.solve(f.value, np.zeros(15), rng.choice([0.0, 0.1, 0.25, 0.5], 15), p, mk, polish=False)
        sold = np.bincount(mk.supplier, f.value * o.quantity_ratio) / np.bincount(mk.supplier, f.value)
        assert_allclose(o.price_ratio ** eps, sold[mk.supplier], rtol=1e-9)


def test_armington_prepared_once_gives_the_same_bits_for_every_set_of_elasticities():
    # the draws of a band share what depends only on the flows, tariffs and markets (armington.Prepared):
    # each draw's answer must be the bits it gets when prepared afresh, whatever was solved with it before
    imps, exps = ["USA", "KOR", "JPN"], ["CHN", "MEX", "VNM", "CAN", "DEU"]
    rng = np.random.default_rng(4)
    f = Flows.build([i for i in imps for _ in exps], exps * 3, [761410] * 15, [6] * 15, rng.lognormal(0, 2, 15))
    mk = markets(f)
    t0, t1 = np.zeros(15), rng.choice([0.0, 0.1, 0.25, 0.5], 15)
    draws = [Parameters(np.full(15, -1.0), rng.uniform(2, 12, 3)[mk.market], rng.uniform(0.5, 3, 5)[mk.supplier],
                        np.zeros(15, np.int8)) for _ in range(4)]
    prepared = armington.Prepared(f.value, t0, t1, mk, draws[0].eps)
    for p in draws[::-1]:
        alone = armington.solve(f.value, t0, t1, p, mk)
        shared = armington.solve(f.value, t0, t1, p, mk, prepared=prepared)
        for field in ("quantity_ratio", "price_ratio", "value_new", "consumer_surplus", "producer_surplus"):
            assert np.array_equal(getattr(alone, field), getattr(shared, field)), field
    takers = Parameters(draws[0].eta, draws[0].sigma, np.full(15, np.inf), draws[0].sigma_source)
    assert np.array_equal(armington.solve(f.value, t0, t1, takers, mk, prepared=prepared).value_new,
                          armington.solve(f.value, t0, t1, takers, mk).value_new)
    with pytest.raises(ValueError, match="prepared for other"):
        armington.solve(f.value.copy(), t0, t1, draws[0], mk, prepared=prepared)


@pytest.mark.parametrize("n_products, n_importers", [(300, 2), (40, 20)])
def test_armington_many_coupled_markets_clear(n_products, n_importers):
    # past 500 coupled markets the Newton step is solved group by group: as a batch of small dense blocks
    # (two importers: groups of two markets) or as one sparse system (twenty importers: groups past the batch size)
    rng = np.random.default_rng(n_importers)
    imps = [f"I{i:02d}" for i in range(n_importers)]
    exps = ["CHN", "MEX", "VNM"]
    rows = [(i, e, 100000 + 10 * k) for k in range(n_products) for i in imps for e in exps]
    n = len(rows)
    f = Flows.build([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [6] * n, rng.lognormal(0, 1, n))
    mk = markets(f)
    eps = rng.uniform(0.5, 3, mk.n_suppliers)[mk.supplier]
    p = Parameters(np.full(n, -1.0), rng.uniform(2, 12, mk.n_markets)[mk.market], eps, np.zeros(n, np.int8))
    o = armington.solve(f.value, np.zeros(n), rng.choice([0.0, 0.1, 0.25], n), p, mk, polish=False)
    assert o.solver.residual < 1e-11
    sold = np.bincount(mk.supplier, f.value * o.quantity_ratio) / np.bincount(mk.supplier, f.value)
    assert_allclose(o.price_ratio ** eps, sold[mk.supplier], rtol=1e-9)


def test_groups_of_coupled_markets_are_the_connected_components():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n_markets, n_free = int(rng.integers(1, 60)), int(rng.integers(1, 60))
        pairs = rng.integers(0, [n_markets, n_free], size=(int(rng.integers(1, 120)), 2))
        market, unknown = pairs[:, 0], pairs[:, 1]
        graph = coo_matrix((np.ones(market.size), (market, n_markets + unknown)), shape=(n_markets + n_free,) * 2)
        _, labels = connected_components(graph, directed=False)
        _, expected = np.unique(labels[:n_markets], return_inverse=True)
        _, got = np.unique(newton.components(market, unknown, n_markets, n_free), return_inverse=True)
        assert got.tolist() == expected.tolist()


# ---- smart ------------------------------------------------------------------------------------------

def test_smart_laird_yeats_by_hand():
    f, mk, p = setup(["USA", "USA"], ["KOR", "JPN"], [100.0, 300.0], eta=-1.5, sigma=1.5)
    o = smart.solve(f.value, np.array([0.1, 0.1]), np.array([0.2, 0.1]), p, mk)
    dt = 0.1 / 1.1
    tc = 100 * -1.5 * dt
    g = -dt
    td = 100 * 300 * 1.5 * g / (100 + 300 + 100 * 1.5 * g)
    assert o.value_new[0] == pytest.approx(100 + tc + td)
    assert o.value_new[1] == pytest.approx(300 - td)
    # consumer surplus along SMART's linear demand: the landed price change times the mean quantity
    assert o.consumer_surplus[0] == pytest.approx(-0.1 * (100 + o.value_new[0]) / 2)
    assert o.consumer_surplus[1] == 0.0


def test_smart_finite_supply_creation():
    f, mk, p = setup(["USA"], ["KOR"], [100.0], eta=-1.0, eps=2.0)
    o = smart.solve(f.value, np.array([0.0]), np.array([0.1]), p, mk)
    tc = 100 * -1.0 * 0.1 / (1 - (-1.0) / 2.0)
    rp = 1 + (-1.0) / (2.0 + 1.0) * 0.1
    assert o.quantity_ratio[0] == pytest.approx((100 + tc) / 100)
    assert o.price_ratio[0] == pytest.approx(rp)


# ---- gsim -------------------------------------------------------------------------------------------

def test_gsim_two_regions_by_hand():
    # A ships 100 to B; B raises its tariff 0 -> 10%; Em = -1, Ex_A = 1
    f, mk, p = setup(["BBB"], ["AAA"], [100.0], eta=-1.0, sigma=2.0, eps=1.0)
    o = gsim.solve(f.value, np.array([0.0]), np.array([0.1]), p, mk)
    # clearing: -1 (0.1 + x) = x -> x = -0.05; M^ = -0.05; M1 = 100 * 0.95 * 0.95
    assert o.price_ratio[0] == pytest.approx(0.95)
    assert o.value_new[0] == pytest.approx(90.25)
    assert o.producer_surplus[0] == pytest.approx(100 * -0.05 * (1 - 0.05 / 2))
    P = 0.95 * 1.1 - 1
    assert o.consumer_surplus[0] == pytest.approx(-100 * P + 100 * P ** 2 / 2)


def _gsim_reference(M, T0, T1, Em, Es, Ex):
    """The equations of docs/MODELS.md written out with loops, for one product."""
    R = M.shape[0]
    Th = T1 / T0 - 1
    theta = np.zeros((R, R))
    phi = np.zeros((R, R))
    for v in range(R):
        tot = sum(T0[k, v] * M[k, v] for k in range(R))
        for r in range(R):
            theta[r, v] = T0[r, v] * M[r, v] / tot if tot else 0
    for r in range(R):
        tot = M[r].sum()
        for v in range(R):
            phi[r, v] = M[r, v] / tot if tot else 0
    Nown = theta * Em[None, :] - (1 - theta) * Es[None, :]
    Ncross = theta * (Em[None, :] + Es[None, :])
    A = np.zeros((R, R))
    b = np.zeros(R)
    for r in range(R):
        for v in range(R):
            A[r, r] += phi[r, v] * Nown[r, v]
            b[r] -= phi[r, v] * Nown[r, v] * Th[r, v]
            for k in range(R):
                if k != r:
                    A[r, k] += phi[r, v] * Ncross[k, v]
                    b[r] -= phi[r, v] * Ncross[k, v] * Th[k, v]
        A[r, r] -= Ex[r]
    x = np.linalg.solve(A, b)
    Mhat = np.zeros((R, R))
    for r in range(R):
        for v in range(R):
            Mhat[r, v] = Nown[r, v] * (Th[r, v] + x[r]) + sum(Ncross[k, v] * (Th[k, v] + x[k]) for k in range(R) if k != r)
    return x, M * (1 + Mhat) * (1 + x[:, None])


@pytest.mark.parametrize("R", [2, 3])
def test_gsim_matches_reference_with_trade_within_regions(R):
    rng = np.random.default_rng(R)
    names = ["AAA", "BBB", "CCC"][:R]
    M = rng.uniform(10, 100, (R, R))                 # includes the diagonal: trade within a region
    T0 = 1 + rng.uniform(0.0, 0.2, (R, R))
    T1 = T0 * (1 + rng.uniform(0.0, 0.3, (R, R)))
    Em, Es, Ex = -rng.uniform(0.5, 2, R), rng.uniform(1, 5, R), rng.uniform(0.5, 3, R)
    imp, exp, vals, t0, t1, eta, sig, eps = [], [], [], [], [], [], [], []
    for r in range(R):
        for v in range(R):
            imp.append(names[v]); exp.append(names[r]); vals.append(M[r, v])
            t0.append(T0[r, v] - 1); t1.append(T1[r, v] - 1)
            eta.append(Em[v]); sig.append(Es[v]); eps.append(Ex[r])
    f = Flows.build(imp, exp, [870323] * len(vals), [6] * len(vals), vals)
    p = Parameters(np.array(eta), np.array(sig), np.array(eps), np.zeros(len(vals), np.int8))
    o = gsim.solve(f.value, np.array(t0), np.array(t1), p, markets(f))
    x, M1 = _gsim_reference(M, T0, T1, Em, Es, Ex)
    order = {(e, i): k for k, (e, i) in enumerate(zip(exp, imp))}
    for r in range(R):
        for v in range(R):
            k = order[(names[r], names[v])]
            assert o.price_ratio[k] == pytest.approx(1 + x[r], rel=1e-10)
            assert o.value_new[k] == pytest.approx(M1[r, v], rel=1e-9)


def test_gsim_many_products_batched_equals_one_by_one():
    rng = np.random.default_rng(0)
    rows = []
    for code in (100630, 870323, 720851):
        for e in ("AAA", "BBB", "CCC"):
            for i in ("AAA", "BBB"):
                rows.append((i, e, code, rng.uniform(1, 50), rng.uniform(0, 0.1), rng.uniform(0, 0.3)))
    imp, exp, hs, vals, t0, t1 = map(list, zip(*rows))
    t1 = [a + b for a, b in zip(t0, t1)]
    n = len(rows)
    f = Flows.build(imp, exp, hs, [6] * n, vals)
    p = Parameters(np.full(n, -1.2), np.full(n, 3.0), np.full(n, 2.0), np.zeros(n, np.int8))
    together = gsim.solve(f.value, np.array(t0), np.array(t1), p, markets(f))
    for code in (100630, 870323, 720851):
        m = np.array(hs) == code
        sub = f.subset(m)
        ps = Parameters(p.eta[m], p.sigma[m], p.eps[m], p.sigma_source[m])
        alone = gsim.solve(sub.value, np.array(t0)[m], np.array(t1)[m], ps, markets(sub))
        assert_allclose(together.value_new[m], alone.value_new, rtol=1e-12)


def test_armington_finishing_slow_markets_apart_changes_nothing(monkeypatch):
    # 300 markets, a few of near-perfect substitutes that need more Newton steps than the rest: finishing
    # those as a problem of their own must give the answer of solving everything together
    rng = np.random.default_rng(4)
    exps = ["CHN", "MEX", "VNM", "CAN"]
    codes = [10000 + 10 * k for k in range(300)]
    hs = [c for c in codes for _ in exps]
    n = len(hs)
    f = Flows.build(["USA"] * n, exps * 300, hs, [6] * n, rng.lognormal(0, 1, n))
    mk = markets(f)
    sigma = np.where(np.arange(300) < 5, 3000.0, rng.uniform(2, 8, 300))[mk.market]
    p = Parameters(np.full(n, -1.0), sigma, rng.uniform(0.5, 3, n), np.zeros(n, np.int8))
    t1 = rng.choice([0.0, 0.1, 0.25], n)
    subsets = []
    subset = Markets.subset
    monkeypatch.setattr(Markets, "subset", lambda self, flows: subsets.append(flows.size) or subset(self, flows))
    apart = armington.solve(f.value, np.zeros(n), t1, p, mk, start=np.zeros(mk.n_suppliers))
    assert subsets and subsets[0] < n / 2                                   # the slow markets did go on apart
    monkeypatch.setattr(newton, "SHRINK_SHARE", 0.0)
    together = armington.solve(f.value, np.zeros(n), t1, p, mk, start=np.zeros(mk.n_suppliers))
    assert_allclose(apart.value_new, together.value_new, rtol=1e-10)
    assert_allclose(apart.price_ratio, together.price_ratio, rtol=1e-10)
    sold = np.bincount(mk.supplier, f.value * apart.quantity_ratio) / np.bincount(mk.supplier, f.value)
    eps = p.eps
    assert np.max(np.abs(eps * np.log(apart.price_ratio) - np.log(sold[mk.supplier]))) <= apart.solver.residual * 1.01 + 1e-13


def test_armington_coupling_too_large_to_form_gives_the_same_answer(monkeypatch):
    # beyond MAX_COUPLING entries the markets' system is solved by Jacobi sweeps (BACI scale); on a problem small
    # enough to solve exactly both must reach the same world prices
    imps, exps = ["USA", "KOR", "JPN", "CHN"], ["MEX", "VNM", "CAN", "DEU", "IND"]
    rng = np.random.default_rng(11)
    importers = [i for i in imps for _ in exps]
    n = len(importers)
    f = Flows.build(importers, exps * 4, [870323] * n, [6] * n, rng.lognormal(0, 1.5, n))
    mk = markets(f)
    p = Parameters(np.full(n, -1.2), rng.uniform(2, 12, 4)[mk.market], rng.uniform(0.5, 3, 5)[mk.supplier],
                   np.zeros(n, np.int8))
    t1 = rng.choice([0.0, 0.1, 0.25, 0.5], n)
    exact = armington.solve(f.value, np.zeros(n), t1, p, mk, polish=False, start=np.zeros(mk.n_suppliers))
    monkeypatch.setattr(newton, "MAX_COUPLING", 0)
    swept = armington.solve(f.value, np.zeros(n), t1, p, mk, polish=False, start=np.zeros(mk.n_suppliers))
    assert "Jacobi" in swept.solver.method and "Jacobi" not in exact.solver.method
    assert_allclose(swept.price_ratio, exact.price_ratio, rtol=1e-10)


def test_armington_pairs_of_one_line_and_of_several_give_the_same_answer():
    # one flow per exporter, importer and product (BACI-like): the Jacobian reads each pair's line directly;
    # a second line in one pair (HS10 lines of one HS6) takes the general sums, with the same answer
    rng = np.random.default_rng(4)
    rows = [(i, e, 100000 + 10 * k) for k in range(30) for i in ("USA", "KOR") for e in ("CHN", "MEX", "VNM")]
    n = len(rows)
    values, t1 = rng.lognormal(0, 1, n), rng.choice([0.0, 0.1, 0.25], n)

    def solve(extra: bool):
        r, v, t = list(rows), list(values), list(t1)
        if extra:                                    # the first pair's value split over two lines
            r.append(r[0])
            v[0], t = v[0] / 2, t + [t[0]]
            v.append(v[0])
        m = len(r)
        f = Flows.build([x[0] for x in r], [x[1] for x in r], [x[2] for x in r], [6] * m, np.array(v))
        mk = markets(f)
        p = Parameters(np.full(m, -1.0), np.full(m, 4.0), np.full(m, 1.5), np.zeros(m, np.int8))
        o = armington.solve(f.value, np.zeros(m), np.array(t), p, mk, polish=False)
        return mk.supplier_market[1] == m, np.bincount(f.exporter, o.value_new)

    one_line, a = solve(False)
    several, b = solve(True)
    assert one_line and not several
    assert_allclose(a, b, rtol=1e-12)
