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

import weakref

import numpy as np
from scipy import optimize

from ..errors import InputError, Problem
from . import Outcome
from .constant import power_area, producer_surplus

F_TOL = 1e-11
_WARM: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
MAX_NEWTON = 60


class ConvergenceError(InputError):
    pass


def _log_price_index(mk, share, log_rq, sigma, sigma_m):
    """Per market: log of the CES price index. A log-sum-exp per market guards the rare case where
    (1 - sigma) ln rq would overflow (very large sigma and large price changes)."""
    a = (1.0 - sigma) * log_rq
    if np.max(np.abs(a), initial=0.0) < 600.0:
        total = mk.sum(share * np.exp(a))
        amax = 0.0
    else:
        amax = mk.max(np.where(share > 0, a, -np.inf))
        amax = np.where(np.isfinite(amax), amax, 0.0)
        total = mk.sum(share * np.exp(a - amax[mk.market]))
    one = np.abs(1.0 - sigma_m) < 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = (amax + np.log(total)) / np.where(one, 1.0, 1.0 - sigma_m)
    if one.any():                                        # sigma = 1: the geometric mean
        log_p = np.where(one, mk.sum(share * log_rq), log_p)
    return log_p


def _demand(mk, share, log_rT, log_rp, sigma, eta, sigma_m):
    """Per flow m1/m0, and per market log rP."""
    log_rq = log_rT if log_rp is None else log_rT + log_rp
    log_p = _log_price_index(mk, share, log_rq, sigma, sigma_m)
    lp = log_p[mk.market]
    return np.exp(eta * lp - sigma * (log_rq - lp)), log_p


def solve(v0, tau0, tau1, params, markets, polish: bool = True) -> Outcome:
    """The model; with ``polish=False`` a Newton solve that does not converge is an error at once, without the
    slower newton_krylov attempt (for large stacked problems that are retried piece by piece)."""
    mk = markets
    v0, t0, t1 = (np.asarray(a, dtype=np.float64) for a in (v0, tau0, tau1))
    sigma, eta, eps = params.sigma, params.eta, params.eps
    T0 = 1.0 + t0
    log_rT = np.log1p(t1) - np.log(T0)
    spend0 = T0 * v0
    E0 = mk.sum(spend0)
    E0_flow = E0[mk.market]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = spend0 / E0_flow
    if not E0.all():
        share[E0_flow == 0] = 0.0
    first = mk.first                                     # a flow of each market, for its parameters
    sigma_m = sigma[first]

    finite = np.isfinite(eps)
    log_rp = None
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

        def expand(x):
            return np.where(flow_unknown >= 0, x[np.maximum(flow_unknown, 0)], 0.0)

        def residual(x):
            ratio, _ = _demand(mk, share, log_rT, expand(x), sigma, eta, sigma_m)
            sold = mk.supplier_sum(v0 * ratio)[free]
            with np.errstate(divide="ignore"):
                return sup_eps[free] * x - np.log(np.maximum(sold, 1e-300) / X0[free])

        # Newton steps. Within one market the Jacobian of the supply conditions is a diagonal matrix less a
        # rank-one term, J = D - u v^T (D_s = eps_s + sum_m w_sm sigma_m, u_s = w_sm (sigma_m + eta_m), v_k = the
        # supplier's share of the market at new prices), so Sherman-Morrison gives the exact step per market, for
        # every market at once. A supplier selling into several markets gets each market's correction (exact when
        # each sells into one). newton_krylov polishes if needed.
        pair, n_pairs = mk.supplier_market
        pair_supplier = np.zeros(n_pairs, dtype=np.int64)
        pair_supplier[pair] = mk.supplier
        pair_market = np.zeros(n_pairs, dtype=np.int64)
        pair_market[pair] = mk.market
        pair_unknown = where[pair_supplier]
        pair_free = pair_unknown >= 0
        first_line = np.zeros(n_pairs, dtype=np.int64)
        first_line[pair[::-1]] = np.arange(pair.size)[::-1]
        sigma_p, eta_p = sigma[first_line], eta[first_line]
        # start from the last solution on the same markets (quotas and commitments solve the model many
        # times with small changes); the answer does not depend on the start, only the number of steps
        last = _WARM.get(mk)
        x = last.copy() if last is not None and last.shape == (free.size,) else np.zeros(free.size)
        iterations, method = 0, "Newton (exact per market, Sherman-Morrison)"
        for iterations in range(1, MAX_NEWTON + 1):
            lr = expand(x)
            ratio, log_p = _demand(mk, share, log_rT, lr, sigma, eta, sigma_m)
            sold_flow = v0 * ratio
            sold_all = mk.supplier_sum(sold_flow)
            sold = sold_all[free]
            r = sup_eps[free] * x - np.log(np.maximum(sold, 1e-300) / X0[free])
            if np.max(np.abs(r)) < F_TOL:
                break
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                s_line = share * np.exp(np.clip((1.0 - sigma) * (lr + log_rT - log_p[mk.market]), -700, 700))
                s_pair = np.bincount(pair, weights=s_line, minlength=n_pairs)          # supplier's market share
                w_pair = np.bincount(pair, weights=sold_flow, minlength=n_pairs) / np.maximum(sold_all[pair_supplier], 1e-300)
            d = sup_eps[free] + np.bincount(pair_unknown[pair_free], weights=(w_pair * sigma_p)[pair_free],
                                            minlength=free.size)
            u = np.where(pair_free, w_pair * (sigma_p + eta_p), 0.0)
            v = np.where(pair_free, s_pair, 0.0)
            a_sup = r / d
            a_pair = np.where(pair_free, a_sup[np.maximum(pair_unknown, 0)], 0.0)
            d_pair = np.where(pair_free, d[np.maximum(pair_unknown, 0)], 1.0)
            A = np.bincount(pair_market, weights=v * a_pair, minlength=mk.n_markets)
            B = np.bincount(pair_market, weights=v * u / d_pair, minlength=mk.n_markets)
            corr = np.where(pair_free, (u / d_pair) * A[pair_market] / (1.0 - B[pair_market]), 0.0)
            step = a_sup + np.bincount(pair_unknown[pair_free], weights=corr[pair_free], minlength=free.size)
            x = x - np.clip(step, -5.0, 5.0)
        else:
            if not polish:
                raise ConvergenceError(Problem(None, "model", "armington with finite export supply: Newton did not "
                                               f"converge in {MAX_NEWTON} steps"))
            method = "Newton per market, then scipy.optimize.newton_krylov"
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
        _WARM[mk] = x.copy()
        log_rp = np.where(flow_unknown >= 0, x[np.maximum(flow_unknown, 0)], 0.0)
        solver = {"method": method, "iterations": iterations, "unknowns": int(free.size),
                  "residual": res, "tolerance": F_TOL}

    ratio, log_p = _demand(mk, share, log_rT, log_rp, sigma, eta, sigma_m)
    # consumer surplus per market, shared among its flows by base spending
    dcs = (-power_area(E0, np.exp(log_p), eta[first]))[mk.market] * share
    if log_rp is None:                                   # price takers: no world price moves, no producer surplus
        return Outcome(quantity_ratio=ratio, price_ratio=np.ones(len(v0)), value_new=v0 * ratio,
                       consumer_surplus=dcs, producer_surplus=np.zeros(len(v0)), solver=solver)
    rp = np.exp(log_rp)
    # producer surplus per supplier, shared by base value
    X0 = mk.supplier_sum(v0)
    first_s = mk.supplier_first
    dps_sup = producer_surplus(X0, rp[first_s], eps[first_s])
    with np.errstate(invalid="ignore", divide="ignore"):
        dps = np.where(X0[mk.supplier] > 0, dps_sup[mk.supplier] * v0 / X0[mk.supplier], 0.0)
    return Outcome(quantity_ratio=ratio, price_ratio=rp, value_new=v0 * ratio * rp,
                   consumer_surplus=dcs, producer_surplus=dps, solver=solver)
