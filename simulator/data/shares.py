"""Shares of a flow that a rule covers, from data: USMCA claims, metal content, the make-up of coarse codes.

A share table gives, per ten-digit US code (and per exporter where it says so), the share of the line's value a
rule applies to. A flow recorded at a coarser code gets the weighted mean of the lines under it, each line
weighted by its 2024 US import value (from that exporter where the table is per exporter) plus one dollar, so a
line with no 2024 trade still carries its share. Tables and weights are read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import cast

import numpy as np
import pandas as pd

from .. import hs
from ..flows import Flows
from . import catalog, us_trade


@dataclass(frozen=True)
class ShareTable:
    name: str
    description: str
    source: str          # catalog id


TABLES = {t.name: t for t in [
    ShareTable("usmca-claims-2025", "share of each HTS10 line from Canada or Mexico entered claiming USMCA in 2025 "
               "(Census, annual)", "us-usmca-shares-2025"),
    ShareTable("steel-content", "steel content as a share of value (BEA input-output)", "us-metal-content-shares"),
    ShareTable("aluminum-content", "aluminium content as a share of value (BEA input-output)", "us-metal-content-shares"),
    ShareTable("copper-content", "copper content as a share of value (BEA input-output)", "us-metal-content-shares"),
    ShareTable("steel-aluminum-content", "steel plus aluminium content as a share of value (BEA input-output)",
               "us-metal-content-shares"),
]}


@lru_cache(maxsize=1)
def us_composition() -> hs.Composition:
    """The ten-digit make-up of every code in 2024 US imports (all origins): how a list at HTS10 reaches a flow
    recorded at HS6 or HS8 (an assumption for importers other than the US, stated in the output)."""
    g = us_trade.world_by_code()
    return hs.Composition(g.index.to_numpy(), g.to_numpy())


@cache
def _table(name: str) -> dict[str | None, tuple[hs.Composition, np.ndarray]]:
    """Per exporter (None: any exporter): the table's composition (codes, weights) and its shares."""
    if name == "usmca-claims-2025":
        imports = us_trade.by_country()
        out: dict[str | None, tuple[hs.Composition, np.ndarray]] = {}
        for exporter, part in us_trade.usmca_claims().groupby("exporter"):
            w = imports[imports.exporter == exporter].set_index("hs").value.reindex(part.hs).fillna(0.0).to_numpy()
            out[str(exporter)] = (hs.Composition(part.hs.to_numpy(), w + 1.0), part.share.to_numpy())
        return out
    t = catalog.read_csv("us-metal-content-shares")
    cols = {"steel-content": ["steel_share"], "aluminum-content": ["aluminum_share"], "copper-content": ["copper_share"],
            "steel-aluminum-content": ["steel_share", "aluminum_share"]}[name]
    share = cast(pd.Series, sum(pd.to_numeric(t[c], errors="coerce").fillna(0.0) for c in cols)).clip(0.0, 1.0)
    codes = t.hs10.astype("int64")
    w = us_trade.world_by_code().reindex(codes).fillna(0.0).to_numpy()
    comp = hs.Composition(codes.to_numpy(), w + 1.0)
    return {None: (comp, share.to_numpy())}


@lru_cache(maxsize=32)   # Flows compare by identity: one entry per dataset and table
def table_shares(name: str, flows: Flows) -> np.ndarray:
    """The share of every flow a table gives (0 where the table says nothing about the flow)."""
    out = np.zeros(len(flows))
    ucodes, udigits, inverse = flows.hs_unique
    for exporter, (comp, share) in _table(name).items():
        per_code = np.nan_to_num(comp.weighted_mean(share, ucodes, udigits.astype(np.int64)), nan=0.0)[inverse]
        if exporter is None:
            out = per_code
        elif exporter in flows.countries:
            mine = flows.exporter == flows.index(exporter)
            out[mine] = per_code[mine]
    out[flows.hs_digits == 0] = 0.0          # residual lines: no product, no share
    out.flags.writeable = False
    return out
