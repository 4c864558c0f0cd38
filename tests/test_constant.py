"""The constant-elasticity model against hand-computed numbers and closed forms."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate

from simulator.models.constant import solve as _solve
from simulator.parameters import Parameters


def solve(v0, t0, t1, eta, eps):
    n = len(v0)
    p = Parameters(np.full(n, eta, dtype=float), np.full(n, 1.0), np.full(n, eps, dtype=float), np.zeros(n, np.int8))
    return _solve(v0, t0, t1, p)


def test_price_taker_by_hand():
    # t 0.05 -> 0.30: rT = 1.30/1.05; m1/m0 = rT**-1.5
    o = solve(np.array([100.0]), np.array([0.05]), np.array([0.30]), -1.5, math.inf)
    rT = 1.30 / 1.05
    assert_allclose(o.quantity_ratio, [rT ** -1.5])
    assert_allclose(o.price_ratio, [1.0])
    assert_allclose(o.value_new, [100.0 * rT ** -1.5])
    assert_allclose(o.producer_surplus, [0.0])


def test_finite_supply_closed_form_clears_market():
    eta, eps = -2.0, 3.0
    o = solve(np.array([50.0]), np.array([0.0]), np.array([0.25]), eta, eps)
    rT = 1.25
    rp = rT ** (eta / (eps - eta))
    assert_allclose(o.price_ratio, [rp])
    # demand at the landed price equals supply at the world price
    assert_allclose(o.quantity_ratio, [(rp * rT) ** eta])
    assert_allclose(o.quantity_ratio, [rp ** eps])
    assert_allclose(o.value_new, [50.0 * rp ** eps * rp])


def test_no_tariff_change_no_change():
    v = np.array([1.0, 2.0, 3.0])
    t = np.array([0.0, 0.1, 0.5])
    o = solve(v, t, t, -1.3, 2.0)
    assert_allclose(o.value_new, v)
    assert_allclose(o.consumer_surplus, 0.0, atol=1e-12)
    assert_allclose(o.producer_surplus, 0.0, atol=1e-12)


@pytest.mark.parametrize("eta", [-0.5, -1.0, -2.5, 0.0])
def test_consumer_surplus_matches_numerical_integration(eta):
    v0, t0, t1 = 80.0, 0.1, 0.35
    o = solve(np.array([v0]), np.array([t0]), np.array([t1]), eta, math.inf)
    # demand m(P) = m0 (P / P0) ** eta with P0 = 1 + t0 (world price 1), m0 = v0
    p0, p1 = 1 + t0, 1 + t1
    area, _ = integrate.quad(lambda p: v0 * (p / p0) ** eta, p0, p1)
    assert_allclose(o.consumer_surplus, [-area], rtol=1e-9)


def test_producer_surplus_matches_numerical_integration():
    v0, eps = 40.0, 2.0
    o = solve(np.array([v0]), np.array([0.0]), np.array([0.5]), -1.0, eps)
    rp = float(o.price_ratio[0])
    area, _ = integrate.quad(lambda p: v0 * p ** eps, 1.0, rp)
    assert_allclose(o.producer_surplus, [area], rtol=1e-9)


def test_finite_supply_tends_to_price_taker():
    args = (np.array([10.0]), np.array([0.02]), np.array([0.27]), -1.7)
    taker = solve(*args, math.inf)
    near = solve(*args, 1e9)
    assert_allclose(near.value_new, taker.value_new, rtol=1e-6)
    assert_allclose(near.consumer_surplus, taker.consumer_surplus, rtol=1e-6)


def test_tariff_cut_raises_imports():
    o = solve(np.array([10.0]), np.array([0.4]), np.array([0.0]), -1.2, math.inf)
    assert o.value_new[0] > 10.0 and o.consumer_surplus[0] > 0
