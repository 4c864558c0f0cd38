"""The headline figures of a result, chosen once: which countries and pairs a result is quoted by, whose tariffs
the headline rates describe, and the figures that a comparison shows side by side and the bands are computed on.
Every writer, the comparison and the bands read them from here, so they always speak of the same figures."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import pandas as pd

from .frames import records

if TYPE_CHECKING:
    from .results import Result

TOP_PARTNERS = 12      # partners of the rate importer shown beside all its imports
PATH_PARTNERS = 8      # the same on each date of a time path
TOP_CHAPTERS = 10      # HS chapters that move most

FigureKind = Literal["balance", "trade", "tariff", "imports", "exports", "revenue", "welfare"]
RATE_KINDS: frozenset[str] = frozenset({"tariff"})    # fractions; every other figure is money (US dollars)


@dataclass(frozen=True)
class Figure:
    """One headline figure of a result."""

    kind: FigureKind
    of: str                   # "KOR vs USA", "KOR → USA", "KOR → USA (trade-weighted)", "USA"
    country: str              # the country; the exporter of a pair
    partner: str | None       # the partner; the importer of a pair; None for a country's own figure
    value: float              # after the scenario (welfare: its change)


@dataclass(frozen=True)
class Band:
    """The 5th, 50th and 95th percentiles of a headline figure over draws of the elasticities."""

    figure: FigureKind
    of: str
    p5: float
    p50: float
    p95: float

    def to_dict(self) -> dict[str, object]:
        # NaN: no draw gives the figure a value (a pair with no trade has no trade-weighted tariff)
        return {k: None if isinstance(v, float) and v != v else v for k, v in asdict(self).items()}


@dataclass(frozen=True, eq=False)
class Headline:
    result: Result

    @cached_property
    def countries(self) -> list[str]:
        """Countries with trade both ways in the data (their balances are meaningful); all countries if none has."""
        names = sorted(set(self.result.balances.country))
        return names or list(self.result.flows.countries)

    @cached_property
    def pairs(self) -> pd.DataFrame:
        """Trade between the headline countries (``result.pairs`` rows), with its ``change``."""
        keep = set(self.countries)
        p = self.result.pairs
        p = p[p.exporter.isin(keep) & p.importer.isin(keep)].copy()
        p["change"] = p.value_new - p.value_base
        return p.reset_index(drop=True)

    @cached_property
    def balances(self) -> pd.DataFrame:
        """Every balance of the result (all between headline countries), with its ``change``."""
        b = self.result.balances.copy()
        b["change"] = b.balance_new - b.balance_base
        return b

    @cached_property
    def country_totals(self) -> pd.DataFrame:
        """The headline countries' rows of ``result.countries``."""
        c = self.result.countries
        return c[c.country.isin(self.countries)].reset_index(drop=True)

    @cached_property
    def rate_importer(self) -> str | None:
        """The importer whose tariffs the headline rates describe: the US where it imports, else the largest importer."""
        c = self.result.countries
        if not len(c):
            return None
        if "USA" in set(c.country) and float(c[c.country == "USA"].imports_base.iloc[0]) > 0:
            return "USA"
        return str(c.sort_values("imports_base", ascending=False).country.iloc[0])

    def effective_rates(self, top: int = TOP_PARTNERS) -> pd.DataFrame:
        """The rate importer's effective tariff on all its imports (first row, exporter "all") and on its ``top``
        largest partners (by base-year imports); empty when there is no importer."""
        if self.rate_importer is None:
            return pd.DataFrame()
        return self.result.effective_rates(self.rate_importer).head(top + 1)

    @cached_property
    def chapters(self) -> pd.DataFrame:
        """The ``TOP_CHAPTERS`` HS chapters that move most."""
        return self.result.chapters.head(TOP_CHAPTERS)

    @cached_property
    def figures(self) -> tuple[Figure, ...]:
        """Every balance; each headline pair's trade and its trade-weighted tariff; each headline country's imports,
        exports, tariff revenue and welfare change."""
        out: list[Figure] = []
        for b in records(self.balances):
            out.append(Figure("balance", f"{b.country} vs {b.partner}", b.country, b.partner, b.balance_new))
        for p in records(self.pairs):
            flow = f"{p.exporter} → {p.importer}"
            out.append(Figure("trade", flow, p.exporter, p.importer, p.value_new))
            out.append(Figure("tariff", f"{flow} (trade-weighted)", p.exporter, p.importer, p.tariff_rate_new))
        for c in records(self.country_totals):
            out += [Figure("imports", c.country, c.country, None, c.imports_new),
                    Figure("exports", c.country, c.country, None, c.exports_new),
                    Figure("revenue", c.country, c.country, None, c.tariff_revenue_new),
                    Figure("welfare", c.country, c.country, None, c.welfare_change)]
        return tuple(out)
