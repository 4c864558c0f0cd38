"""Constant-elasticity import demand, no substitution between sources (docs/MODELS.md, ``constant``).

    m1 / m0 = (rp * rT) ** eta,   rT = (1 + t1) / (1 + t0)
    price takers (eps = inf):  rp = 1
    finite supply eps:         rp = rT ** (eta / (eps - eta))

Each flow is its own market, so consumer surplus is the exact area under its demand curve,
dCS = -E0 * (rq ** (1 + eta) - 1) / (1 + eta) with E0 = (1 + t0) v0 and rq = rp * rT
(-E0 ln rq at eta = -1), and producer surplus dPS = v0 * (rp ** (1 + eps) - 1) / (1 + eps).
"""

from __future__ import annotations

import numpy as np

from . import Outcome


def _power_area(base: np.ndarray, ratio: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """base * (ratio ** (1 + exponent) - 1) / (1 + exponent), with its log limit at exponent = -1."""
    e1 = 1.0 + exponent
    near_log = np.abs(e1) < 1e-12
    safe = np.where(near_log, 1.0, e1)
    # expm1/log keep precision when the ratio is close to 1
    powered = np.expm1(safe * np.log(ratio)) / safe
    return base * np.where(near_log, np.log(ratio), powered)


def solve(v0: np.ndarray, t0: np.ndarray, t1: np.ndarray, eta: np.ndarray, eps: np.ndarray) -> Outcome:
    v0, t0, t1 = (np.asarray(a, dtype=np.float64) for a in (v0, t0, t1))
    eta = np.broadcast_to(np.asarray(eta, dtype=np.float64), v0.shape)
    eps = np.broadcast_to(np.asarray(eps, dtype=np.float64), v0.shape)
    rT = (1.0 + t1) / (1.0 + t0)
    finite = np.isfinite(eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        rp = np.where(finite, rT ** (eta / np.where(finite, eps - eta, 1.0)), 1.0)
    rq = rp * rT
    ratio = rq ** eta
    dcs = -_power_area((1.0 + t0) * v0, rq, eta)
    dps = np.where(finite, _power_area(v0, rp, np.where(finite, eps, 0.0)), 0.0)
    return Outcome(quantity_ratio=ratio, price_ratio=rp, value_new=v0 * ratio * rp,
                   consumer_surplus=dcs, producer_surplus=dps)
