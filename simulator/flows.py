"""The core data model: base trade flows as a frozen struct of aligned numpy arrays.

One element per flow (exporter -> importer, one HS code). Values are at world prices
(customs value) in US dollars. Countries are small integer indices into ``countries``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import hs

# Bit flags that say how far a flow's numbers can be trusted.
RESIDUAL = 1 << 0            # "other goods, not itemised": a total minus the itemised lines
SPECIFIC_OMITTED = 1 << 1    # base rate has a specific (per-unit) part with no unit value to convert it
RATE_UNKNOWN = 1 << 2        # no base rate in the data; 0 used
RATE_AVERAGED = 1 << 3       # base rate is a simple average of the tariff lines under the flow's code
RATE_OTHER_YEAR = 1 << 4     # base rate is from another year than the flows
MFN_ASSUMED = 1 << 5         # the partner's preferences are not in the data; MFN used
TRQ_RATE = 1 << 6            # statutory rate is an out-of-quota TRQ rate; in-quota rate and fill unknown, 0 used

FLAG_TEXT = {
    RESIDUAL: "residual line ('other goods, not itemised'), no product detail",
    SPECIFIC_OMITTED: "specific or compound duty: per-unit part omitted (no quantities to convert it to an ad valorem equivalent)",
    RATE_UNKNOWN: "no base rate in the data; 0 used",
    RATE_AVERAGED: "base rate is the simple average of the MFN tariff lines under the code (preferences not known)",
    RATE_OTHER_YEAR: "base rate from a later year than the trade values (only year available)",
    MFN_ASSUMED: "MFN rate used: the partner's preferential rates are not in the data",
    TRQ_RATE: "line under a tariff-rate quota: statutory out-of-quota rate not applied, in-quota rate unknown, 0 used",
}

FLAG_NAMES = {
    "residual": RESIDUAL, "specific": SPECIFIC_OMITTED, "rate-unknown": RATE_UNKNOWN, "rate-averaged": RATE_AVERAGED,
    "rate-other-year": RATE_OTHER_YEAR, "mfn-assumed": MFN_ASSUMED, "trq": TRQ_RATE,
}


@dataclass(frozen=True, eq=False)   # identity equality: a Flows can key caches
class Flows:
    countries: tuple[str, ...]
    importer: np.ndarray       # int32 index into countries
    exporter: np.ndarray       # int32 index into countries
    hs: np.ndarray             # int64 code, 0 for residual lines
    hs_digits: np.ndarray      # int8 digit count, 0 for residual lines
    value: np.ndarray          # float64, USD at world prices
    base_rate: np.ndarray      # float64 ad valorem fraction applied in the base year (preferences used)
    mfn_rate: np.ndarray       # float64 the line's MFN (general) rate; equals base_rate where no preference is known
    quantity: np.ndarray       # float64, NaN where unknown
    flags: np.ndarray          # uint8 bit flags (see above)
    regions: frozenset[str] = field(default_factory=frozenset)
    description: str = ""
    unit: tuple[str, ...] | None = None   # unit of each flow's quantity, where the data gives one
    # Regions whose make-up depends on the market ("the rest of the world" of each importer): as exporters
    # they are a separate supplier in every market, never one supplier with one world price.
    market_specific: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        n = self.value.shape[0]
        for name in ("importer", "exporter", "hs", "hs_digits", "base_rate", "mfn_rate", "quantity", "flags"):
            arr = getattr(self, name)
            if arr.shape != (n,):
                raise ValueError(f"Flows.{name} has shape {arr.shape}, expected ({n},)")
            arr.flags.writeable = False
        self.value.flags.writeable = False

    INDEXES = ("hs_unique", "_by_exporter")

    def indexes(self) -> dict[str, tuple[np.ndarray, ...]]:
        """The lookup indexes built from the flows alone, to store beside them (``data.cache``)."""
        return {name: getattr(self, name) for name in self.INDEXES}

    def with_indexes(self, indexes: Mapping[str, Sequence[np.ndarray]]) -> Flows:
        """These flows with indexes read back from ``indexes()`` instead of built on first use."""
        for name in self.INDEXES:
            self.__dict__[name] = tuple(indexes[name])     # what the cached property would have stored
        return self

    @cached_property
    def hs_unique(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(codes, digits, inverse) of the distinct HS codes: rules are matched against these once and
        gathered back to flows, instead of being matched against every flow."""
        return hs.unique_codes(self.hs, self.hs_digits)

    @cached_property
    def _by_exporter(self) -> tuple[np.ndarray, np.ndarray]:
        """Flows sorted by exporter (stable) and where each exporter's run starts: rules on a few countries
        touch only their flows."""
        order = np.argsort(self.exporter, kind="stable")
        starts = np.searchsorted(self.exporter[order], np.arange(len(self.countries) + 1))
        return order, starts

    def rows_coarser_than(self, digits: int) -> np.ndarray:
        """Indices of the flows whose code has fewer than ``digits`` digits (residual lines excluded)."""
        return self._coarser.get(digits, np.zeros(0, dtype=np.int64))

    @cached_property
    def _coarser(self) -> dict[int, np.ndarray]:
        return {d: np.flatnonzero((self.hs_digits > 0) & (self.hs_digits < d)) for d in hs.VALID_DIGITS}

    def rows_of_exporters(self, chosen) -> np.ndarray:
        """Indices of the flows of the chosen exporters (country indices), in ascending exporter order."""
        order, starts = self._by_exporter
        parts = [order[starts[c]:starts[c + 1]] for c in sorted(chosen)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return self.value.shape[0]

    def subset(self, mask: np.ndarray) -> Flows:
        """The flows where ``mask`` is true, with the same country table."""
        pick = lambda a: a[mask].copy()  # noqa: E731
        return Flows(self.countries, pick(self.importer), pick(self.exporter), pick(self.hs), pick(self.hs_digits),
                     pick(self.value), pick(self.base_rate), pick(self.mfn_rate), pick(self.quantity), pick(self.flags),
                     self.regions, self.description,
                     None if self.unit is None else tuple(np.array(self.unit, dtype=object)[mask].tolist()),
                     self.market_specific)

    def index(self, code: str) -> int:
        return self.countries.index(code)

    def hs_text(self, i: int) -> str:
        return self.hs_texts([i])[0]

    def hs_texts(self, index=slice(None)) -> list[str]:
        """The HS code of each flow as printed ("other" for a residual line)."""
        return ["other" if fl & RESIDUAL else hs.format_code(c, d)
                for c, d, fl in zip(self.hs[index], self.hs_digits[index], self.flags[index])]

    @staticmethod
    def build(importer, exporter, hs_codes, hs_digits, value, base_rate=None, quantity=None, flags=None,
              regions=(), description="", mfn_rate=None, unit=None, market_specific=()) -> Flows:
        """Assemble from columns of country codes (strings) and numbers."""
        importer = np.asarray(importer, dtype=object)
        exporter = np.asarray(exporter, dtype=object)
        countries = tuple(sorted(set(importer.tolist()) | set(exporter.tolist())))
        lookup = {c: i for i, c in enumerate(countries)}
        n = len(importer)
        as_index = np.vectorize(lookup.__getitem__, otypes=[np.int32])
        base = np.zeros(n) if base_rate is None else np.asarray(base_rate, dtype=np.float64)
        return Flows(
            countries=countries,
            importer=as_index(importer) if n else np.zeros(0, np.int32),
            exporter=as_index(exporter) if n else np.zeros(0, np.int32),
            hs=np.asarray(hs_codes, dtype=np.int64),
            hs_digits=np.asarray(hs_digits, dtype=np.int8),
            value=np.asarray(value, dtype=np.float64),
            base_rate=base,
            mfn_rate=base.copy() if mfn_rate is None else np.asarray(mfn_rate, dtype=np.float64),
            quantity=np.full(n, np.nan) if quantity is None else np.asarray(quantity, dtype=np.float64),
            flags=np.zeros(n, np.uint8) if flags is None else np.asarray(flags, dtype=np.uint8),
            regions=frozenset(regions),
            description=description,
            unit=None if unit is None else tuple(str(u) for u in unit),
            market_specific=frozenset(market_specific),
        )
