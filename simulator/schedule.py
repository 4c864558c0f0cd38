"""From measures and exemptions to the applied rate of every flow: t0 before, t1 after.

Rules arrive resolved (country indices, HS prefixes) from ``scenario.resolve``; this module
only does arrays. Stacking, order-independent by construction:
``set`` measures replace the base rate (the highest wins where several cover a flow), then
every ``add`` measure is added on top. An exemption removes the measures it names from the
flows it covers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import hs
from .flows import Flows


@dataclass(frozen=True)
class Selector:
    """Which flows a rule covers. ``None`` means every importer / exporter."""

    importers: frozenset[int] | None
    exporters: frozenset[int] | None
    products: tuple[tuple[int, int], ...]   # HS prefixes as (code, digits); (0, 0) is "*"

    def mask(self, flows: Flows) -> np.ndarray:
        m = hs.PrefixSet(list(self.products)).matches(flows.hs, flows.hs_digits)
        if self.importers is not None:
            m &= np.isin(flows.importer, list(self.importers))
        if self.exporters is not None:
            m &= np.isin(flows.exporter, list(self.exporters))
        return m


@dataclass(frozen=True)
class MeasureRule:
    id: str
    kind: str             # "add" | "set"
    rate: float
    where: Selector
    effective: dt.date | None = None
    expires: dt.date | None = None

    def in_force(self, as_of: dt.date | None) -> bool:
        if as_of is None:
            return True
        return (self.effective is None or self.effective <= as_of) and (self.expires is None or as_of < self.expires)


@dataclass(frozen=True)
class ExemptionRule:
    measure_ids: tuple[str, ...]
    where: Selector


@dataclass(frozen=True)
class Schedule:
    t0: np.ndarray
    t1: np.ndarray
    coverage: dict[str, np.ndarray]      # measure id -> mask of flows it applies to (after exemptions, dates)
    in_force: dict[str, bool]


def compile_schedule(flows: Flows, measures: list[MeasureRule], exemptions: list[ExemptionRule],
                     as_of: dt.date | None = None) -> Schedule:
    coverage = {m.id: m.where.mask(flows) for m in measures}
    for ex in exemptions:
        lifted = ex.where.mask(flows)
        for mid in ex.measure_ids:
            coverage[mid] &= ~lifted
    in_force = {m.id: m.in_force(as_of) for m in measures}
    for m in measures:
        if not in_force[m.id]:
            coverage[m.id] = np.zeros(len(flows), dtype=bool)

    t0 = flows.base_rate.astype(np.float64)
    set_rate = np.full(len(flows), -np.inf)
    added = np.zeros(len(flows))
    for m in measures:
        if m.kind == "set":
            set_rate = np.where(coverage[m.id], np.maximum(set_rate, m.rate), set_rate)
        else:
            added += np.where(coverage[m.id], m.rate, 0.0)
    t1 = np.where(np.isfinite(set_rate), set_rate, t0) + added
    return Schedule(t0=t0, t1=t1, coverage=coverage, in_force=in_force)
