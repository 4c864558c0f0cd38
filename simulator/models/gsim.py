"""GSIM compatibility: linearised multi-region market clearing (Francois & Hall 2003; docs/MODELS.md).

For each product, importers v and exporters r, base flows M[r, v] at world prices (trade within
a region, r = v, is a source like any other), E_m < 0, E_s > 0 (substitution), E_x > 0:

    theta[r, v]  = T0 M / sum_k T0[k, v] M[k, v]         importer shares at internal prices
    phi[r, v]    = M / sum_w M[r, w]                      exporter shares at world prices
    Nown[r, v]   = theta E_m,v - (1 - theta) E_s,v
    Ncross[k, v] = theta[k, v] (E_m,v + E_s,v)
    M^[r, v]     = Nown (T^[r, v] + x_r) + sum_{k != r} Ncross[k, v] (T^[k, v] + x_k)
    clearing:      sum_v phi[r, v] M^[r, v] = E_x,r x_r

The clearing conditions are linear in the world-price changes x: ``A x = b``, solved exactly
with ``numpy.linalg.solve``, batched over every product with the same number of regions.
Several flows of one exporter, importer and product (e.g. HS10 lines of one HS6) form one cell
with value-weighted tariffs; each keeps its own tariff in its own-price term.

New flows M1 = M (1 + M^) (1 + x_r); producer surplus X0 x (1 + E_x x / 2); consumer surplus by
the trapezoid rule on the composite price change P^_v = sum_r theta ((1 + x_r) T1 / T0 - 1):
-R0 P^ - E_m R0 P^ ** 2 / 2.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import Outcome, SolverReport

_INDEX: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _batches(mk) -> list:
    """Products grouped by their number of regions, with each flow's product position and the local indices
    of its exporter and importer: structure only, so built once per market structure."""
    if mk in _INDEX:
        return _INDEX[mk]
    n = mk.product.size
    _, prod = np.unique(mk.product, return_inverse=True)
    prod = prod.ravel()
    exporter, importer = mk.exp_country, mk.imp_country
    C = int(max(exporter.max(), importer.max())) + 1 if n else 0
    region_key = np.unique(np.concatenate([prod * C + exporter, prod * C + importer]))
    reg_prod = region_key // C
    starts = np.searchsorted(reg_prod, np.arange(prod.max() + 1 if n else 0))
    local = np.arange(len(region_key)) - starts[reg_prod]
    R_of = np.bincount(reg_prod, minlength=len(starts))
    li = local[np.searchsorted(region_key, prod * C + exporter)]    # exporter's local index
    lj = local[np.searchsorted(region_key, prod * C + importer)]    # importer's local index
    out = []
    for R in np.unique(R_of):
        prods = np.flatnonzero(R_of == R)
        pos = np.full(len(starts), -1)
        pos[prods] = np.arange(len(prods))
        sel = np.flatnonzero(pos[prod] >= 0)
        out.append((int(R), sel, pos[prod[sel]], li[sel], lj[sel], len(prods)))
    _INDEX[mk] = out
    return out


def solve(v0, tau0, tau1, params, markets) -> Outcome:
    mk = markets
    v0, t0, t1 = (np.asarray(a, dtype=np.float64) for a in (v0, tau0, tau1))
    n = len(v0)
    That = (1.0 + t1) / (1.0 + t0) - 1.0
    x_flow = np.zeros(n)
    mhat_flow = np.zeros(n)
    dcs_flow = np.zeros(n)
    dps_flow = np.zeros(n)
    for R, sel, p, i, j, P in _batches(mk):
        cell = (p * R + i) * R + j
        cells = lambda w: np.bincount(cell, weights=w, minlength=P * R * R).reshape(P, R, R)  # noqa: E731
        vs = v0[sel]
        M = cells(vs)
        T0M = cells((1.0 + t0[sel]) * vs)
        ThM = cells(That[sel] * vs)
        T1M = cells((1.0 + t1[sel]) * vs)
        with np.errstate(invalid="ignore", divide="ignore"):
            Th = np.where(M > 0, ThM / M, 0.0)                # value-weighted T^ per cell
        # importer-level elasticities (per product and importer), exporter-level supply
        Em = np.zeros((P, R))
        Es = np.zeros((P, R))
        Ex = np.full((P, R), np.inf)
        Em[p, j] = params.eta[sel]
        Es[p, j] = params.sigma[sel]
        Ex[p, i] = params.eps[sel]
        R0 = T0M.sum(axis=1)                                    # (P, R): spending of each importer
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = np.where(R0[:, None, :] > 0, T0M / R0[:, None, :], 0.0)
            X0 = M.sum(axis=2)                                  # (P, R): exports of each exporter
            phi = np.where(X0[:, :, None] > 0, M / X0[:, :, None], 0.0)
        Nown = theta * Em[:, None, :] - (1.0 - theta) * Es[:, None, :]
        Ncross = theta * (Em[:, None, :] + Es[:, None, :])
        # A[r, k] = sum_v phi[r, v] Ncross[k, v]; diagonal: sum_v phi[r, v] Nown[r, v] - Ex_r
        A = np.einsum("prv,pkv->prk", phi, Ncross)
        diag = (phi * Nown).sum(axis=2) - np.where(np.isfinite(Ex), Ex, 0.0)
        idx = np.arange(R)
        A[:, idx, idx] = diag
        C_v = (Ncross * Th).sum(axis=1)                          # (P, R): sum_k Ncross[k, v] T^[k, v]
        b = -((phi * (Nown - Ncross) * Th).sum(axis=2) + np.einsum("prv,pv->pr", phi, C_v))
        # price takers and regions that export nothing in the product: x = 0
        fixed = ~np.isfinite(Ex) | (X0 <= 0)
        A[fixed] = 0.0
        fp, fr = np.nonzero(fixed)
        A[fp, fr, fr] = 1.0
        b[fixed] = 0.0
        x = np.linalg.solve(A, b[..., None])[..., 0]           # (P, R)

        # flows: own-price term with the flow's own T^, cross terms from the cells of other exporters
        xr = x[p, i]
        cross_all = np.einsum("pkv,pk->pv", Ncross, x) + C_v     # sum_k Ncross[k, v] (T^[k, v] + x_k)
        own_cell = Ncross[p, i, j] * (Th[p, i, j] + xr)
        mhat = Nown[p, i, j] * (That[sel] + xr) + cross_all[p, j] - own_cell
        x_flow[sel], mhat_flow[sel] = xr, mhat

        # surplus: producers per exporter, consumers per importer (trapezoid), shared by base value
        ps = X0 * x * (1.0 + np.where(np.isfinite(Ex), Ex, 0.0) * x / 2.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(T0M > 0, T1M / T0M, 1.0)
        Phat = (theta * ((1.0 + x)[:, :, None] * rel - 1.0)).sum(axis=1)   # (P, R) per importer
        cs = -R0 * Phat - Em * R0 * Phat ** 2 / 2.0
        with np.errstate(invalid="ignore", divide="ignore"):
            dcs_flow[sel] = np.where(R0[p, j] > 0, cs[p, j] * (1.0 + t0[sel]) * v0[sel] / R0[p, j], 0.0)
            dps_flow[sel] = np.where(X0[p, i] > 0, ps[p, i] * v0[sel] / X0[p, i], 0.0)

    ratio = 1.0 + mhat_flow
    negative = ratio < 0
    ratio = np.maximum(ratio, 0.0)
    rp = 1.0 + x_flow
    notes: tuple[str, ...] = ()
    if negative.any():
        notes = (f"gsim: {int(negative.sum())} flow(s) would fall below zero under the linearised demand; set to zero.",)
    return Outcome(quantity_ratio=ratio, price_ratio=rp, value_new=v0 * ratio * rp, consumer_surplus=dcs_flow,
                   producer_surplus=dps_flow, solver=SolverReport("numpy.linalg.solve, batched over products"), notes=notes)
