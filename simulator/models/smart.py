"""WITS-SMART compatibility: the Laird-Yeats first-order formulas as WITS-SMART applies them (docs/MODELS.md,
``smart``).

Kept to reproduce SMART's numbers, never the default: the formulas apply the whole market's import demand
elasticity to one source's price and are linear in the tariff change.

SMART works on cells of one importer, one HS6 heading and one exporter: the lines of a cell are added up first
(value-weighted rates), the cell's result is computed, and each line gets the cell's result in proportion to its
base value, so how a flow is split into rows changes nothing. For a cell k of a market (importer and HS6):

    g_k  = dt_k / (1 + t0_k)                                            own tariff change
    a_k  = eta / (eps_k - eta)                                          (0 for price takers)
    TC_k = M_k eta g_k / (1 - eta / eps_k) = M_k eta (1 + a_k) g_k      trade creation
    rp_k = 1 + a_k g_k                                                  world price (SMART's price effect)
    f_k  = -(1 + a_k) g_k                                               fall in k's landed price, first order
    W_k  = max(0, 1 + sigma (f_k - f_ref)),  f_ref = min(0, max_j f_j)  SMART's substitution weight
    TD_k = M W_k M_k / sum_j W_j M_j - M_k                              trade diversion towards k

M_k is the cell's base value and M the market's. With one source moving against unchanged ones this is the
published formula TD_k = M_k M_K sigma f_k / (M_k + M_K + M_k sigma f_k) (M_K the others' imports); with several,
every pair of sources keeps SMART's relative-quantity response (x_k / x_j moves by W_k / W_j), diversion sums to
zero in the market, no source loses more than its imports (SMART's ceiling, W >= 0) and none gains more than the
others lose. The reference f_ref is the base (SMART's own reference: the sources whose price does not move), or,
where every source's landed price rises, the source whose price rises least: a rise common to every source
diverts nothing.

Surplus along SMART's linear curves, per line: consumer surplus -(p1 - p0) (m0 + m1) / 2 with p the landed
price per unit, p0 = 1 + t0 and p1 = rp (1 + t1), so that with price takers welfare (consumer surplus plus
tariff revenue) is (t0 + t1) (m1 - m0) / 2, the change in deadweight loss of WITS's welfare diagram; producer
surplus (rp - 1) (m0 + m1) / 2.
"""

from __future__ import annotations

import numpy as np

from . import Outcome, SolverReport

METHOD = "closed form (Laird-Yeats, as WITS-SMART: HS6 x importer x exporter cells)"


def _cells(v0: np.ndarray, t0: np.ndarray, t1: np.ndarray, mk):
    """SMART's cells (one exporter's lines in one market): each flow's cell, the cells' markets, base values and
    value-weighted rates (a cell without value takes its lines' plain mean: it has nothing to weight)."""
    cell, n_cells = mk.supplier_market
    cell_market = mk.pairs[1]
    V = np.bincount(cell, weights=v0, minlength=n_cells)
    count = np.bincount(cell, minlength=n_cells)
    rates = []
    for t in (t0, t1):
        weighted = np.bincount(cell, weights=v0 * t, minlength=n_cells)
        plain = np.bincount(cell, weights=t, minlength=n_cells)
        with np.errstate(invalid="ignore", divide="ignore"):
            rates.append(np.where(V > 0, weighted / np.where(V > 0, V, 1.0), plain / np.maximum(count, 1)))
    return cell, cell_market, V, rates[0], rates[1]


def solve(v0, tau0, tau1, params, markets) -> Outcome:
    mk = markets
    v0, t0, t1 = (np.asarray(a, dtype=np.float64) for a in (v0, tau0, tau1))
    cell, cell_market, V, T0, T1 = _cells(v0, t0, t1, mk)
    n_m = mk.n_markets
    # market parameters from the market's first line, the supplier's from its first (as the other models)
    eta = params.eta[mk.first][cell_market]
    sigma = params.sigma[mk.first][cell_market]
    eps = params.eps[mk.supplier_first][mk.pairs[0]]
    finite = np.isfinite(eps)
    e = np.where(finite, eps, 1.0)

    g = (T1 - T0) / (1.0 + T0)                          # dt / (1 + t0)
    # SMART's price effect: the world price moves by a g, the landed price to first order by (1 + a) g
    a = np.where(finite, eta / (e - eta), 0.0)
    creation = V * eta * (1.0 + a) * g                  # = M eta g / (1 - eta / eps)
    rp = 1.0 + a * g
    # on the linear supply curve the price cannot fall below where supply stops
    floor = np.where(finite, np.maximum(0.0, 1.0 - 1.0 / e), 0.0)
    at_floor = rp < floor
    rp = np.maximum(rp, floor)

    # trade diversion: SMART's substitution weights, normalised within the market
    fall = -(1.0 + a) * g
    traded = V > 0
    top = np.full(n_m, -np.inf)
    np.maximum.at(top, cell_market[traded], fall[traded])
    ref = np.minimum(0.0, np.where(np.isfinite(top), top, 0.0))
    weight = np.maximum(0.0, 1.0 + sigma * (fall - ref[cell_market]))
    ceiling = traded & (weight == 0.0)
    M = np.bincount(cell_market, weights=V, minlength=n_m)
    S = np.bincount(cell_market, weights=V * weight, minlength=n_m)
    with np.errstate(invalid="ignore", divide="ignore"):
        # S > 0 wherever M > 0: the reference source has weight >= 1
        diverted = np.where(traded, M[cell_market] * V * weight / np.where(S > 0, S, 1.0)[cell_market], 0.0)
    diversion = diverted - V

    # SMART adds creation and diversion, both from base imports. Where a tariff rise makes a source's creation and
    # diversion together larger than its imports, it can lose to diversion only what creation leaves it; the
    # sources that gain then share what the others actually lose, so diversion still sums to zero and no source
    # gains more than the others lose. (With tariff cuts, SMART's use, the losers' creation is zero: no change.)
    after_creation = np.maximum(V + creation, 0.0)
    below = traded & (V + creation < 0)
    lost = np.minimum(0.0, np.maximum(diversion, -after_creation))
    gain = np.maximum(diversion, 0.0)
    L = -np.bincount(cell_market, weights=lost, minlength=n_m)
    G = np.bincount(cell_market, weights=gain, minlength=n_m)
    capped = G > L * (1.0 + 1e-12)                      # more than rounding apart
    scale = np.where(capped, L / np.where(capped, G, 1.0), 1.0)
    diversion = lost + gain * scale[cell_market]

    m1 = np.where(traded, np.maximum(after_creation + diversion, 0.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio_cell = np.where(traded, m1 / np.where(traded, V, 1.0), 1.0)

    ratio = ratio_cell[cell]
    price = rp[cell]
    m1_line = v0 * ratio
    half = 0.5 * (v0 + m1_line)
    consumer = -(price * (1.0 + t1) - (1.0 + t0)) * half
    producer = (price - 1.0) * half

    notes = []
    if ceiling.any():
        notes.append(f"smart: {int(ceiling.sum())} HS6 x exporter cell(s) lose all their imports to trade diversion "
                     "(SMART's ceiling: diversion cannot exceed existing trade).")
    if below.any():
        notes.append(f"smart: {int(below.sum())} HS6 x exporter cell(s) would fall below zero under the first-order "
                     "creation formula; set to zero.")
    if capped.any():
        notes.append(f"smart: in {int(capped.sum())} market(s) the sources losing to diversion had less left after "
                     "creation than the formula takes; the gainers share what they lose (docs/MODELS.md, smart).")
    if at_floor.any():
        notes.append(f"smart: {int(at_floor.sum())} HS6 x exporter cell(s) reach the world price at which their "
                     "linear export supply stops; held there.")
    return Outcome(quantity_ratio=ratio, price_ratio=price, value_new=m1_line * price, consumer_surplus=consumer,
                   producer_surplus=producer, solver=SolverReport(METHOD, cells=int(V.size)), notes=tuple(notes))
