"""What a dataset covers: itemised and residual value per direction, and the flows behind each data caveat."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..flows import FLAG_NAMES, FLAG_TEXT, RESIDUAL
from . import Dataset


def directions(ds: Dataset) -> pd.DataFrame:
    f = ds.flows
    names = np.array(f.countries, dtype=object)
    residual = (f.flags & RESIDUAL) != 0
    df = pd.DataFrame({"exporter": names[f.exporter], "importer": names[f.importer], "value": f.value,
                       "residual": np.where(residual, f.value, 0.0), "lines": 1})
    g = df.groupby(["exporter", "importer"], as_index=False).agg(lines=("lines", "sum"), value=("value", "sum"),
                                                                 residual=("residual", "sum"))
    g["itemised"] = g.value - g.residual
    # the directions between importers of the data (each market's own detail), then each market's total over all
    # its sources: with every supplier of the US market itemised, a row per supplier would bury the headline
    both = g[g.exporter.isin(set(g.importer))]
    totals = g.groupby("importer", as_index=False)[["lines", "value", "residual", "itemised"]].sum().assign(exporter="all")
    out = pd.concat([both, totals], ignore_index=True)
    return out[["exporter", "importer", "lines", "itemised", "residual", "value"]]


def caveats(ds: Dataset) -> pd.DataFrame:
    f = ds.flows
    rows = []
    for name, bit in FLAG_NAMES.items():
        hit = (f.flags & bit) != 0
        rows.append({"name": name, "caveat": FLAG_TEXT[bit], "lines": int(hit.sum()), "value": float(f.value[hit].sum())})
    return pd.DataFrame(rows)


def flagged(ds: Dataset, name: str) -> pd.DataFrame:
    """Every line carrying one caveat (by its short name), largest first."""
    f = ds.flows
    hit = (f.flags & FLAG_NAMES[name]) != 0
    names = np.array(f.countries, dtype=object)
    codes = f.hs_texts(hit)
    df = pd.DataFrame({"importer": names[f.importer[hit]], "exporter": names[f.exporter[hit]], "hs": codes,
                       "value": f.value[hit], "base_rate": f.base_rate[hit]})
    return df.sort_values("value", ascending=False).reset_index(drop=True)
