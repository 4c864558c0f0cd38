"""WITS-SMART compatibility: the Laird-Yeats first-order formulas (docs/MODELS.md, ``smart``).

Kept to reproduce published SMART numbers, never the default: the formulas apply the whole
market's import demand elasticity to one source's price and so overstate its response.

    TC_k = m_k eta dt_k / ((1 + t0_k)(1 - eta / eps_k))                 trade creation
    g_k  = -dt_k / (1 + t0_k)     (the fall in k's landed price, the others' held at base)
    TD_k = m_k M_K sigma g_k / (m_k + M_K + m_k sigma g_k)              trade diversion towards k

M_K is the other sources' base imports. Each source's own tariff change is one SMART shock,
whose diversion is taken from (or given to) the other sources in proportion to their imports;
when several sources' tariffs change, their shocks add up (first order), so diversion sums to
zero in every market and a source whose tariff does not move gains what the others lose. With one
source moving this is exactly the published formula. World prices move by
eta / (eps - eta) * dt / (1 + t0). SMART defines no consumer or producer surplus: those outputs are null.
"""

from __future__ import annotations

import numpy as np

from . import Outcome


def solve(v0, tau0, tau1, params, markets) -> Outcome:
    mk = markets
    v0, t0, t1 = (np.asarray(a, dtype=np.float64) for a in (v0, tau0, tau1))
    eta, sigma, eps = params.eta, params.sigma, params.eps
    rT = (1.0 + t1) / (1.0 + t0)
    dt_rel = rT - 1.0                                   # dt / (1 + t0)
    supply = np.where(np.isfinite(eps), 1.0 - eta / np.where(np.isfinite(eps), eps, 1.0), 1.0)
    creation = v0 * eta * dt_rel / supply

    M = mk.sum(v0)[mk.market]
    others = M - v0
    g = -dt_rel
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = v0 + others + v0 * sigma * g
        td = np.where((others > 0) & (denom != 0), v0 * others * sigma * g / denom, 0.0)
        # what k gains, the others lose in proportion to their imports
        per_other = np.where(others > 0, td / others, 0.0)
    taken = mk.sum(per_other)[mk.market] - per_other     # sum over k != j of TD_k / M_K(k)
    diversion = td - v0 * taken

    m1 = v0 + creation + diversion
    negative = m1 < 0
    m1 = np.maximum(m1, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rp = 1.0 + np.where(np.isfinite(eps), eta / (np.where(np.isfinite(eps), eps, 1.0) - eta), 0.0) * dt_rel
        ratio = np.where(v0 > 0, m1 / v0, 1.0)
    notes: tuple[str, ...] = ()
    if negative.any():
        notes = (f"smart: {int(negative.sum())} flow(s) would fall below zero under the first-order formulas; "
                 "set to zero.",)
    nan = np.full(len(v0), np.nan)
    return Outcome(quantity_ratio=ratio, price_ratio=rp, value_new=m1 * rp, consumer_surplus=nan,
                   producer_surplus=nan, solver={"method": "closed form (Laird-Yeats)"}, notes=notes)
