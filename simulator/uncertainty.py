"""Uncertainty bands: elasticities drawn from stated distributions, the model solved for many draws at once.

Distributions, centred on each scenario's point values (the median of every distribution is the point value):

- substitution (per market): lognormal, log-sd from the source estimates where they exist: for a US market whose
  point value is the median of n Broda-Weinstein HTS10 estimates, the standard error of that median,
  1.2533 s / sqrt(n), with s the standard deviation of their logs; elsewhere the median of those (``pooled``).
- import demand (per market): -|eta| times a lognormal factor with log-sd 0.3 (a stated assumption).
- export supply (per supplier): lognormal with log-sd 0.5 (a stated assumption); price takers stay price takers.

Draws are independent across markets and suppliers. The draws axis is folded into the flow axis: a chunk of
D draws is solved as one problem of D copies of the markets, each with its own elasticities, by the same
vectorised model, never by a loop over draws. Chunks have a fixed size and their own seed (spawned from the run's
seed), so the bands are the same whether the chunks run here or on a Dask cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np

from .data import catalog
from .errors import InputError, Problem
from .flows import Flows
from .markets import Markets, markets
from .models import MODELS
from .parameters import Parameters

ETA_LOGSD = 0.3
EPS_LOGSD = 0.5
FLOWS_PER_CHUNK = 2_000_000      # bounds the memory of one chunk
PERCENTILES = (5, 50, 95)


@lru_cache(maxsize=1)
def _us_sigma_spread() -> tuple[dict[int, float], float]:
    """Per HS6: the standard error (in logs) of the median of the Broda-Weinstein HTS10 estimates under it,
    1.2533 s / sqrt(n), the uncertainty of the statistic used as the point value."""
    bw = catalog.read_csv("sigma-bw-us-hts10")
    logs = np.log(bw.sigma.astype(float))
    g = logs.groupby(bw.hts.str[:6].astype("int64"))
    n = g.count()
    se = (1.2533 * g.std(ddof=1) / np.sqrt(n))[n >= 2].dropna()
    return {int(k): float(v) for k, v in se.items()}, float(se.median())


def sigma_logsd(flows: Flows, mk: Markets) -> np.ndarray:
    """Per market: the log-sd of its elasticity of substitution."""
    spread, pooled = _us_sigma_spread()
    first = mk.first
    out = np.full(mk.n_markets, pooled)
    if "USA" in flows.countries:
        us = flows.importer[first] == flows.index("USA")
        code, digits = mk.product[first] // 16, mk.product[first] % 16
        for k in np.flatnonzero(us & (digits == 6)):
            out[k] = spread.get(int(code[k]), pooled)
    return out


@dataclass(frozen=True)
class Draws:
    n: int
    seed: int

    def chunks(self, n_flows: int) -> list[tuple[int, np.random.SeedSequence]]:
        """(draws in the chunk, its seed), of a fixed size for a given dataset."""
        size = max(1, min(self.n, FLOWS_PER_CHUNK // max(n_flows, 1)))
        counts = [size] * (self.n // size) + ([self.n % size] if self.n % size else [])
        return list(zip(counts, np.random.SeedSequence(self.seed).spawn(len(counts))))


@dataclass(frozen=True)
class DrawProblem:
    """Everything a chunk needs, picklable for a Dask worker."""

    flows: Flows
    tau0: np.ndarray
    tau1: np.ndarray
    tariff1: np.ndarray
    params: Parameters
    model: str
    sigma_sd: np.ndarray          # per market, log-sd of the elasticity of substitution


def _tile_markets(mk: Markets, d: int, n: int) -> Markets:
    off = np.arange(d)[:, None]
    return Markets(
        market=(mk.market[None, :] + off * mk.n_markets).ravel(), n_markets=mk.n_markets * d,
        supplier=(mk.supplier[None, :] + off * mk.n_suppliers).ravel(), n_suppliers=mk.n_suppliers * d,
        product=np.tile(mk.product, d), imp_country=np.tile(mk.imp_country, d), exp_country=np.tile(mk.exp_country, d),
        order=(mk.order[None, :] + off * n).ravel(), starts=(mk.starts[None, :] + off * n).ravel())


def solve_chunk(problem: DrawProblem, count: int, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw `count` sets of elasticities and return per-draw headline arrays (draw x pair / country)."""
    flows, p = problem.flows, problem.params
    mk = markets(flows)
    n, C = len(flows), len(flows.countries)
    rng = np.random.default_rng(seed)
    first, sfirst = mk.first, mk.supplier_first
    sigma = p.sigma[first] * np.exp(problem.sigma_sd * rng.standard_normal((count, mk.n_markets)))
    eta = p.eta[first] * np.exp(ETA_LOGSD * rng.standard_normal((count, mk.n_markets)))
    eps_point = p.eps[sfirst]
    eps = np.where(np.isfinite(eps_point), eps_point * np.exp(EPS_LOGSD * rng.standard_normal((count, mk.n_suppliers))),
                   np.inf)
    solve = MODELS[problem.model]
    if problem.model == "armington":        # a chunk that does not converge by Newton is retried draw by draw
        solve = partial(solve, polish=False)
    try:
        tiled = Parameters(eta=eta[:, mk.market].ravel(), sigma=sigma[:, mk.market].ravel(),
                           eps=eps[:, mk.supplier].ravel(), sigma_source=np.zeros(count * n, np.int8))
        out = solve(np.tile(flows.value, count), np.tile(problem.tau0, count), np.tile(problem.tau1, count),
                    tiled, _tile_markets(mk, count, n))
        v1 = out.value_new.reshape(count, n)
        cs = np.nan_to_num(out.consumer_surplus.reshape(count, n))
        ps = np.nan_to_num(out.producer_surplus.reshape(count, n))
    except InputError:
        # a joint solve of the chunk failed: solve its draws one by one; a draw that does not converge is
        # left out of the bands (NaN), and the output counts them
        v1, cs, ps = np.full((count, n), np.nan), np.zeros((count, n)), np.zeros((count, n))
        for d in range(count):
            one = Parameters(eta=eta[d, mk.market], sigma=sigma[d, mk.market], eps=eps[d, mk.supplier],
                             sigma_source=np.zeros(n, np.int8))
            try:
                o = solve(flows.value, problem.tau0, problem.tau1, one, mk)
            except InputError:
                continue
            v1[d], cs[d], ps[d] = o.value_new, np.nan_to_num(o.consumer_surplus), np.nan_to_num(o.producer_surplus)
    draw = np.arange(count)[:, None]
    pair_idx = (draw * (C * C) + (flows.exporter.astype(np.int64) * C + flows.importer)).ravel()
    imp_idx = (draw * C + flows.importer).ravel()
    exp_idx = (draw * C + flows.exporter).ravel()
    by_pair = lambda w: np.bincount(pair_idx, weights=w.ravel(), minlength=count * C * C).reshape(count, C * C)  # noqa: E731
    by_imp = lambda w: np.bincount(imp_idx, weights=w.ravel(), minlength=count * C).reshape(count, C)  # noqa: E731
    by_exp = lambda w: np.bincount(exp_idx, weights=w.ravel(), minlength=count * C).reshape(count, C)  # noqa: E731
    revenue = problem.tariff1 * v1
    return {"pair_value": by_pair(v1), "pair_duty": by_pair(revenue), "imports": by_imp(v1), "exports": by_exp(v1),
            "revenue": by_imp(revenue), "welfare": by_imp(cs) + by_exp(ps) + by_imp(revenue)}


def check_supported(sched, model: str, params: Parameters) -> None:
    if model == "armington" and np.isfinite(params.eps).any():
        raise InputError(Problem(None, "--draws", "uncertainty bands with finite export supply are not available yet: "
                                 "the world-price solve does not converge for every drawn set of elasticities "
                                 "(markets of near-perfect substitutes). Use export_supply = inf for the bands, and the "
                                 "supply overlays of docs/examples/sensitivity/ for the supply elasticity"))
    if sched.quotas or sched.commitments:
        raise InputError(Problem(None, "--draws", "uncertainty bands are not available for scenarios with quotas or "
                                 "purchase commitments in force (each draw would need its own instrument solve)"))
    if np.any(sched.specific_ave0) and model in ("armington", "constant"):
        raise InputError(Problem(None, "--draws", "uncertainty bands are not available with specific duties "
                                 "(their ad valorem equivalents move with each draw's prices)"))


def failed(stacked: dict[str, np.ndarray]) -> int:
    """Draws that did not converge (left out of the bands)."""
    return int(np.isnan(stacked["imports"]).any(axis=1).sum())


def run_draws(problem: DrawProblem, draws: Draws, client=None) -> dict[str, np.ndarray]:
    """All draws, chunk by chunk, here or on a Dask cluster; arrays stacked draw by draw."""
    chunks = draws.chunks(len(problem.flows))
    if client is None:
        parts = [solve_chunk(problem, count, seed) for count, seed in chunks]
    else:
        shared = client.scatter(problem, broadcast=True)
        futures = [client.submit(solve_chunk, shared, count, seed, pure=False) for count, seed in chunks]
        parts = client.gather(futures)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def bands(result, stacked: dict[str, np.ndarray]) -> list[dict]:
    """5th, 50th and 95th percentiles of the headline figures: balances and trade of the headline pairs, the
    trade-weighted tariff on them, and the headline countries' imports, exports, revenue and welfare change."""
    from .report import tables
    f = result.flows
    C = len(f.countries)
    names = list(f.countries)
    keep = tables.headline_countries(result)
    rows = []

    def add(figure, of, values):
        p5, p50, p95 = np.nanpercentile(values, PERCENTILES) if np.isfinite(values).any() else (np.nan,) * 3
        rows.append({"figure": figure, "of": of, "p5": float(p5), "p50": float(p50), "p95": float(p95)})

    pv, pd_ = stacked["pair_value"], stacked["pair_duty"]
    base = result.countries.set_index("country")
    for b in result.balances.itertuples():
        i, j = names.index(b.country), names.index(b.partner)
        add("balance", f"{b.country} vs {b.partner}", pv[:, i * C + j] - pv[:, j * C + i])
    for p in tables.bilateral(result).itertuples():
        i, j = names.index(p.exporter), names.index(p.importer)
        add("trade", f"{p.exporter} → {p.importer}", pv[:, i * C + j])
        with np.errstate(invalid="ignore", divide="ignore"):
            add("tariff", f"{p.exporter} → {p.importer} (trade-weighted)", pd_[:, i * C + j] / pv[:, i * C + j])
    for c in keep:
        k = names.index(c)
        add("imports", c, stacked["imports"][:, k])
        add("exports", c, stacked["exports"][:, k])
        add("revenue", c, stacked["revenue"][:, k])
        rent_cost = base.loc[c].quota_rent_new - base.loc[c].commitment_cost
        add("welfare", c, stacked["welfare"][:, k] - base.loc[c].tariff_revenue_base + rent_cost)
    return rows
