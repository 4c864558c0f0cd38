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
    T0 = 1.0 + t0
    log_rT = np.log1p((t1 - t0) / T0)                   # ln((1 + t1) / (1 + t0)), one logarithm
    finite = np.isfinite(eps)
    price_takers = not finite.any()
    if price_takers:                                    # world prices do not move
        log_rq = log_rT
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            log_rp = np.where(finite, log_rT * (eta / np.where(finite, eps - eta, 1.0)), 0.0)
        rp = np.exp(log_rp)
        log_rq = log_rT + log_rp
    ratio = np.exp(eta * log_rq)
    # consumer surplus: -E0 (rq ** (1 + eta) - 1) / (1 + eta), or -E0 ln rq at eta = -1
    e1 = 1.0 + eta
    near_log = np.abs(e1) < 1e-12
    if near_log.all():                                  # unit-elastic demand everywhere: the log alone
        area = log_rq
    else:
        area = np.expm1(e1 * log_rq) / np.where(near_log, 1.0, e1)
        if near_log.any():
            area = np.where(near_log, log_rq, area)
    dcs = -(T0 * v0) * area
    if price_takers:                                    # read-only views: no arrays of ones and zeros to write
        return Outcome(quantity_ratio=ratio, price_ratio=np.broadcast_to(1.0, v0.shape), value_new=v0 * ratio,
                       consumer_surplus=dcs, producer_surplus=np.broadcast_to(0.0, v0.shape))
    return Outcome(quantity_ratio=ratio, price_ratio=rp, value_new=v0 * ratio * rp,
                   consumer_surplus=dcs, producer_surplus=producer_surplus(v0, rp, eps))
