"""Constant-elasticity import demand, no substitution between sources (docs/MODELS.md, ``constant``).

    m1 / m0 = (rp * rT) ** eta,   rT = (1 + tau1) / (1 + tau0)
    price takers (eps = inf):  rp = 1
    finite supply eps:         rp = rT ** (eta / (eps - eta))

Each flow is its own market, so consumer surplus is the exact area under its demand curve,
dCS = -E0 * (rq ** (1 + eta) - 1) / (1 + eta) with E0 = (1 + tau0) v0 and rq = rp * rT
(-E0 ln rq at eta = -1), and producer surplus dPS = v0 * (rp ** (1 + eps) - 1) / (1 + eps).
"""

from __future__ import annotations

import numpy as np

from . import Outcome


def power_area(base: np.ndarray, ratio: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """base * (ratio ** (1 + exponent) - 1) / (1 + exponent), with its log limit at exponent = -1."""
    e1 = 1.0 + exponent
    near_log = np.abs(e1) < 1e-12
    safe = np.where(near_log, 1.0, e1)
    # expm1/log keep precision when the ratio is close to 1
    powered = np.expm1(safe * np.log(ratio)) / safe
    return base * np.where(near_log, np.log(ratio), powered)


def producer_surplus(x0: np.ndarray, rp: np.ndarray, eps: np.ndarray) -> np.ndarray:
    finite = np.isfinite(eps)
    return np.where(finite, power_area(x0, rp, np.where(finite, eps, 0.0)), 0.0)


def solve(v0, tau0, tau1, params, markets=None) -> Outcome:
    v0, t0, t1 = (np.asarray(a, dtype=np.float64) for a in (v0, tau0, tau1))
    eta = np.broadcast_to(np.asarray(params.eta, dtype=np.float64), v0.shape)
    eps = np.broadcast_to(np.asarray(params.eps, dtype=np.float64), v0.shape)
    rT = (1.0 + t1) / (1.0 + t0)
    finite = np.isfinite(eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        rp = np.where(finite, rT ** (eta / np.where(finite, eps - eta, 1.0)), 1.0)
    rq = rp * rT
    ratio = rq ** eta
    dcs = -power_area((1.0 + t0) * v0, rq, eta)
    dps = producer_surplus(v0, rp, eps)
    return Outcome(quantity_ratio=ratio, price_ratio=rp, value_new=v0 * ratio * rp,
                   consumer_surplus=dcs, producer_surplus=dps)
