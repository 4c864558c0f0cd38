"""Exact two-stage CES (Armington) import demand, the default model (docs/MODELS.md, ``armington``).

Within each market (importer, HS6 product), with base shares at domestic prices
``s_k = T0_k v_k / E0`` and the change in each source's landed price ``rq_k = rp_k * rT_k``:

    rP ** (1 - sigma) = sum_k s_k * rq_k ** (1 - sigma)      (sigma = 1: rP = prod_k rq_k ** s_k)
    m1_k / m0_k       = (rq_k / rP) ** (-sigma) * rP ** eta

Price takers (eps = inf) need no solver. With finite export supply, each supplier's world price
(exporter and product, across every market it sells into) clears

    rp ** eps = sum_j v_j (m1_j / m0_j) / sum_j v_j

solved jointly for all suppliers in logs with ``scipy.optimize.newton_krylov``; the residual is
reported, and a solve that does not converge is an error.

Consumer surplus is exact for the CES composite: dCS = -E0 (rP ** (1 + eta) - 1) / (1 + eta) per
market, shared among the market's flows by base spending; producer surplus per supplier
X0 (rp ** (1 + eps) - 1) / (1 + eps), shared by base value.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from ..errors import InputError, Problem
from . import Outcome
from .constant import power_area, producer_surplus

F_TOL = 1e-11
MAX_NEWTON = 30


class ConvergenceError(InputError):
    pass


def _price_index(mk, share, rq, sigma):
    """Per flow: the CES price index of its market, in logs, stable for large sigma."""
    log_rq = np.log(rq)
    one = np.abs(1.0 - sigma) < 1e-9
    a = np.where(one, 0.0, (1.0 - sigma) * log_rq)
    # log-sum-exp per market
    amax = np.full(mk.n_markets, -np.inf)
    np.maximum.at(amax, mk.market, np.where(share > 0, a, -np.inf))
    amax = np.where(np.isfinite(amax), amax, 0.0)
    total = mk.sum(share * np.exp(a - amax[mk.market]))
    with np.errstate(divide="ignore"):
        lse = amax + np.log(total)
    geo = mk.sum(share * log_rq)                       # sigma = 1: geometric mean
    log_p = np.where(one, geo[mk.market], lse[mk.market] / np.where(one, 1.0, 1.0 - sigma))
    return log_p


def _demand(mk, share, rT, log_rp, sigma, eta):
    rq = np.exp(log_rp) * rT
    log_p = _price_index(mk, share, rq, sigma)
    log_ratio = -sigma * (np.log(rq) - log_p) + eta * log_p
    return np.exp(log_ratio), log_p


def solve(v0, tau0, tau1, params, markets) -> Outcome:
    mk = markets
    v0, t0, t1 = (np.asarray(a, dtype=np.float64) for a in (v0, tau0, tau1))
    sigma, eta, eps = params.sigma, params.eta, params.eps
    T0 = 1.0 + t0
    rT = (1.0 + t1) / T0
    spend0 = T0 * v0
    E0 = mk.sum(spend0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(E0[mk.market] > 0, spend0 / E0[mk.market], 0.0)

    finite = np.isfinite(eps)
    log_rp = np.zeros(len(v0))
    solver = {}
    if finite.any():
        # one unknown per supplier with finite supply elasticity
        sup_eps = np.full(mk.n_suppliers, np.inf)
        sup_eps[mk.supplier[finite]] = eps[finite]
        X0 = mk.supplier_sum(v0)
        free = np.flatnonzero(np.isfinite(sup_eps) & (X0 > 0))   # a supplier with no base sales has no price to solve
        where = np.full(mk.n_suppliers, -1)
        where[free] = np.arange(free.size)
        flow_unknown = where[mk.supplier]

        def residual(x):
            lr = np.where(flow_unknown >= 0, x[np.maximum(flow_unknown, 0)], 0.0)
            ratio, _ = _demand(mk, share, rT, lr, sigma, eta)
            sold = mk.supplier_sum(v0 * ratio)[free]
            with np.errstate(divide="ignore"):
                return sup_eps[free] * x - np.log(np.maximum(sold, 1e-300) / X0[free])

        def expand(x):
            return np.where(flow_unknown >= 0, x[np.maximum(flow_unknown, 0)], 0.0)

        # Newton steps with the exact own-price derivative of each supplier's condition (cross effects
        # through the price index are small), then newton_krylov polishes if needed.
        x = np.zeros(free.size)
        iterations, method = 0, "Newton with own-price Jacobian"
        for iterations in range(1, MAX_NEWTON + 1):
            lr = expand(x)
            ratio, log_p = _demand(mk, share, rT, lr, sigma, eta)
            sold_flow = v0 * ratio
            sold = mk.supplier_sum(sold_flow)[free]
            r = sup_eps[free] * x - np.log(np.maximum(sold, 1e-300) / X0[free])
            if np.max(np.abs(r)) < F_TOL:
                break
            with np.errstate(over="ignore", invalid="ignore"):
                s_new = share * np.exp(np.clip((1.0 - sigma) * (lr + np.log(rT) - log_p), -700, 700))
                omega = np.where(sold[np.maximum(flow_unknown, 0)] > 0,
                                 sold_flow / np.maximum(sold, 1e-300)[np.maximum(flow_unknown, 0)], 0.0)
            slope = mk.supplier_sum(np.where(flow_unknown >= 0, omega * (sigma * (1.0 - s_new) - eta * s_new), 0.0))[free]
            step = r / (sup_eps[free] + np.maximum(slope, 0.0))
            x = x - np.clip(step, -1.0, 1.0)
        else:
            method = "Newton with own-price Jacobian, then scipy.optimize.newton_krylov"
            try:
                x = optimize.newton_krylov(residual, x, f_tol=F_TOL, maxiter=200, method="lgmres")
            except (optimize.NoConvergence, ValueError) as exc:
                x = exc.args[0] if exc.args and isinstance(exc.args[0], np.ndarray) else x
                res = float(np.max(np.abs(residual(x)))) if x.size else 0.0
                raise ConvergenceError(Problem(None, "model", f"armington with finite export supply did not converge "
                                               f"(largest residual {res:.3g}); try other elasticities"))
        res = float(np.max(np.abs(residual(x)))) if x.size else 0.0
        if not np.isfinite(res) or res > 1e-8:
            raise ConvergenceError(Problem(None, "model", f"armington with finite export supply did not converge "
                                           f"(largest residual {res:.3g})"))
        log_rp = np.where(flow_unknown >= 0, x[np.maximum(flow_unknown, 0)], 0.0)
        solver = {"method": method, "iterations": iterations, "unknowns": int(free.size),
                  "residual": res, "tolerance": F_TOL}

    ratio, log_p = _demand(mk, share, rT, log_rp, sigma, eta)
    rp = np.exp(log_rp)
    # consumer surplus per market, shared among its flows by base spending
    first = np.zeros(mk.n_markets, dtype=np.int64)
    first[mk.market[::-1]] = np.arange(len(v0))[::-1]
    P = np.exp(log_p[first])
    dcs_market = -power_area(E0, P, eta[first])
    dcs = dcs_market[mk.market] * share
    # producer surplus per supplier, shared by base value
    X0 = mk.supplier_sum(v0)
    first_s = np.zeros(mk.n_suppliers, dtype=np.int64)
    first_s[mk.supplier[::-1]] = np.arange(len(v0))[::-1]
    dps_sup = producer_surplus(X0, rp[first_s], eps[first_s])
    with np.errstate(invalid="ignore", divide="ignore"):
        dps = np.where(X0[mk.supplier] > 0, dps_sup[mk.supplier] * v0 / X0[mk.supplier], 0.0)
    return Outcome(quantity_ratio=ratio, price_ratio=rp, value_new=v0 * ratio * rp,
                   consumer_surplus=dcs, producer_surplus=dps, solver=solver)
