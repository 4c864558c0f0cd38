"""US imports for consumption 2024 by HTS10 and country of origin (Census), and the 2025 USMCA claim shares, each
read once for every user: the US market's flows and base rates, the share tables, and the list of real HTS10 lines."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from . import catalog


@lru_cache(maxsize=1)
def by_country() -> pd.DataFrame:
    """Columns ``exporter`` (ISO3), ``hs`` (int64 HTS10 code), ``value`` (USD); read-only arrays."""
    # every code has ten digits, so reading them as integers loses no leading zero
    t = catalog.read_csv("us-imports-hs10-country-2024", dtype={"hs10": np.int64, "exporter": str, "value_usd": np.float64})
    return pd.DataFrame({"exporter": t.exporter.to_numpy(dtype=object), "hs": t.hs10.to_numpy(), "value": t.value_usd.to_numpy()})


@lru_cache(maxsize=1)
def world_by_code() -> pd.Series:
    """2024 US imports from all origins by HTS10 code (sorted by code)."""
    return by_country().groupby("hs").value.sum()


@lru_cache(maxsize=1)
def usmca_claims() -> pd.DataFrame:
    """Share of each HTS10 line from Canada or Mexico entered claiming USMCA in 2025: ``exporter, hs, share``."""
    t = catalog.read_csv("us-usmca-shares-2025")
    return pd.DataFrame({"exporter": t.cty_code.map({"1220": "CAN", "2010": "MEX"}).to_numpy(dtype=object),
                         "hs": t.hts10.astype("int64").to_numpy(), "share": t.usmca_share.astype(float).to_numpy()})
