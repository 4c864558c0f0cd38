"""Bundled elasticities of substitution: Broda-Weinstein estimates, made robust, matched to flows.

For a market of importer j and product g (HS6):
1. the US, g in the US HTS10 table (1990-2001 codes): the median of the HTS10 estimates under g, shrunk toward the
   median of its HS2 chapter and capped (``robust_us_hs6``);
2. the importer's estimate for the 3-digit heading of g (Broda, Greenfield & Weinstein; Korea and the US), capped;
3. otherwise none (the caller uses the scenario's default).

Why shrink: the estimates' sampling error is large. Within one HS6 the log estimates of its HTS10 lines have a
standard deviation of 1.03 (a factor of 2.8), 47% of HS6 codes rest on a single estimate, and the top of the
distribution (10% above 25, a few in the thousands) is where the error is largest (Soderbery 2015 finds the estimator
biased upward there). An empirical-Bayes posterior in logs weighs each HS6 median by its precision against the spread
of true HS6 values within a chapter: w = tau^2 / (tau^2 + se^2), with se^2 the sampling variance of the median of its
n estimates and tau^2 the between-HS6 variance of the chapter (method of moments: the variance of the HS6 medians
around their chapter's median less their mean sampling variance). A value still above the cap (the 95th percentile
of the shrunk US values) is set to the cap. Draws of ``--draws`` use the posterior's log-sd (docs/MODELS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
import pandas as pd

from . import cache, catalog

SOURCE_HTS10 = ("Broda-Weinstein (2006), US: median of the HTS10 estimates under the HS6, shrunk toward its chapter "
                "(empirical Bayes) and capped")
SOURCE_HS3 = "Broda-Greenfield-Weinstein, importer's estimate for the 3-digit heading, capped"
CAP_QUANTILE = 0.95


@dataclass(frozen=True)
class Robust:
    sigma: pd.Series          # per HS6: the posterior median, capped
    logsd: pd.Series          # per HS6: the posterior log-sd
    tau: float                # between-HS6 log-sd within a chapter
    within_sd: float          # log-sd of the HTS10 estimates within an HS6
    cap: float                # the cap, the CAP_QUANTILE of the shrunk values
    lowest: float             # the smallest estimate


@lru_cache(maxsize=1)
def robust_us_hs6() -> Robust:
    """The robust US HS6 estimates, built once per machine (``cache``): the same numbers, bit for bit."""
    a = cache.arrays("robust-sigma", _robust_arrays)
    hs6 = pd.Index(np.array(a["hs6"]), name="hts")
    tau, within, cap, lowest = (float(x) for x in a["scalars"])
    return Robust(pd.Series(np.array(a["sigma"]), index=hs6, name="sigma"),
                  pd.Series(np.array(a["logsd"]), index=hs6, name="sigma"), tau, within, cap, lowest)


def _robust_arrays() -> dict[str, np.ndarray]:
    r = _robust_us_hs6()
    return {"hs6": r.sigma.index.to_numpy(np.int64), "sigma": r.sigma.to_numpy(np.float64),
            "logsd": r.logsd.reindex(r.sigma.index).to_numpy(np.float64),
            # the cache keeps arrays of one dimension or more
            "scalars": np.array([r.tau, r.within_sd, r.cap, r.lowest], dtype=np.float64)}


def _robust_us_hs6() -> Robust:
    bw = catalog.read_csv("sigma-bw-us-hts10")
    log_sigma = cast(pd.Series, np.log(bw.sigma.astype(float)))  # a ufunc keeps the Series
    hs6 = bw.hts.str[:6].astype("int64")
    by = log_sigma.groupby(hs6)
    n = by.count()
    within = float(np.sqrt(((log_sigma - by.transform("mean")) ** 2).sum() / (n - 1).sum()))
    # the sampling variance of a median of n estimates: s^2 / n for one or two, 1.2533^2 s^2 / n (its large-n
    # value) from three on
    se2 = within ** 2 * np.where(n <= 2, 1.0, 1.2533 ** 2) / n
    median = cast(pd.Series, np.log(bw.sigma.astype(float).groupby(hs6).median()))
    chapter = pd.Series(median.index.astype(str).str.zfill(6).str[:2], index=median.index)
    prior = log_sigma.groupby(bw.hts.str[:2]).median().reindex(chapter.to_numpy()).to_numpy()
    several = (n >= 2).to_numpy()
    tau2 = max(float(np.var(median.to_numpy()[several] - prior[several]) - se2[several].mean()), 0.0)
    w = tau2 / (tau2 + se2)
    post = w * median.to_numpy() + (1 - w) * prior
    cap = float(np.quantile(np.exp(post), CAP_QUANTILE))
    sigma = pd.Series(np.minimum(np.exp(post), cap), index=median.index)
    logsd = pd.Series(np.sqrt(w * se2), index=median.index)
    return Robust(sigma, logsd, float(np.sqrt(tau2)), within, cap, float(np.exp(log_sigma.min())))


@lru_cache(maxsize=1)
def _hs3() -> dict[str, pd.Series]:
    t = catalog.read_csv("sigma-bgw-hs3")
    t["sigma"] = t.sigma.astype(float).clip(upper=robust_us_hs6().cap)
    return {str(iso): g.set_index(g.hs0_3digit.astype("int64")).sigma for iso, g in t.groupby("iso3")}


def substitution(importers: np.ndarray, hs6: np.ndarray, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per market: sigma (NaN where no estimate) and the source index (0 none, 1 HTS10 median, 2 HS3)."""
    n = len(importers)
    sigma = np.full(n, np.nan)
    source = np.zeros(n, np.int8)
    has6 = digits >= 6
    us = (importers == "USA") & has6
    if us.any():
        table = robust_us_hs6().sigma
        vals = table.reindex(hs6[us]).to_numpy()
        idx = np.flatnonzero(us)
        ok = ~np.isnan(vals)
        sigma[idx[ok]] = vals[ok]
        source[idx[ok]] = 1
    hs3 = np.where(digits >= 3, hs6 // np.where(digits >= 6, 1000, 10 ** np.maximum(digits - 3, 0)), -1)
    for iso, table in _hs3().items():
        pick = (importers == iso) & np.isnan(sigma) & (hs3 >= 0)
        if pick.any():
            vals = table.reindex(hs3[pick]).to_numpy()
            idx = np.flatnonzero(pick)
            ok = ~np.isnan(vals)
            sigma[idx[ok]] = vals[ok]
            source[idx[ok]] = 2
    return sigma, source
