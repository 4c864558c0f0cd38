"""Bundled elasticities of substitution: Broda-Weinstein estimates, matched to flows.

For a market of importer j and product g (HS6):
1. the US, g in the US HTS10 table (1990-2001 codes): the median of the HTS10 estimates under g;
2. the importer's estimate for the 3-digit heading of g (Broda, Greenfield & Weinstein; Korea and the US);
3. otherwise none (the caller uses the scenario's default).
The medians are robust to the few very large estimates at 10 digits.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from . import catalog

SOURCE_HTS10 = "Broda-Weinstein (2006), US, median of HTS10 estimates under the HS6"
SOURCE_HS3 = "Broda-Greenfield-Weinstein, importer's estimate for the 3-digit heading"


@lru_cache(maxsize=1)
def _us_hs6() -> pd.Series:
    bw = catalog.read_csv("sigma-bw-us-hts10")
    bw["sigma"] = bw.sigma.astype(float)
    return bw.groupby(bw.hts.str[:6].astype("int64")).sigma.median()


@lru_cache(maxsize=1)
def _hs3() -> dict[str, pd.Series]:
    t = catalog.read_csv("sigma-bgw-hs3")
    t["sigma"] = t.sigma.astype(float)
    return {iso: g.set_index(g.hs0_3digit.astype("int64")).sigma for iso, g in t.groupby("iso3")}


def substitution(importers: np.ndarray, hs6: np.ndarray, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per market: sigma (NaN where no estimate) and the source index (0 none, 1 HTS10 median, 2 HS3)."""
    n = len(importers)
    sigma = np.full(n, np.nan)
    source = np.zeros(n, np.int8)
    has6 = digits >= 6
    us = (importers == "USA") & has6
    if us.any():
        table = _us_hs6()
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
