"""Uncertainty bands: elasticities drawn from stated distributions, the model solved for many draws at once.

Distributions, centred on each scenario's point values (the median of every distribution is the point value):

- substitution (per market): lognormal, the posterior of the robust estimate (``data.elasticities``): for a US HS6
  market, log-sd sqrt(w se^2), with w the weight of its own estimates and se^2 their sampling variance; elsewhere
  the median of those.
- import demand (per market): -|eta| times a lognormal factor with log-sd 0.3 (a stated assumption).
- export supply (per supplier): lognormal with log-sd 0.5 (a stated assumption); price takers stay price takers.

Drawn substitution elasticities are kept between the smallest estimate and the robust cap (``sigma_range``).

Draws are independent across markets and suppliers. For the closed forms (constant, smart, armington with price
takers) the draws axis is folded into the flow axis: a chunk of D draws is solved as one problem of D copies of the
markets, each with its own elasticities, by the same vectorised model, never by a loop over draws. A draw that
Newton solves (finite export supply, starting from the point solution) and a gsim draw are chunks of their own
(``DrawProblem.stacks``), so no draw's bits depend on the draws beside it. Quotas, commitments and specific duties
need their own instrument solve per draw, so those scenarios go draw by draw. Every draw has its own seed (spawned
from the run's seed), so draw k is the same numbers whatever chunk it falls in and whether the chunks run in threads
here or on a Dask cluster.
"""

from __future__ import annotations

import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any, cast

import numpy as np

from . import equilibrium
from .data import elasticities as bundled
from .equilibrium import Solution
from .errors import InputError
from .flows import Flows
from .headline import Band, Figure
from .markets import Markets, markets
from .models import MODELS, armington
from .parameters import Parameters
from .progress import Progress, Steps
from .results import Result
from .schedule import Schedule

ETA_LOGSD = 0.3
EPS_LOGSD = 0.5
FLOWS_PER_CHUNK = 125_000        # small chunks stay in the processor's cache (measured fastest); bounds memory
PERCENTILES = (5, 50, 95)


def sigma_range() -> tuple[float, float]:
    """Drawn elasticities of substitution are kept between the smallest Broda-Weinstein estimate and the cap of
    the robust treatment (``data.elasticities``): the cap is part of what the point values assume."""
    r = bundled.robust_us_hs6()
    return r.lowest, r.cap


def sigma_logsd(flows: Flows, mk: Markets) -> np.ndarray:
    """Per market: the log-sd of its elasticity of substitution, the posterior log-sd of the robust estimate for a
    US HS6 market; elsewhere the median of those."""
    r = bundled.robust_us_hs6()
    pooled = float(r.logsd.median())
    first = mk.first
    out = np.full(mk.n_markets, pooled)
    if "USA" in flows.countries:
        us = flows.importer[first] == flows.index("USA")
        code, digits = mk.product[first] // 16, mk.product[first] % 16
        pick = np.flatnonzero(us & (digits == 6))
        out[pick] = r.logsd.reindex(code[pick]).fillna(pooled).to_numpy()
    return out


@dataclass(frozen=True)
class Draws:
    n: int
    seed: int

    def chunks(self, n_flows: int, flows_per_chunk: int | None = None,
               stacked: bool = True) -> list[tuple[int, list[np.random.SeedSequence]]]:
        """(draws in the chunk, the seed of each), of a fixed size for a given dataset. Every draw has its own seed,
        spawned from the run's, so draw k is the same numbers whatever chunk it falls in. ``stacked=False``: one
        draw a chunk, for draws that cannot be solved as one stacked problem (``DrawProblem.stacks``)."""
        size = max(1, min(self.n, (flows_per_chunk or FLOWS_PER_CHUNK) // max(n_flows, 1))) if stacked else 1
        seeds = np.random.SeedSequence(self.seed).spawn(self.n)
        return [(len(part), part) for part in (seeds[i:i + size] for i in range(0, self.n, size))]


@dataclass(frozen=True, eq=False)
class DrawProblem:
    """Everything a chunk needs, picklable for a Dask worker."""

    flows: Flows
    sched: Schedule
    solution: Solution            # the point solution: wedges, and the world prices each draw starts from
    params: Parameters
    model: str
    sigma_sd: np.ndarray          # per market, log-sd of the elasticity of substitution
    shown: str = "scenario"

    @property
    def has_instruments(self) -> bool:
        """Quotas, commitments or specific duties: each draw needs its own instrument solve."""
        return bool(self.sched.quotas or self.sched.commitments or np.any(self.sched.specific_ave0))

    @property
    def stacks(self) -> bool:
        """Whether a chunk's draws are solved as one stacked problem whose every number is what each draw alone
        gives. The closed forms per market do (constant, smart, armington with price takers); a Newton solve of
        world prices (finite export supply) does not (its stop is shared); gsim's cells are (product, exporter,
        importer), which the copies of the markets share, so its draws would pool; and draws with an instrument
        solve go one by one anyway."""
        iterative = self.model == "armington" and bool(np.isfinite(self.params.eps).any())
        return not (iterative or self.model == "gsim" or self.has_instruments)

    @cached_property
    def cells(self) -> _Cells:
        """The units the draws are solved on, whatever the chunk sizes (``_Cells``)."""
        return _Cells(self)

    @cached_property
    def start(self) -> np.ndarray | None:
        """Per supplier, the log world price of the point solution (where each draw's Newton starts)."""
        if self.model != "armington":
            return None
        mk = markets(self.flows)
        return np.log(self.solution.outcome.price_ratio[mk.supplier_first])


def _tile_markets(mk: Markets, d: int, n: int) -> Markets:
    off = np.arange(d)[:, None]
    return Markets(
        market=(mk.market[None, :] + off * mk.n_markets).ravel(), n_markets=mk.n_markets * d,
        supplier=(mk.supplier[None, :] + off * mk.n_suppliers).ravel(), n_suppliers=mk.n_suppliers * d,
        product=np.tile(mk.product, d), imp_country=np.tile(mk.imp_country, d), exp_country=np.tile(mk.exp_country, d),
        order=(mk.order[None, :] + off * n).ravel(), starts=(mk.starts[None, :] + off * n).ravel())


def _model(problem: DrawProblem, start=None, polish=True, prepared: armington.Prepared | None = None):
    solve = MODELS[problem.model]
    return partial(solve, polish=polish, start=start, prepared=prepared) if problem.model == "armington" else solve


def _one_draw(problem: DrawProblem, params: Parameters) -> dict[str, np.ndarray] | None:
    """One draw with its own instrument solve; None if it does not converge."""
    flows, mk = problem.flows, markets(problem.flows)
    last = {"x": problem.start}

    def model(t0, t1):
        # each solve starts from the previous one of the same draw (the instrument solve makes many, close
        # together), the first from the point solution: the same steps wherever the draw runs
        out = _model(problem, last["x"])(flows.value, t0, t1, params, mk)
        if last["x"] is not None:
            last["x"] = np.log(out.price_ratio[mk.supplier_first])
        return out

    try:
        sol = equilibrium.solve(flows, problem.sched, model, problem.shown)
    except InputError:
        return None
    o = sol.outcome
    return {"value": o.value_new, "revenue": sol.tariff1 * o.value_new, "cs": np.nan_to_num(o.consumer_surplus),
            "ps": np.nan_to_num(o.producer_surplus), "rent_imp": sol.rent_importer, "rent_exp": sol.rent_exporter,
            "cost": sol.commitment_cost}


def _cells_draw(problem: DrawProblem, cells: _Cells, params: Parameters) -> dict[str, Any] | None:
    """One draw without instruments on the cells, alone and polished (after its chunk's solve failed); None if it
    does not converge."""
    try:
        out = _model(problem, problem.start)(cells.value, cells.tau0, cells.tau1, params, cells.markets)
    except InputError:
        return None
    return _without_instruments(out.value_new, out, cells.tariff1)


def _without_instruments(value: np.ndarray, out, tariff1: np.ndarray) -> dict[str, Any]:
    """What a draw without instruments gives per cell: new values, duty, surplus; no rents, no commitment cost."""
    return {"value": value, "revenue": tariff1 * value, "cs": np.nan_to_num(out.consumer_surplus),
            "ps": np.nan_to_num(out.producer_surplus), "rent_imp": 0.0, "rent_exp": 0.0, "cost": 0.0}


def pair_codes(flows: Flows) -> np.ndarray:
    """The (exporter, importer) pairs of the flows as sorted codes ``exporter * C + importer``: the columns of the
    draws' pair sums."""
    C = len(flows.countries)
    return np.unique(flows.exporter.astype(np.int64) * C + flows.importer)


class _Cells:
    """The units a chunk's draws are solved on. For ``armington`` without instrument solves: the flows merged where
    no draw can tell them apart (one market, one supplier, the same tariffs before and after and the same duty
    collected), each cell its flows' base value: a supplier's lines of one HS6 heading that pay the same rates
    enter the CES aggregate as one variety of their summed value, so the equations, and so the answer, are the same
    with fewer terms (on the bundled world data 362,854 flows are 239,030 cells on the measures in force). Else the
    flows themselves."""

    merge = True         # False: every flow a cell of its own (the same numbers to rounding, slower; for checking)

    def __init__(self, problem: DrawProblem) -> None:
        flows, sol, mk = problem.flows, problem.solution, markets(problem.flows)
        n = len(flows)
        if not self.merge or problem.model != "armington" or problem.has_instruments or n == 0:
            of_flow, first = np.arange(n), np.arange(n)
        else:
            keys = (sol.tariff1, sol.tau1, sol.tau0, mk.supplier, mk.market)      # the market first, then ...
            order = np.lexsort(keys)                                               # ... the flow's position
            new = np.zeros(n, dtype=bool)
            new[0] = True
            for k in keys:
                ks = k[order]
                new[1:] |= ks[1:] != ks[:-1]
            # cells in the order of their first flows, whatever the numbering of markets and suppliers (a Dask
            # worker numbers them afresh): the sums over cells run in the same order everywhere
            first = order[new]                      # lexsort is stable: the first flow of each cell
            rank = np.empty(first.size, dtype=np.int64)
            rank[np.argsort(first)] = np.arange(first.size)
            of_flow = np.empty(n, dtype=np.int64)
            of_flow[order] = rank[np.cumsum(new) - 1]
            first = np.sort(first)
            if first.size == n:                     # nothing to merge: the flows themselves
                of_flow, first = np.arange(n), np.arange(n)
        self.first, self.n = first, first.size
        self.merged = self.n < n
        self.value = np.bincount(of_flow, weights=flows.value, minlength=self.n) if self.merged else flows.value
        self.tau0, self.tau1, self.tariff1 = sol.tau0[first], sol.tau1[first], sol.tariff1[first]
        self.importer, self.exporter = flows.importer[first], flows.exporter[first]
        self.markets = mk.on_lines(first) if self.merged else mk


class _Layout:
    """Arrays of a chunk of `count` draws that do not depend on the draws: tiled markets and cells (``_Cells``), and
    the indices that sum cells by draw and pair or country. Built once per chunk size and reused."""

    def __init__(self, problem: DrawProblem, count: int):
        flows, cells = problem.flows, problem.cells
        n, C = cells.n, len(flows.countries)
        mk = cells.markets
        self.cells, self.n = cells, n
        self.markets = mk if count == 1 else _tile_markets(mk, count, n)
        self.v0, self.tau0, self.tau1 = (np.tile(a, count) for a in (cells.value, cells.tau0, cells.tau1))
        self.start = None if problem.start is None else np.tile(problem.start, count)
        # what every draw's solve shares: base shares, tariff changes, the supply layout (the same numbers)
        self.prepared = (armington.Prepared(self.v0, self.tau0, self.tau1, self.markets,
                                            np.tile(problem.params.eps[cells.first], count))
                         if problem.model == "armington" else None)
        draw = np.arange(count)[:, None]
        # the pairs that trade, not every country by every other: a draw keeps hundreds of sums, not C * C
        codes = pair_codes(flows)
        self.P = len(codes)
        pair = np.searchsorted(codes, cells.exporter.astype(np.int64) * C + cells.importer)
        self.pair = (draw * self.P + pair).ravel()
        self.imp = (draw * C + cells.importer).ravel()
        self.exp = (draw * C + cells.exporter).ravel()
        self.count, self.C = count, C

    def by_pair(self, w):
        return np.bincount(self.pair, weights=w.ravel(), minlength=self.count * self.P).reshape(self.count, -1)

    def by_importer(self, w):
        return np.bincount(self.imp, weights=w.ravel(), minlength=self.count * self.C).reshape(self.count, -1)

    def by_exporter(self, w):
        return np.bincount(self.exp, weights=w.ravel(), minlength=self.count * self.C).reshape(self.count, -1)


_LAYOUTS: weakref.WeakKeyDictionary[DrawProblem, dict] = weakref.WeakKeyDictionary()
_LAYOUT_LOCK = threading.Lock()


def _layout(problem: DrawProblem, count: int) -> _Layout:
    with _LAYOUT_LOCK:
        per_count = _LAYOUTS.setdefault(problem, {})
        if count not in per_count:
            per_count[count] = _Layout(problem, count)
        return per_count[count]


def solve_chunk(problem: DrawProblem, count: int, seeds: list[np.random.SeedSequence]) -> dict[str, np.ndarray]:
    """Draw `count` sets of elasticities, each from its own seed, and return per-draw headline arrays (draw x pair /
    country)."""
    flows, p = problem.flows, problem.params
    mk = markets(flows)
    first, sfirst = mk.first, mk.supplier_first
    eps_point = p.eps[sfirst]
    supply = np.isfinite(eps_point).any()          # price takers stay price takers: nothing to draw
    normals = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        normals.append((rng.standard_normal(mk.n_markets), rng.standard_normal(mk.n_markets),
                        rng.standard_normal(mk.n_suppliers) if supply else None))
    z_sigma, z_eta = np.stack([z[0] for z in normals]), np.stack([z[1] for z in normals])
    sigma = p.sigma[first] * np.exp(problem.sigma_sd * z_sigma)
    lo, hi = sigma_range()                  # widened to the point value where a scenario sets one outside it
    sigma = np.clip(sigma, np.minimum(lo, p.sigma[first]), np.maximum(hi, p.sigma[first]))
    eta = p.eta[first] * np.exp(ETA_LOGSD * z_eta)
    if supply:
        z_eps = np.stack([cast(np.ndarray, z[2]) for z in normals])    # drawn for each seed when supply
        eps = np.where(np.isfinite(eps_point), eps_point * np.exp(EPS_LOGSD * z_eps), np.inf)
    else:
        eps = np.broadcast_to(eps_point, (count, mk.n_suppliers))
    lay = _layout(problem, count)
    units, n = lay.cells.markets, lay.n

    def drawn(rows) -> Parameters:
        """Per cell, the elasticities of one draw (an index) or of the whole chunk (a slice), draw after draw."""
        e, sg, ep = (a[rows][..., idx].ravel() for a, idx in ((eta, units.market), (sigma, units.market),
                                                               (eps, units.supplier)))
        return Parameters(eta=e, sigma=sg, eps=ep, sigma_source=np.zeros(e.size, np.int8))

    got = None
    if not problem.has_instruments:
        # all draws of the chunk as one problem: D copies of the markets, each with its own elasticities
        try:
            out = _model(problem, lay.start, polish=False, prepared=lay.prepared)(lay.v0, lay.tau0, lay.tau1,
                                                                                   drawn(slice(None)), lay.markets)
            got = _without_instruments(out.value_new.reshape(count, n), out, lay.cells.tariff1)
        except InputError:
            pass                            # the joint solve failed: solve the draws one by one
    if got is None:
        got = {k: np.zeros((count, n)) for k in ("value", "revenue", "cs", "ps", "rent_imp", "rent_exp", "cost")}
        for d in range(count):
            one = _one_draw(problem, drawn(d)) if problem.has_instruments else _cells_draw(problem, lay.cells, drawn(d))
            if one is None:                 # left out of the bands (NaN); the output counts them
                got["value"][d] = np.nan
                continue
            for k, a in one.items():
                got[k][d] = a
    v1, revenue = got["value"], got["revenue"]
    # welfare: what accrues to the importer (surplus, duty, its quota rents, less commitment costs) and to the
    # exporter (surplus, its quota rents)
    to_importer = got["cs"].reshape(count, n) + revenue + got["rent_imp"] - got["cost"]
    to_exporter = got["ps"].reshape(count, n) + got["rent_exp"]
    return {"pair_value": lay.by_pair(v1), "pair_duty": lay.by_pair(revenue), "imports": lay.by_importer(v1),
            "exports": lay.by_exporter(v1), "revenue": lay.by_importer(revenue),
            "welfare": lay.by_importer(to_importer) + lay.by_exporter(to_exporter)}


def failed(stacked: dict[str, np.ndarray]) -> int:
    """Draws that did not converge (left out of the bands)."""
    return int(np.isnan(stacked["imports"]).any(axis=1).sum())


def run_draws(problem: DrawProblem, draws: Draws, client=None, progress: Progress | None = None) -> dict[str, np.ndarray]:
    """All draws, chunk by chunk, here or on a Dask cluster; arrays stacked draw by draw. ``progress`` hears of the
    draws done as their chunks finish (in any order); the chunks are stacked in their own order all the same."""
    chunks = draws.chunks(len(problem.flows), stacked=problem.stacks)
    steps = Steps(progress, f"{problem.shown}: draws", draws.n)
    if client is None:
        # numpy releases the interpreter lock in its array loops, so threads use every core
        with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, len(chunks))) as pool:
            running = {pool.submit(solve_chunk, problem, *chunk): chunk[0] for chunk in chunks}
            for done in as_completed(running):
                steps.advance(running[done])
            parts = [f.result() for f in running]
    else:
        shared = client.scatter(problem, broadcast=True)
        futures = [client.submit(solve_chunk, shared, count, seed, pure=False) for count, seed in chunks]
        if progress is not None:
            from dask.distributed import as_completed as finished
            count_of = {f.key: count for f, (count, _) in zip(futures, chunks)}
            for done in finished(futures):
                steps.advance(count_of[done.key])
        parts = client.gather(futures)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def bands(result: Result, stacked: dict[str, np.ndarray]) -> tuple[Band, ...]:
    """5th, 50th and 95th percentiles of each of the result's headline figures (``Result.headline.figures``) over
    the draws."""
    names = list(result.flows.countries)
    C = len(names)
    tariff_revenue_base = result.countries.set_index("country").tariff_revenue_base
    pv, duty = stacked["pair_value"], stacked["pair_duty"]
    codes = pair_codes(result.flows)
    none = np.zeros(len(pv))

    def pair(sums: np.ndarray, exporter: int, importer: int) -> np.ndarray:
        """A pair's column of the draws' sums; zeros where the pair does not trade in the data."""
        k = int(np.searchsorted(codes, exporter * C + importer))
        return sums[:, k] if k < len(codes) and codes[k] == exporter * C + importer else none

    def drawn(f: Figure) -> np.ndarray:
        i = names.index(f.country)
        if f.partner is None:                   # imports, exports, revenue or welfare, by country
            values = stacked[f.kind][:, i]
            # a draw's welfare counts all the revenue it collects; the figure is the change from the base year
            return values - tariff_revenue_base.loc[f.country] if f.kind == "welfare" else values
        j = names.index(f.partner)
        if f.kind == "balance":
            return pair(pv, i, j) - pair(pv, j, i)
        if f.kind == "trade":
            return pair(pv, i, j)
        with np.errstate(invalid="ignore", divide="ignore"):
            return pair(duty, i, j) / pair(pv, i, j)

    out = []
    for f in result.headline.figures:
        values = drawn(f)
        p5, p50, p95 = np.nanpercentile(values, PERCENTILES) if np.isfinite(values).any() else (np.nan,) * 3
        out.append(Band(f.kind, f.of, float(p5), float(p50), float(p95)))
    return tuple(out)
