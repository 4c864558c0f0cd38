"""Exact two-stage CES (Armington) import demand, the default model (docs/MODELS.md, ``armington``).

Within each market (importer, HS6 product), with base shares at domestic prices
``s_k = T0_k v_k / E0`` and the change in each source's landed price ``rq_k = rp_k * rT_k``:

    rP ** (1 - sigma) = sum_k s_k * rq_k ** (1 - sigma)      (sigma = 1: rP = prod_k rq_k ** s_k)
    m1_k / m0_k       = (rq_k / rP) ** (-sigma) * rP ** eta

Price takers (eps = inf) need no solver. With finite export supply, each supplier's world price
(exporter and product, across every market it sells into) clears

    rp ** eps = sum_j v_j (m1_j / m0_j) / sum_j v_j

solved jointly for all suppliers in logs by Newton's method (``newton``: each step exact by Woodbury, one
equation per market, coupled only through suppliers in several markets; backtracked market by market). This module
states the equations and their Jacobian; the residual is reported, and a solve that does not converge is an error.

Consumer surplus is exact for the CES composite: dCS = -E0 (rP ** (1 + eta) - 1) / (1 + eta) per
market, shared among the market's flows by base spending; producer surplus per supplier
X0 (rp ** (1 + eps) - 1) / (1 + eps), shared by base value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from . import Outcome, SolverReport, newton
from .constant import power_area, producer_surplus


class WarmStart:
    """Where the next of a sequence of solves on the same markets starts: the last one's answer.

    Quotas and commitments solve the model many times with small changes; starting each solve from the last
    saves Newton steps. One run owns one (``api.run``), so no result depends on what ran before it."""

    def __init__(self) -> None:
        self.x: np.ndarray | None = None        # log world price of each supplier with a price to solve


class _Demand:
    """CES demand in every market, with what stays fixed through a solve: base shares at domestic prices, tariff
    changes and the elasticities (sigma and eta are set per market)."""

    def __init__(self, mk, share, log_rT, sigma, eta, live=None):
        self.mk, self.share, self.log_rT, self.sigma, self.eta = mk, share, log_rT, sigma, eta
        self.one_minus_sigma = 1.0 - sigma
        first = mk.first
        self.sigma_m, self.eta_m = sigma[first], eta[first]
        self.cobb_douglas = np.abs(1.0 - self.sigma_m) < 1e-9
        self.live = mk.sum(share) > 0 if live is None else live      # markets with base spending

    def subset(self, flows, sub_mk) -> _Demand:
        """The same demand in the markets of the given flows (whole markets)."""
        return _Demand(sub_mk, self.share[flows], self.log_rT[flows], self.sigma[flows], self.eta[flows])

    def at(self, log_rp, rows=None):
        """Per flow m1/m0 and per market log rP at the suppliers' log world prices ``log_rp`` (None: unchanged);
        with the weights share * rq ** (1 - sigma) (scaled per market) and their market totals, whose ratio is
        each flow's share of its market at new prices. With ``rows`` (every flow of some whole markets, ascending)
        only those flows (``log_rp`` given for them) and their markets: the same numbers, summed in the same order."""
        mk = self.mk
        if rows is None:
            share, log_rT, one_minus_sigma, sigma, market = self.share, self.log_rT, self.one_minus_sigma, self.sigma, mk.market
        else:
            share, log_rT, one_minus_sigma, sigma, market = (a[rows] for a in (
                self.share, self.log_rT, self.one_minus_sigma, self.sigma, mk.market))
        log_rq = log_rT if log_rp is None else log_rT + log_rp
        # in place where it can be: at BACI scale every new array is 80 MB of fresh pages
        with np.errstate(over="ignore", invalid="ignore"):
            weighted = np.multiply(one_minus_sigma, log_rq)
            np.exp(weighted, out=weighted)
            np.multiply(weighted, share, out=weighted)
            total = np.bincount(market, weights=weighted, minlength=mk.n_markets)
        amax = np.zeros(mk.n_markets)
        bad = ~np.isfinite(total) | ((total < 1e-280) & self.live)
        if rows is not None:
            involved = np.zeros(mk.n_markets, dtype=bool)
            involved[market] = True
            bad &= involved
        if bad.any():
            # (1 - sigma) ln rq overflowed or underflowed in these markets (very large sigma and price changes):
            # a log-sum-exp there, shifted by the market's largest term
            lines = np.flatnonzero(bad[market] & (share > 0))
            a = one_minus_sigma[lines] * log_rq[lines]
            shift = np.full(mk.n_markets, -np.inf)
            np.maximum.at(shift, market[lines], a)
            amax[bad] = np.where(np.isfinite(shift[bad]), shift[bad], 0.0)
            weighted[bad[market]] = 0.0
            weighted[lines] = share[lines] * np.exp(a - amax[market[lines]])
            total = np.where(bad, np.bincount(market[lines], weights=weighted[lines], minlength=mk.n_markets), total)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_p = (amax + np.log(total)) / np.where(self.cobb_douglas, 1.0, 1.0 - self.sigma_m)
        if self.cobb_douglas.any():                         # sigma = 1: the geometric mean
            log_p = np.where(self.cobb_douglas, np.bincount(market, weights=share * log_rq, minlength=mk.n_markets),
                             log_p)
        if not self.live.all():
            # a market with no base spending has no price index to move: its flows stay at zero (m1/m0 = 1)
            log_p = np.where(self.live, log_p, 0.0)
        # m1/m0 = (rq / rP) ** -sigma * rP ** eta = exp((sigma + eta) ln rP - sigma ln rq)
        with np.errstate(over="ignore", invalid="ignore"):
            ratio = ((self.sigma_m + self.eta_m) * log_p)[market]
            ratio -= sigma * log_rq
            np.exp(ratio, out=ratio)
        if not self.live.all():
            dead = ~self.live[market]
            ratio[dead] = 1.0
            weighted[dead] = 0.0
        return ratio, log_p, weighted, total


@dataclass(frozen=True)
class _SupplyState:
    """The supply conditions at a point (``evaluate_again`` updates the arrays in place)."""

    weighted: np.ndarray            # per flow, share * rq ** (1 - sigma), scaled per market
    total: np.ndarray               # per market, their sum
    sold_flow: np.ndarray           # per flow, sales at base world prices, v0 m1/m0
    sold_all: np.ndarray            # per supplier, their sum
    r: np.ndarray                   # per unknown, the residual of its supply condition
    ratio: np.ndarray               # per flow, m1/m0
    log_p: np.ndarray               # per market, log rP


class SupplyLayout:
    """The supply system's shape: which suppliers have a price to solve, the pairs of a supplier and a market it
    sells into, and how the markets' equations couple. It depends on the markets, the base values and which export
    supply elasticities are finite, not on their values, so the draws of a band share one."""

    def __init__(self, mk, X0: np.ndarray, finite: np.ndarray) -> None:
        self.finite, self.markets, self.X0 = finite, mk, X0
        has_supply = np.zeros(mk.n_suppliers, dtype=bool)
        has_supply[mk.supplier[finite]] = True
        self.free = free = np.flatnonzero(has_supply & (X0 > 0))     # no base sales: no price to solve
        self.where = where = np.full(mk.n_suppliers, -1)
        where[free] = np.arange(free.size)
        self.flow_unknown = where[mk.supplier]
        self.X0_free = X0[free]
        # The Jacobian is a diagonal matrix less one rank-one term per market, J = D - sum_m u_m v_m^T
        # (D_s = eps_s + sum_m w_sm sigma_m, u_sm = w_sm (sigma_m + eta_m), v_sm = the supplier's share of market m at
        # new prices, w_sm the share of its sales that go to m), on the pairs of a supplier and a market it sells into
        self.pair, self.n_pairs = mk.supplier_market
        pair_supplier, pair_market, first_line = mk.pairs
        self.pf = pf = np.flatnonzero(where[pair_supplier] >= 0)       # pairs of a supplier with a price to solve
        self.pf_unknown, self.pf_market = where[pair_supplier[pf]], pair_market[pf]
        self.pf_supplier, self.pf_first_line = pair_supplier[pf], first_line[pf]
        # every pair one line (BACI-like data: one flow per exporter, importer and product): a pair's sums are its
        # line's values, read directly (the same numbers as summing one term)
        self.one_line = self.n_pairs == mk.market.size
        self.market_size = np.bincount(mk.market, minlength=mk.n_markets)
        self.coupling = newton.Coupling(self.pf_unknown, self.pf_market, mk.n_markets)

    def fits(self, finite: np.ndarray) -> bool:
        """Whether elasticities finite where these are can use this layout."""
        return finite is self.finite or np.array_equal(finite, self.finite)

    def serves(self, mk, X0: np.ndarray, finite: np.ndarray) -> bool:
        """Whether a solve on these markets, base sales and finite elasticities can use this layout."""
        return mk is self.markets and self.fits(finite) and (X0 is self.X0 or np.array_equal(X0, self.X0))


class SupplyLayouts:
    """The supply layout of the last solve, kept for the next one on the same markets (the dates of a path, the
    solves of an instrument): it depends on the markets, the base sales and which export supply elasticities are
    finite, never on the tariffs, so reusing it changes no number."""

    def __init__(self) -> None:
        self.last: SupplyLayout | None = None

    def get(self, mk, X0: np.ndarray, finite: np.ndarray) -> SupplyLayout:
        last = self.last                  # read once: another thread may replace it meanwhile
        if last is None or not last.serves(mk, X0, finite):
            last = self.last = SupplyLayout(mk, X0, finite)
        return last


class _Supply:
    """Every supplier with finite export supply clears, in logs, ``eps * log rp = log(sum_j v_j m1_j/m0_j / X0)``:
    one unknown, the log world price, per supplier with base sales (``newton.System``)."""

    name = "armington with finite export supply"

    def __init__(self, dem: _Demand, v0: np.ndarray, eps: np.ndarray, layout: SupplyLayout | None = None) -> None:
        mk, sigma, eta = dem.mk, dem.sigma, dem.eta
        self.dem, self.v0, self.eps, self.mk = dem, v0, eps, mk
        finite = np.isfinite(eps)
        lay = layout if layout is not None and layout.fits(finite) else SupplyLayout(mk, mk.supplier_sum(v0), finite)
        self.free, self.where, self.flow_unknown = lay.free, lay.where, lay.flow_unknown
        self.n_unknowns, self.n_markets = int(lay.free.size), mk.n_markets
        self.pair, self.n_pairs, self.pf = lay.pair, lay.n_pairs, lay.pf
        self.pf_unknown, self.pf_market, self.pf_supplier = lay.pf_unknown, lay.pf_market, lay.pf_supplier
        self.market_size, self.coupling = lay.market_size, lay.coupling
        self.one_line, self.pf_line = lay.one_line, lay.pf_first_line
        # one unknown per supplier with finite supply elasticity
        sup_eps = np.full(mk.n_suppliers, np.inf)
        sup_eps[mk.supplier[finite]] = eps[finite]
        first_line = lay.pf_first_line
        self.sigma_pf = sigma[first_line]
        self.sigma_eta_pf = self.sigma_pf + eta[first_line]
        self.eps_free, self.X0_free = sup_eps[lay.free], lay.X0_free

    def expand(self, x: np.ndarray) -> np.ndarray:
        """Per flow, its supplier's log world price change."""
        return np.append(x, 0.0)[self.flow_unknown]          # -1, a supplier with no price to solve, reads the 0

    def evaluate(self, x: np.ndarray) -> _SupplyState:
        ratio, log_p, weighted, total = self.dem.at(self.expand(x))
        sold_flow = self.v0 * ratio
        sold_all = self.mk.supplier_sum(sold_flow)
        r = self.eps_free * x - np.log(np.maximum(sold_all[self.free], 1e-300) / self.X0_free)
        return _SupplyState(weighted, total, sold_flow, sold_all, r, ratio, log_p)

    def evaluate_again(self, x: np.ndarray, markets: np.ndarray, into: _SupplyState) -> _SupplyState:
        """Only the flows of the marked markets evaluated: each sum runs over the same flows in the same order as
        in ``evaluate``, so the numbers are the same to the last bit."""
        mk, free, where = self.mk, self.free, self.where
        rows = np.flatnonzero(markets[mk.market])
        ratio, log_p, into.weighted[rows], again = self.dem.at(np.append(x, 0.0)[self.flow_unknown[rows]], rows)
        touched = np.unique(mk.market[rows])
        into.total[touched] = again[touched]
        into.log_p[touched] = log_p[touched]
        into.ratio[rows] = ratio
        into.sold_flow[rows] = self.v0[rows] * ratio
        suppliers = mk.supplier[rows]
        into.sold_all[suppliers] = np.bincount(suppliers, weights=into.sold_flow[rows],
                                               minlength=mk.n_suppliers)[suppliers]
        mine = np.unique(where[suppliers])
        mine = mine[mine >= 0]
        into.r[mine] = self.eps_free[mine] * x[mine] - np.log(np.maximum(into.sold_all[free[mine]], 1e-300)
                                                              / self.X0_free[mine])
        return into

    def jacobian(self, state: _SupplyState) -> newton.Jacobian:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.one_line:
                line = self.pf_line
                v = state.weighted[line] / state.total[self.pf_market]             # supplier's market share
                sold = state.sold_flow[line]
            else:
                s_line = state.weighted / state.total[self.mk.market]               # shares at new prices
                v = np.bincount(self.pair, weights=s_line, minlength=self.n_pairs)[self.pf]
                sold = np.bincount(self.pair, weights=state.sold_flow, minlength=self.n_pairs)[self.pf]
            w = sold / np.maximum(state.sold_all[self.pf_supplier], 1e-300)
        d = self.eps_free + np.bincount(self.pf_unknown, weights=w * self.sigma_pf, minlength=self.n_unknowns)
        return newton.Jacobian(d=d, u=w * self.sigma_eta_pf, v=v)

    def apart(self, markets: np.ndarray) -> tuple[_Supply, np.ndarray]:
        sel = np.flatnonzero(markets[self.mk.market])
        sub, sup_ids = self.mk.subset(sel)
        part = _Supply(self.dem.subset(sel, sub), self.v0[sel], self.eps[sel])
        return part, self.where[sup_ids[part.free]]


def _world_prices(dem: _Demand, v0, eps, start, polish, warm: WarmStart | None = None,
                  layout: SupplyLayout | None = None):
    """Per flow, the log change of its supplier's world price with finite export supply; the solver's last state if
    it is at the answer; and the solver's report."""
    supply = _Supply(dem, v0, eps, layout)
    free = supply.free
    # start from the given point, else the last solve of the same run; the answer does not depend on the start,
    # only the steps
    last = start[free] if start is not None else (warm.x if warm is not None else None)
    x = last.copy() if last is not None and last.shape == (free.size,) else np.zeros(free.size)
    done = newton.solve(supply, x, polish)
    if start is None and warm is not None:
        warm.x = done.x.copy()
    return supply.expand(done.x), cast(_SupplyState | None, done.state), {
        "method": done.method, "iterations": done.iterations, "unknowns": int(free.size), "residual": done.residual,
        "tolerance": newton.F_TOL}


class Prepared:
    """What solves of the same flows, tariffs and markets share whatever the elasticities (the draws of a band):
    the tariff changes, the base shares and spending, and the supply layout for the export supply elasticities
    finite where ``eps`` is. Built once; read, never written, by the solves (threads may share it)."""

    def __init__(self, v0, tau0, tau1, markets, eps: np.ndarray, layouts: SupplyLayouts | None = None) -> None:
        mk = markets
        self._inputs = (v0, tau0, tau1, markets)          # as given: asarray copies an unpickled array's dtype
        self.v0, self.t0, self.t1 = (np.asarray(a, dtype=np.float64) for a in (v0, tau0, tau1))
        self.log_rT = np.log1p(self.t1)
        self.log_rT -= np.log1p(self.t0)
        share = np.add(self.t0, 1.0)
        share *= self.v0                                    # base spending at domestic prices
        self.E0 = E0 = mk.sum(share)
        with np.errstate(invalid="ignore", divide="ignore"):
            share /= E0[mk.market]
        if not E0.all():
            share[(E0 == 0)[mk.market]] = 0.0
        self.share, self.live = share, E0 > 0
        finite = np.isfinite(eps)
        # price takers need neither the suppliers' base sales nor a supply layout
        self.X0 = mk.supplier_sum(self.v0) if finite.any() else None
        self.supply = None if self.X0 is None else (layouts or SupplyLayouts()).get(mk, self.X0, finite)

    def of(self, v0, tau0, tau1, markets) -> Prepared:
        """This, if it was prepared from these very arrays; a solve never reads what was prepared for others."""
        if not all(given is mine for given, mine in zip((v0, tau0, tau1, markets), self._inputs)):
            raise ValueError("prepared for other flows, tariffs or markets")
        return self


def solve(v0, tau0, tau1, params, markets, polish: bool = True, start: np.ndarray | None = None,
          warm: WarmStart | None = None, prepared: Prepared | None = None,
          layouts: SupplyLayouts | None = None) -> Outcome:
    """The model; with ``polish=False`` a Newton solve that does not converge is an error at once, without the
    slower newton_krylov attempt (for large stacked problems that are retried piece by piece). ``start``: per supplier,
    the log world price to start Newton from (e.g. the point solution, for draws of the elasticities); else ``warm``,
    the run's last answer, which this solve then updates. ``prepared``: what depends only on the flows, tariffs and
    markets, computed once for many solves (``Prepared``); the same numbers as without. ``layouts``: where the supply
    layout of the last solve on the same markets is kept for this one (``SupplyLayouts``); the same numbers too."""
    mk = markets
    if prepared is not None:
        base = prepared.of(v0, tau0, tau1, mk)
    else:
        base = Prepared(v0, tau0, tau1, mk, params.eps, layouts)
    v0, E0, share, X0 = base.v0, base.E0, base.share, base.X0
    sigma, eta, eps = params.sigma, params.eta, params.eps
    dem = _Demand(mk, share, base.log_rT, sigma, eta, live=base.live)

    log_rp, at_answer, solver = None, None, {}
    if np.isfinite(eps).any():
        log_rp, at_answer, solver = _world_prices(dem, v0, eps, start, polish, warm=warm, layout=base.supply)
    # the solver's last evaluation was at the answer: the same numbers as evaluating it again, without the work
    ratio, log_p = (at_answer.ratio, at_answer.log_p) if at_answer is not None else dem.at(log_rp)[:2]
    # consumer surplus per market, shared among its flows by base spending
    dcs = (-power_area(E0, np.exp(log_p), dem.eta_m))[mk.market]
    dcs *= share
    if log_rp is None:                                   # price takers: no world price moves, no producer surplus
        return Outcome(quantity_ratio=ratio, price_ratio=np.ones(len(v0)), value_new=v0 * ratio,
                       consumer_surplus=dcs, producer_surplus=np.zeros(len(v0)), solver=None)
    rp = np.exp(log_rp)
    if X0 is None:                                       # prepared for price takers, solved with finite supply
        X0 = mk.supplier_sum(v0)
    # producer surplus per supplier, shared by base value
    first_s = mk.supplier_first
    dps_sup = producer_surplus(X0, rp[first_s], eps[first_s])
    with np.errstate(invalid="ignore", divide="ignore"):
        dps = np.where(X0[mk.supplier] > 0, dps_sup[mk.supplier] * v0 / X0[mk.supplier], 0.0)
    return Outcome(quantity_ratio=ratio, price_ratio=rp, value_new=v0 * ratio * rp,
                   consumer_surplus=dcs, producer_surplus=dps, solver=SolverReport(**solver))
