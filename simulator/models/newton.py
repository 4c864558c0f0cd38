"""Newton's method for a system with one unknown per supplier whose Jacobian is a diagonal less one rank-one term
per market,

    J = D - sum_m u_m v_m^T          (u_m and v_m nonzero only on the suppliers that sell into market m)

(armington's supply conditions; a ``System`` says what the equations are). Woodbury reduces each step to one equation per
market, (I - V^T D^-1 U) y = V^T D^-1 r: diagonal when every supplier sells into one market (Sherman-Morrison, market
by market), a system coupling the markets that share a supplier otherwise, solved exactly while it is small (dense,
a batch of small dense blocks, or sparse) and by Jacobi sweeps beyond. A step moves no price by more than
``MAX_STEP`` in logs and is backtracked market by market (group by group where markets are coupled); once most
markets have converged the rest are finished as a problem of their own; ``scipy.optimize.newton_krylov`` finishes
the rare solve Newton does not. A solve that does not converge is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TypeVar

import numpy as np

from ..errors import InputError, Problem
from ..markets import dense_groups

F_TOL = 1e-11
ACCEPT_TOL = 1e-8         # the largest residual reported as an answer (F_TOL is what the steps aim for)
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


@dataclass(frozen=True)
class Jacobian:
    """J = diag(d) - sum_m u_m v_m^T at a point: d per unknown; u and v per pair (the system's ``pf_unknown``,
    ``pf_market``) of a supplier and a market it sells into."""

    d: np.ndarray
    u: np.ndarray
    v: np.ndarray


class State(Protocol):
    """What a system knows at a point; the solver reads only the residual."""

    @property
    def r(self) -> np.ndarray:
        """The residual of each unknown."""


S = TypeVar("S", bound=State)


class System(Protocol[S]):
    name: str                       # what is solved, for messages: "armington with finite export supply"
    n_unknowns: int
    n_markets: int
    pf_unknown: np.ndarray          # per pair of a supplier and a market it sells into: the supplier's unknown
    pf_market: np.ndarray           # ... and the market
    market_size: np.ndarray         # per market, the flows evaluating it costs
    coupling: Coupling              # how the markets' equations couple (``Coupling(pf_unknown, pf_market, n_markets)``)

    def evaluate(self, x: np.ndarray) -> S: ...

    def evaluate_again(self, x: np.ndarray, markets: np.ndarray, into: S) -> S:
        """``into``, the state at a point that differs from ``x`` only in the suppliers of the markets marked in
        ``markets`` (whole groups of coupled markets), brought to ``x``: the numbers of ``evaluate(x)``, bit for
        bit."""

    def jacobian(self, state: S) -> Jacobian: ...

    def apart(self, markets: np.ndarray) -> tuple[System[S], np.ndarray]:
        """The system on the markets marked (with every market that shares a supplier with one), and the index
        among this system's unknowns of each of its unknowns."""


@dataclass(frozen=True)
class Solved:
    x: np.ndarray
    method: str
    iterations: int
    residual: float                 # the largest, at the answer
    state: State | None = None      # the system evaluated at x, when the last evaluation was at x itself


def components(pf_market: np.ndarray, pf_unknown: np.ndarray, n_markets: int, n_free: int) -> np.ndarray:
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


class Coupling:
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
            _, self.group = dense_groups(components(pf_market, pf_unknown, n_markets, self.n_free), n_markets)
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


def solve(system: System[S], x: np.ndarray, polish: bool = True, depth: int = 0) -> Solved:
    """Newton from ``x``. With ``polish=False`` a solve Newton does not finish is an error at once, without the
    slower newton_krylov attempt. ``depth``: how many times the markets still open were already taken apart (at
    most twice)."""
    pf_unknown, pf_market, n_markets = system.pf_unknown, system.pf_market, system.n_markets
    n_free = system.n_unknowns
    coupling = system.coupling
    sup_market = np.zeros(n_free, dtype=np.int64)
    sup_market[pf_unknown] = pf_market

    @lru_cache(maxsize=1)
    def by_market():
        """Free pairs market by market: their markets' indices, where each starts, and their unknowns."""
        order = np.argsort(pf_market, kind="stable")
        markets_, starts = np.unique(pf_market[order], return_index=True)
        return markets_, starts, pf_unknown[order]

    def residual(x):
        return system.evaluate(x).r

    def merit(r):
        return np.bincount(pf_market, weights=r[pf_unknown] ** 2, minlength=n_markets)

    state = system.evaluate(x)
    history = np.zeros((MEMORY, n_markets))
    market_size = system.market_size
    may_shrink, settled = True, None               # settled: the residual, once a subproblem has finished
    iterations, method = 0, f"Newton ({coupling.method}, backtracking per market)"
    for iterations in range(1, MAX_NEWTON + 1):
        r = state.r
        if np.max(np.abs(r), initial=0.0) < F_TOL:
            break
        before = merit(r)
        if iterations >= SHRINK_AFTER and depth < 2 and may_shrink:
            # once most markets have converged, finish the rest as a problem of their own. A market is left out
            # only if it has converged and shares no supplier with one that has not, so it cannot move any more.
            open_market, grew = _unconverged(before >= (0.01 * F_TOL) ** 2, pf_unknown, pf_market, n_free,
                                             market_size, SHRINK_SHARE * market_size.sum())
            may_shrink = open_market is not None or not grew     # coupled through shared suppliers: stop trying
            if open_market is not None:
                part, back = system.apart(open_market)
                done = solve(part, x[back], polish, depth + 1)
                x = x.copy()
                x[back] = done.x
                # the residual at the answer: the subproblem's for its suppliers, unchanged for the others
                r = r.copy()
                r[back] = 0.0
                settled = max(float(np.max(np.abs(r), initial=0.0)), done.residual)
                iterations += done.iterations - 1           # this check, then the subproblem's steps and check
                method = done.method if "krylov" in done.method else method
                break
        jac = system.jacobian(state)
        d = jac.d
        u_d = jac.u / d[pf_unknown]
        a = r / d
        y = coupling.solve(jac.v, u_d, np.bincount(pf_market, weights=jac.v * a[pf_unknown], minlength=n_markets))
        step = a + np.bincount(pf_unknown, weights=u_d * y[pf_market], minlength=n_free)
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
            biggest = np.zeros(n_markets)
            biggest[markets_] = np.maximum.reduceat(np.abs(step[unknowns]), starts)
            widest = np.zeros(n_groups)
            np.maximum.at(widest, group, biggest)
            alpha = np.minimum(1.0, MAX_STEP / np.maximum(widest, 1e-300))
        reference_g = np.bincount(group, weights=reference, minlength=n_groups)
        trial, halved = state, None                 # trial: replaced by the first evaluation below
        for _ in range(MAX_HALVINGS):
            scale = coupling.per_supplier(alpha[group], sup_market)
            if halved is None or not coupling.exact:
                trial = system.evaluate(x - scale * step)
            else:
                # groups of markets share no supplier with each other: only the halved ones change
                trial = system.evaluate_again(x - scale * step, halved[group], trial)
            after = merit(trial.r)
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
            raise ConvergenceError(Problem(None, "model", f"{system.name}: Newton did not converge in "
                                           f"{MAX_NEWTON} steps"))
        from scipy import optimize  # only for the rare solve Newton does not finish
        method = "Newton per market, then scipy.optimize.newton_krylov"
        try:
            x = optimize.newton_krylov(residual, x, f_tol=F_TOL, maxiter=200, method="lgmres")
        except (optimize.NoConvergence, ValueError) as exc:
            x = exc.args[0] if exc.args and isinstance(exc.args[0], np.ndarray) else x
            res = float(np.max(np.abs(residual(x)))) if x.size else 0.0
            # short of newton_krylov's own tolerance but within the accepted one below: an answer, not a failure
            if not (np.isfinite(res) and res <= ACCEPT_TOL):
                raise ConvergenceError(Problem(None, "model", f"{system.name} did not converge "
                                               f"(largest residual {res:.3g}); try other elasticities"))
        state = system.evaluate(x)
    # the residual at the answer
    res = settled if settled is not None else (float(np.max(np.abs(state.r))) if x.size else 0.0)
    if not np.isfinite(res) or res > ACCEPT_TOL:
        raise ConvergenceError(Problem(None, "model", f"{system.name} did not converge "
                                       f"(largest residual {res:.3g})"))
    # after a subproblem, x is not where ``state`` was evaluated: the caller evaluates it again
    return Solved(x, method, iterations, res, None if settled is not None else state)
