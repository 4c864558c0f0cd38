"""The computations the benchmarks time: tariffsim's, an analyst's pandas version, and the floor.

Every case returns the same thing in each implementation (new bilateral totals), so the timings
compare like with like.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.markets import markets
from simulator.parameters import Parameters
from simulator.schedule import ExemptionRule, MeasureRule, Plan, Selector

LISTS_STEEL = ((72, 2), (73, 2))


def scenario_plan(flows) -> Plan:
    """A 2025-like schedule: a 10% baseline from every importer on the 40 largest exporters, 25% on
    three of them, 50% on steel (ch. 72-73) excluding the baseline, a 15% floor for one exporter, a
    product exemption list, and a max group."""
    n = len(flows.countries)
    size = np.bincount(flows.exporter, weights=flows.value, minlength=n)
    big = np.argsort(size)[::-1]
    every = Selector(None, frozenset(big[:40].tolist()), ((0, 0),))
    three = Selector(None, frozenset(big[:3].tolist()), ((0, 0),))
    one = Selector(None, frozenset(big[3:4].tolist()), ((0, 0),))
    steel = Selector(None, None, LISTS_STEEL)
    codes = np.unique(flows.hs)
    exempt = tuple((int(c), 6) for c in codes[::7])               # one product in seven exempt
    return Plan(
        measures=(MeasureRule("baseline", "add", 0.10, every, max_group="ieepa"),
                  MeasureRule("country", "add", 0.25, three, max_group="ieepa"),
                  MeasureRule("floor", "floor", 0.15, one, max_group="ieepa"),
                  MeasureRule("steel", "add", 0.50, steel, excludes=("baseline", "country", "floor"))),
        exemptions=(ExemptionRule(("baseline", "country", "floor"), Selector(None, None, exempt)),),
    )


def parameters(flows, eps=math.inf, sigma=3.0, eta=-1.0) -> Parameters:
    n = len(flows)
    return Parameters(np.full(n, eta), np.full(n, sigma), np.full(n, eps), np.zeros(n, np.int8))


def pair_totals(flows, v1) -> np.ndarray:
    n = len(flows.countries)
    return np.bincount(flows.exporter.astype(np.int64) * n + flows.importer, weights=v1, minlength=n * n)


def tariffsim_model(model, flows, t0, t1, params) -> np.ndarray:
    mk = markets(flows)
    out = model.solve(flows.value, t0, t1, params, mk)
    return pair_totals(flows, out.value_new)


def pandas_frame(flows, t0, t1, params) -> pd.DataFrame:
    """The data as an analyst would hold it: one row per flow, codes as labels."""
    names = np.array(flows.countries, dtype=object)
    return pd.DataFrame({"importer": pd.Categorical(names[flows.importer]), "exporter": pd.Categorical(names[flows.exporter]),
                         "hs6": flows.hs, "value": flows.value, "t0": t0, "t1": t1,
                         "sigma": params.sigma, "eta": params.eta})


def pandas_armington(df: pd.DataFrame) -> pd.Series:
    """Two-stage CES with price-taking suppliers, written the usual pandas way: merge and groupby."""
    df = df.copy()
    df["spend0"] = (1 + df.t0) * df.value
    df["rT"] = (1 + df.t1) / (1 + df.t0)
    market = ["importer", "hs6"]
    df = df.merge(df.groupby(market, observed=True).spend0.sum().rename("E0"), left_on=market, right_index=True)
    df["term"] = df.spend0 / df.E0 * df.rT ** (1 - df.sigma)
    df = df.merge(df.groupby(market, observed=True).term.sum().rename("index"), left_on=market, right_index=True)
    df["P"] = df["index"] ** (1 / (1 - df.sigma))
    df["value_new"] = df.value * (df.rT / df.P) ** (-df.sigma) * df.P ** df.eta
    return df.groupby(["exporter", "importer"], observed=True).value_new.sum()


def pandas_constant(df: pd.DataFrame) -> pd.Series:
    df = df.assign(value_new=df.value * ((1 + df.t1) / (1 + df.t0)) ** df.eta)
    return df.groupby(["exporter", "importer"], observed=True).value_new.sum()


def pandas_schedule(df: pd.DataFrame, flows, plan: Plan) -> np.ndarray:
    """The schedule of ``scenario_plan`` the usual pandas way: string prefixes, isin, a column per measure."""
    names = np.array(flows.countries, dtype=object)
    hs = df.hs6.astype(str).str.zfill(6)
    t1 = df.t0.to_numpy().copy()
    cov = {}
    for m in plan.measures:
        mask = pd.Series(True, index=df.index)
        if m.where.exporters is not None:
            mask &= df.exporter.isin(names[list(m.where.exporters)])
        prefixes = tuple(str(c).zfill(d) for c, d in m.where.products if d)
        if prefixes:
            mask &= hs.str.startswith(prefixes)
        cov[m.id] = mask.to_numpy()
    for ex in plan.exemptions:
        lifted = hs.isin([str(c).zfill(d) for c, d in ex.where.products]).to_numpy()
        for mid in ex.measure_ids:
            cov[mid] = cov[mid] & ~lifted
    for m in plan.measures:
        for other in m.excludes:
            cov[other] = cov[other] & ~cov[m.id]
    contrib = {m.id: (np.maximum(0, m.rate - t1) if m.kind == "floor" else m.rate) * cov[m.id] for m in plan.measures}
    group = np.max([contrib[i] for i in ("baseline", "country", "floor")], axis=0)
    return t1 + group + contrib["steel"]


def floor_read(*arrays) -> float:
    """The memory-bandwidth floor: read every input array once."""
    return float(sum(np.add.reduce(a, axis=None) for a in arrays))


def floor_transcendental(x: np.ndarray, out: np.ndarray) -> float:
    """The transcendental floor: one ``log`` and one ``exp`` per flow, the work the CES equations cannot avoid
    (a price index is a power, ``exp(k log x)``), written into a buffer allocated beforehand."""
    np.log(x, out=out)
    np.exp(out, out=out)
    return float(out[0])


def pandas_gsim(df: pd.DataFrame) -> pd.Series:
    """GSIM the way a spreadsheet analyst would port it: one product at a time (groupby-apply), numpy inside."""
    def one(g):
        regions = sorted(set(g.exporter) | set(g.importer))
        idx = {r: k for k, r in enumerate(regions)}
        R = len(regions)
        M = np.zeros((R, R)); T0 = np.ones((R, R)); T1 = np.ones((R, R))
        r_, v_ = g.exporter.map(idx).to_numpy(), g.importer.map(idx).to_numpy()
        M[r_, v_] = g.value; T0[r_, v_] = 1 + g.t0; T1[r_, v_] = 1 + g.t1
        Em, Es, Ex = -1.0, 3.0, 2.0
        theta = M * T0 / np.where((M * T0).sum(0) > 0, (M * T0).sum(0), 1)
        phi = M / np.where(M.sum(1, keepdims=True) > 0, M.sum(1, keepdims=True), 1)
        Nown = theta * Em - (1 - theta) * Es
        Ncross = theta * (Em + Es)
        Th = T1 / T0 - 1
        A = phi @ Ncross.T
        np.fill_diagonal(A, (phi * Nown).sum(1) - Ex)
        b = -((phi * (Nown - Ncross) * Th).sum(1) + phi @ (Ncross * Th).sum(0))
        exporting = M.sum(1) > 0
        A[~exporting] = 0; A[~exporting, ~exporting] = 1; b[~exporting] = 0
        x = np.linalg.solve(A, b)
        mhat = Nown * (Th + x[:, None]) + (Ncross * (Th + x[:, None])).sum(0)[None, :] - Ncross * (Th + x[:, None])
        return pd.Series((M * (1 + mhat) * (1 + x[:, None]))[r_, v_].sum())
    return df.groupby("hs6").apply(one, include_groups=False)
