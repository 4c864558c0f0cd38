"""Exact two-stage CES (Armington) import demand, the default model (docs/MODELS.md, ``armington``).

Within each market (importer, HS6 product), with base shares at domestic prices
``s_k = T0_k v_k / E0`` and the change in each source's landed price ``rq_k = rp_k * rT_k``:

    rP ** (1 - sigma) = sum_k s_k * rq_k ** (1 - sigma)      (sigma = 1: rP = prod_k rq_k ** s_k)
    m1_k / m0_k       = (rq_k / rP) ** (-sigma) * rP ** eta

Price takers (eps = inf) need no solver. With finite export supply, each supplier's world price
(exporter and product, across every market it sells into) clears

    rp ** eps = sum_j v_j (m1_j / m0_j) / sum_j v_j

solved jointly for all suppliers in logs by Newton's method, each step exact (Woodbury: one equation per
market, coupled only through suppliers in several markets) and backtracked market by market;
``scipy.optimize.newton_krylov`` finishes the rare solve Newton does not. The residual is reported, and a
solve that does not converge is an error.

Consumer surplus is exact for the CES composite: dCS = -E0 (rP ** (1 + eta) - 1) / (1 + eta) per
market, shared among the market's flows by base spending; producer surplus per supplier
X0 (rp ** (1 + eps) - 1) / (1 + eps), shared by base value.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import InputError, Problem
from ..markets import dense_groups
from . import Outcome
from .constant import power_area, producer_surplus

F_TOL = 1e-11
MAX_NEWTON = 60
MAX_HALVINGS = 30
MAX_STEP = 5.0
DENSE_MARKETS = 500     # coupled markets solved as a dense system up to this many
SHRINK_AFTER = 2        # Newton steps on every market before the unconverged ones may go on alone
SHRINK_SHARE = 0.5      # ... if they hold less than this share of the flows
MEMORY = 5            # steps the non-monotone backtracking looks back
JACOBI_SWEEPS = 3       # for a coupling too large to solve exactly
MAX_BLOCK = 16          # groups of coupled markets up to this size are solved as a batch of dense blocks
MAX_COUPLING = 2_000_000    # entries of the markets' system beyond which suppliers in several markets are approximated


class ConvergenceError(InputError):
    pass


class WarmStart:
    """Where the next of a sequence of solves on the same markets starts: the last one's answer.

    Quotas and commitments solve the model many times with small changes; starting each solve from the last
    saves Newton steps. One run owns one (``api.run``), so no result depends on what ran before it."""

    def __init__(self) -> None:
        self.x: np.ndarray | None = None        # log world price of each supplier with a price to solve


def _components(pf_market: np.ndarray, pf_unknown: np.ndarray, n_markets: int, n_free: int) -> np.ndarray:
    """For each market, the first market of the group joined to it through suppliers in several markets.

    Each market starts as its own label; a supplier takes the smallest label of its markets, and a market the
    smallest of its suppliers, until nothing changes. A supplier sells one product, so a group never leaves the
    markets of one product and a few rounds settle it (no graph library to import for it)."""
    label = np.arange(n_markets)
    while True:
        sup = np.full(n_free, n_markets)
        np.minimum.at(sup, pf_unknown, label[pf_market])
        new = label.copy()
        np.minimum.at(new, pf_market, sup[pf_unknown])
        while True:                                    # a label is a market of the same group: follow it down
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new


class _Coupling:
    """The markets' equations of a Newton step, coupled by suppliers that sell into several markets."""

    def __init__(self, pf_unknown, pf_market, n_markets):
        self.pf_unknown, self.pf_market, self.n_markets = pf_unknown, pf_market, n_markets
        self.n_free = int(pf_unknown.max()) + 1 if pf_unknown.size else 0
        per_supplier = np.bincount(pf_unknown)
        shared = per_supplier[pf_unknown] > 1
        self.shared_unknown, self.shared_market = pf_unknown[shared], pf_market[shared]
        self.rows = self.cols = None
        entries = int((per_supplier[per_supplier > 1].astype(np.int64) ** 2).sum())
        if shared.any() and entries <= MAX_COUPLING:
            # every ordered pair (p, q), p != q, of free pairs of one supplier gives an entry (market p, market q)
            idx = np.flatnonzero(shared)
            idx = idx[np.argsort(pf_unknown[idx], kind="stable")]
            _, starts, counts = np.unique(pf_unknown[idx], return_index=True, return_counts=True)
            sq = counts.astype(np.int64) ** 2
            group = np.repeat(np.arange(counts.size), sq)
            within = np.arange(sq.sum()) - np.repeat(np.cumsum(sq) - sq, sq)
            k = counts[group]
            p, q = idx[starts[group] + within // k], idx[starts[group] + within % k]
            self.rows, self.cols = p[p != q], q[p != q]
            # only the coupled markets need the sparse solve; the others stay one division each
            self.coupled, local = dense_groups(np.r_[pf_market[self.rows], pf_market[self.cols]], n_markets)
            self.local_rows, self.local_cols = local[:self.rows.size], local[self.rows.size:]
        self.exact = not shared.any() or self.rows is not None
        # markets joined through shared suppliers: with the exact step, a group's step is a Newton direction only
        # if all its markets take it together, so backtracking shortens whole groups (each market alone otherwise)
        self.group = np.arange(n_markets)
        self.blocks = None
        if shared.any() and self.rows is not None:
            _, self.group = dense_groups(_components(pf_market, pf_unknown, n_markets, self.n_free), n_markets)
            # the coupled system is block diagonal, one block per group: small blocks are solved all at once
            _, block = dense_groups(self.group[self.coupled], n_markets)
            order = np.argsort(block, kind="stable")
            size = np.bincount(block)
            at = np.empty(block.size, dtype=np.int64)
            at[order] = np.arange(block.size) - np.repeat(np.cumsum(size) - size, size)
            if size.max() <= MAX_BLOCK:
                self.blocks = (block, at, int(size.max()), size.size)
        self.method = ("exact per market, Sherman-Morrison" if not shared.any() else
                       "exact, Woodbury: markets that share suppliers solved together" if self.rows is not None else
                       f"Woodbury, markets coupled by shared suppliers solved by {JACOBI_SWEEPS} Jacobi sweeps")

    def solve(self, v, u_d, rhs):
        """y with (I - V^T D^-1 U) y = rhs; v and u_d = u / d per free pair."""
        diag = 1.0 - np.bincount(self.pf_market, weights=v * u_d, minlength=self.n_markets)
        y = rhs / diag
        if not self.exact:
            # the system is too large to form: Jacobi sweeps, each one product with the markets' coupling
            # through shared suppliers (for pair p of supplier s in market m: v_p times s's other pairs' u_d y)
            for _ in range(JACOBI_SWEEPS):
                uy = u_d * y[self.pf_market]
                through = np.bincount(self.pf_unknown, weights=uy, minlength=self.n_free)[self.pf_unknown] - uy
                y = (rhs + np.bincount(self.pf_market, weights=v * through, minlength=self.n_markets)) / diag
        if self.rows is None:
            return y
        c, n = self.coupled, self.coupled.size
        rows, cols = np.r_[np.arange(n), self.local_rows], np.r_[np.arange(n), self.local_cols]
        values = np.r_[diag[c], -v[self.rows] * u_d[self.cols]]
        if n <= DENSE_MARKETS:                  # a small block: dense, and no sparse machinery to import
            k = np.zeros((n, n))
            np.add.at(k, (rows, cols), values)
            y[c] = np.linalg.solve(k, rhs[c])
            return y
        if self.blocks is not None:             # many small groups: one batched dense solve
            block, at, width, count = self.blocks
            k = np.zeros((count, width, width))
            k[:, np.arange(width), np.arange(width)] = 1.0        # the padding of a smaller group solves to 0
            k[block, at, at] = 0.0
            np.add.at(k, (block[rows], at[rows], at[cols]), values)
            b = np.zeros((count, width))
            b[block, at] = rhs[c]
            y[c] = np.linalg.solve(k, b[..., None])[block, at, 0]
            return y
        from scipy import sparse
        from scipy.sparse.linalg import spsolve
        y[c] = spsolve(sparse.coo_matrix((values, (rows, cols)), shape=(n, n)).tocsc(), rhs[c])
        return y

    def per_supplier(self, alpha, sup_market):
        """A market's step length for its suppliers; a supplier in several markets takes the smallest."""
        a = alpha[sup_market]
        if self.shared_unknown.size:
            np.minimum.at(a, self.shared_unknown, alpha[self.shared_market])
        return a


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


def _unconverged(open_market, pf_unknown, pf_market, n_free, market_flows, limit):
    """The open markets with every market that shares a supplier with one, and so on (the rest cannot move), if
    they hold fewer than `limit` flows, else None; and whether sharing added any."""
    grew = False
    while market_flows[open_market].sum() < limit:       # the set only grows: stop once it is too big
        open_supplier = np.zeros(n_free, dtype=bool)
        open_supplier[pf_unknown[open_market[pf_market]]] = True
        grown = open_market.copy()
        grown[pf_market[open_supplier[pf_unknown]]] = True
        if (grown == open_market).all():
            return open_market, grew
        open_market, grew = grown, True
    return None, grew


def _world_prices(dem: _Demand, v0, eps, start, polish, depth=0, warm: WarmStart | None = None):
    """Per flow, the log change of its supplier's world price with finite export supply; and the solver's report."""
    mk, sigma, eta = dem.mk, dem.sigma, dem.eta
    finite = np.isfinite(eps)
    # one unknown per supplier with finite supply elasticity
    sup_eps = np.full(mk.n_suppliers, np.inf)
    sup_eps[mk.supplier[finite]] = eps[finite]
    X0 = mk.supplier_sum(v0)
    free = np.flatnonzero(np.isfinite(sup_eps) & (X0 > 0))   # a supplier with no base sales has no price to solve
    where = np.full(mk.n_suppliers, -1)
    where[free] = np.arange(free.size)
    flow_unknown = where[mk.supplier]

    def expand(x):
        return np.append(x, 0.0)[flow_unknown]          # -1, a supplier with no price to solve, reads the 0

    # Newton steps. The Jacobian of the supply conditions is a diagonal matrix less one rank-one term per
    # market, J = D - sum_m u_m v_m^T (D_s = eps_s + sum_m w_sm sigma_m, u_sm = w_sm (sigma_m + eta_m), v_sm = the
    # supplier's share of market m at new prices, w_sm the share of its sales that go to m). Woodbury reduces
    # the step to one equation per market, (I - V^T D^-1 U) y = V^T D^-1 r: diagonal when every supplier sells
    # into one market (Sherman-Morrison, market by market), a sparse system coupling the markets that share a
    # supplier otherwise (exact while that system is small, by Jacobi sweeps beyond).
    pair, n_pairs = mk.supplier_market
    pair_supplier, pair_market, first_line = mk.pairs
    pf = np.flatnonzero(where[pair_supplier] >= 0)                # pairs of a supplier with a price to solve
    pf_unknown, pf_market = where[pair_supplier[pf]], pair_market[pf]
    sigma_pf = sigma[first_line[pf]]
    sigma_eta_pf = sigma_pf + eta[first_line[pf]]
    pf_supplier = pair_supplier[pf]
    eps_free, X0_free = sup_eps[free], X0[free]
    coupling = _Coupling(pf_unknown, pf_market, mk.n_markets)
    sup_market = np.zeros(free.size, dtype=np.int64)
    sup_market[pf_unknown] = pf_market

    @lru_cache(maxsize=1)
    def by_market():
        """Free pairs market by market: their markets' indices, where each starts, and their unknowns."""
        order = np.argsort(pf_market, kind="stable")
        markets_, starts = np.unique(pf_market[order], return_index=True)
        return markets_, starts, pf_unknown[order]

    # start from the given point, else the last solve of the same run; the answer does not depend on the start,
    # only the steps
    last = start[free] if start is not None else (warm.x if warm is not None else None)
    x = last.copy() if last is not None and last.shape == (free.size,) else np.zeros(free.size)

    def evaluate(x):
        ratio, _, weighted, total = dem.at(expand(x))
        sold_flow = v0 * ratio
        sold_all = mk.supplier_sum(sold_flow)
        r = eps_free * x - np.log(np.maximum(sold_all[free], 1e-300) / X0_free)
        return weighted, total, sold_flow, sold_all, r

    def evaluate_again(x, rows, into):
        """``into``, the state at a point that differs from x only in the suppliers of ``rows`` (every flow of some
        whole groups of markets), brought to x by evaluating those flows alone: each sum runs over the same flows
        in the same order as in ``evaluate``, so the numbers are the same to the last bit."""
        weighted, total, sold_flow, sold_all, r = into
        ratio, _, weighted[rows], again = dem.at(np.append(x, 0.0)[flow_unknown[rows]], rows)
        touched = np.unique(mk.market[rows])
        total[touched] = again[touched]
        sold_flow[rows] = v0[rows] * ratio
        suppliers = mk.supplier[rows]
        sold_all[suppliers] = np.bincount(suppliers, weights=sold_flow[rows], minlength=mk.n_suppliers)[suppliers]
        mine = np.unique(where[suppliers])
        mine = mine[mine >= 0]
        r[mine] = eps_free[mine] * x[mine] - np.log(np.maximum(sold_all[free[mine]], 1e-300) / X0_free[mine])
        return into

    def residual(x):
        return evaluate(x)[-1]

    def merit(r):
        return np.bincount(pf_market, weights=r[pf_unknown] ** 2, minlength=mk.n_markets)

    state = evaluate(x)
    history = np.zeros((MEMORY, mk.n_markets))
    market_flows = np.bincount(mk.market, minlength=mk.n_markets)
    may_shrink, settled = True, None
    iterations, method = 0, f"Newton ({coupling.method}, backtracking per market)"
    for iterations in range(1, MAX_NEWTON + 1):
        weighted, total, sold_flow, sold_all, r = state
        if np.max(np.abs(r), initial=0.0) < F_TOL:
            break
        before = merit(r)
        if iterations >= SHRINK_AFTER and depth < 2 and may_shrink:
            # once most markets have converged, finish the rest as a problem of their own. A market is left out
            # only if it has converged and shares no supplier with one that has not, so it cannot move any more.
            open_market, grew = _unconverged(before >= (0.01 * F_TOL) ** 2, pf_unknown, pf_market, free.size,
                                             market_flows, SHRINK_SHARE * mk.market.size)
            may_shrink = open_market is not None or not grew     # coupled through shared suppliers: stop trying
            if open_market is not None:
                sel = np.flatnonzero(open_market[mk.market])
                sub, sup_ids = mk.subset(sel)
                xs = np.zeros(mk.n_suppliers)
                xs[free] = x
                log_rp_sub, info = _world_prices(dem.subset(sel, sub), v0[sel], eps[sel], xs[sup_ids], polish,
                                                 depth + 1)
                xs[sup_ids[sub.supplier]] = log_rp_sub
                x, state = xs[free], None
                # the residual at the answer: the subproblem's for its suppliers, unchanged for the others
                moved = where[sup_ids]
                r = r.copy()
                r[moved[moved >= 0]] = 0.0
                settled = max(float(np.max(np.abs(r), initial=0.0)), info["residual"])
                iterations += info["iterations"] - 1        # this check, then the subproblem's steps and check
                method = info["method"] if "krylov" in info["method"] else method
                break
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            s_line = weighted / total[mk.market]                                   # shares at new prices
            v = np.bincount(pair, weights=s_line, minlength=n_pairs)[pf]        # supplier's market share
            w = np.bincount(pair, weights=sold_flow, minlength=n_pairs)[pf] / np.maximum(sold_all[pf_supplier], 1e-300)
        d = eps_free + np.bincount(pf_unknown, weights=w * sigma_pf, minlength=free.size)
        u_d = w * sigma_eta_pf / d[pf_unknown]
        a = r / d
        y = coupling.solve(v, u_d, np.bincount(pf_market, weights=v * a[pf_unknown], minlength=mk.n_markets))
        step = a + np.bincount(pf_unknown, weights=u_d * y[pf_market], minlength=free.size)
        history[iterations % MEMORY] = before
        reference = before if coupling.exact else history.max(axis=0)
        # no market moves a price by more than MAX_STEP in logs at once; scaling the whole market's step keeps
        # it a Newton direction, so backtracking finds a decrease: in markets of near-perfect substitutes the
        # full step can cycle between two points. Each market's sum of squared residuals must fall (Armijo).
        # Where the step is approximate (suppliers in many markets) the test is non-monotone (Grippo-
        # Lampariello-Lucidi: below the largest of the last MEMORY steps), and a step that lowers the sum over
        # all markets goes ahead as plain Newton would; markets are held back only when it does not
        group, n_groups = coupling.group, int(coupling.group.max(initial=-1)) + 1
        alpha = np.ones(n_groups)
        if np.max(np.abs(step), initial=0.0) > MAX_STEP:
            markets_, starts, unknowns = by_market()
            biggest = np.zeros(mk.n_markets)
            biggest[markets_] = np.maximum.reduceat(np.abs(step[unknowns]), starts)
            widest = np.zeros(n_groups)
            np.maximum.at(widest, group, biggest)
            alpha = np.minimum(1.0, MAX_STEP / np.maximum(widest, 1e-300))
        reference_g = np.bincount(group, weights=reference, minlength=n_groups)
        trial, halved = None, None
        for _ in range(MAX_HALVINGS):
            scale = coupling.per_supplier(alpha[group], sup_market)
            if halved is None or not coupling.exact:
                trial = evaluate(x - scale * step)
            else:
                # groups of markets share no supplier with each other: only the halved ones change
                trial = evaluate_again(x - scale * step, np.flatnonzero(halved[group][mk.market]), trial)
            after = merit(trial[-1])
            if not coupling.exact and after.sum() < reference.sum():
                break                        # an approximate step that lowers the total goes ahead
            after_g = np.bincount(group, weights=after, minlength=n_groups)
            worse = ~((after_g <= (1.0 - 1e-4 * alpha) * reference_g) | (after_g < F_TOL ** 2))
            if not worse.any():
                break
            alpha[worse] *= 0.5
            halved = worse
        x, state = x - scale * step, trial
    else:
        if not polish:
            raise ConvergenceError(Problem(None, "model", "armington with finite export supply: Newton did not "
                                           f"converge in {MAX_NEWTON} steps"))
        from scipy import optimize  # only for the rare solve Newton does not finish
        method = "Newton per market, then scipy.optimize.newton_krylov"
        state = None
        try:
            x = optimize.newton_krylov(residual, x, f_tol=F_TOL, maxiter=200, method="lgmres")
        except (optimize.NoConvergence, ValueError) as exc:
            x = exc.args[0] if exc.args and isinstance(exc.args[0], np.ndarray) else x
            res = float(np.max(np.abs(residual(x)))) if x.size else 0.0
            raise ConvergenceError(Problem(None, "model", f"armington with finite export supply did not converge "
                                           f"(largest residual {res:.3g}); try other elasticities"))
    # the residual at the answer: already known unless it came from newton_krylov
    if settled is not None:
        res = settled
    else:
        final = state[-1] if state is not None else residual(x)
        res = float(np.max(np.abs(final))) if x.size else 0.0
    if not np.isfinite(res) or res > 1e-8:
        raise ConvergenceError(Problem(None, "model", f"armington with finite export supply did not converge "
                                       f"(largest residual {res:.3g})"))
    if start is None and warm is not None:
        warm.x = x.copy()
    return expand(x), {"method": method, "iterations": iterations, "unknowns": int(free.size), "residual": res,
                       "tolerance": F_TOL}


def solve(v0, tau0, tau1, params, markets, polish: bool = True, start: np.ndarray | None = None,
          warm: WarmStart | None = None) -> Outcome:
    """The model; with ``polish=False`` a Newton solve that does not converge is an error at once, without the
    slower newton_krylov attempt (for large stacked problems that are retried piece by piece). ``start``: per supplier,
    the log world price to start Newton from (e.g. the point solution, for draws of the elasticities); else ``warm``,
    the run's last answer, which this solve then updates."""
    mk = markets
    v0, t0, t1 = (np.asarray(a, dtype=np.float64) for a in (v0, tau0, tau1))
    sigma, eta, eps = params.sigma, params.eta, params.eps
    log_rT = np.log1p(t1)
    log_rT -= np.log1p(t0)
    share = np.add(t0, 1.0)
    share *= v0                                         # base spending at domestic prices
    E0 = mk.sum(share)
    with np.errstate(invalid="ignore", divide="ignore"):
        share /= E0[mk.market]
    if not E0.all():
        share[(E0 == 0)[mk.market]] = 0.0
    dem = _Demand(mk, share, log_rT, sigma, eta, live=E0 > 0)

    log_rp, solver = None, {}
    if np.isfinite(eps).any():
        log_rp, solver = _world_prices(dem, v0, eps, start, polish, warm=warm)

    ratio, log_p, _, _ = dem.at(log_rp)
    # consumer surplus per market, shared among its flows by base spending
    dcs = (-power_area(E0, np.exp(log_p), dem.eta_m))[mk.market]
    dcs *= share
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
