"""US imports for consumption 2024 by HTS10 and country of origin (Census), read once for every user of it:
the US market's flows, the share tables' weights, and the list of real HTS10 lines."""

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
