"""Datasets: the bundled US-Korea baseline and users' own flows files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import hs
from ..errors import InputError, Problem, suggest
from ..flows import Flows
from ..progress import Progress
from ..schedule import RateContext
from . import catalog, kor_usa, shares, user_flows

BUNDLED = {kor_usa.DATASET_ID: "US-Korea goods trade 2024 with each market's other suppliers (Census, KCS)"}


@dataclass(frozen=True)
class Dataset:
    id: str
    flows: Flows
    basis: str
    basis_label: str
    notes: list[str] = field(default_factory=list)
    # Measures dated on or before this day were in force in the base year (part of the base rate t0).
    base_date: dt.date | None = None
    # Share tables (name, flows -> share of each flow), and the US 2024 make-up of coarse codes for lists finer than
    # a flow (the US composition is an assumption for other importers' flows, stated in docs/DATA.md).
    tables: Callable[[str, Flows], np.ndarray] = shares.table_shares
    composition: Callable[[], hs.Composition] = shares.us_composition

    @property
    def rate_context(self) -> RateContext:
        return RateContext(self.base_date, self.composition, self.tables)


def load_dataset(spec: str, basis: str | None = None, base_dir: Path | None = None,
                 regions: tuple[str, ...] = (), shown_as: str | None = None,
                 market_specific: tuple[str, ...] = (), progress: Progress | None = None) -> Dataset:
    """A bundled dataset id, or a path to a CSV/Parquet flows file (relative to ``base_dir``); ``progress`` hears of
    the reading of a flows file (simulator.progress)."""
    where = shown_as or "data"
    if spec in BUNDLED:
        basis = basis or kor_usa.DEFAULT_BASIS
        if basis not in kor_usa.BASES:
            raise InputError(Problem(where, "data.basis", f"unknown basis '{basis}' for {spec}"
                                     f"{suggest(basis, kor_usa.BASES)}; choose one of {', '.join(kor_usa.BASES)}"))
        ready = kor_usa.prepared(basis)
        label = kor_usa.BASES[basis].label
        return Dataset(spec, ready.flows, basis, label, [f"Basis '{basis}': {label}.", *ready.notes, *kor_usa.DATA_NOTES],
                       base_date=kor_usa.BASE_DATE, tables=ready.share, composition=lambda: ready.composition)
    path = Path(spec)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if path.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise InputError(Problem(where, "data.flows", f"'{spec}' is neither a bundled dataset"
                                 f"{suggest(spec, BUNDLED)} (available: {', '.join(BUNDLED)}) nor a .csv/.parquet file"))
    if basis not in (None, "as-given"):
        raise InputError(Problem(where, "data.basis", f"basis '{basis}' applies to bundled datasets only; "
                                 "a user's flows file is used as given (omit 'basis' or write \"as-given\")"))
    if not path.exists():
        raise InputError(Problem(where, "data.flows", f"flows file '{spec}' not found (looked in {path.parent or '.'})"))
    unknown = [r for r in market_specific if r not in regions]
    if unknown:
        raise InputError(Problem(where, "data.market_specific", f"{', '.join(unknown)} not among data.regions"))
    flows = user_flows.read(path, frozenset(regions), str(spec), frozenset(market_specific), progress)
    return Dataset(str(spec), flows, "as-given", f"values as given in {spec}",
                   [f"Flows as given in {spec}; no benchmark to official totals."])


__all__ = ["Dataset", "load_dataset", "catalog", "BUNDLED"]
