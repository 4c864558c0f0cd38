"""A run's result: per-flow arrays with provenance, and the tables every report is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from . import fields, hs
from .data import Dataset, catalog
from .flows import FLAG_TEXT, Flows
from .headline import Band, Headline
from .markets import dense_groups, markets
from .models import Outcome
from .records import InstrumentOutcome, MeasureSummary, Provenance

CLOSURE_NOTE = ("Partial equilibrium: exchange rates, incomes and all other markets are held fixed, so a change in a "
                "bilateral balance is mostly a reallocation of trade, not a change in the overall trade balance.")


@dataclass(frozen=True)
class Result:
    """One run of a scenario: per-flow arrays, the records of its measures and instruments, and its tables."""

    provenance: Provenance         # the scenario file, data, model, version and solve it comes from
    dataset: Dataset
    t0: np.ndarray                 # tariff before the scenario
    t1: np.ndarray                 # duty collected after, per unit of new value
    outcome: Outcome
    measures: tuple[MeasureSummary, ...] = ()
    notes: list[str] = field(default_factory=list)
    wedge1: np.ndarray | None = None           # landed-price wedge after (tariffs, ntm, quotas, commitments)
    rent_importer: np.ndarray | None = None    # quota rents (US dollars per flow) held in the importing country
    rent_exporter: np.ndarray | None = None    # quota rents held by the exporter
    commitment_cost: np.ndarray | None = None  # implicit subsidy of purchase commitments, borne by the importer
    instruments: tuple[InstrumentOutcome, ...] = ()      # how each quota and purchase commitment was solved
    bands: tuple[Band, ...] = ()       # percentiles of the headline figures over elasticity draws

    def _or_zero(self, a: np.ndarray | None) -> np.ndarray:
        return np.zeros(len(self.flows)) if a is None else a

    @property
    def flows(self) -> Flows:
        return self.dataset.flows

    @cached_property
    def headline(self) -> Headline:
        """The figures this result is quoted by: its headline countries, pairs, rates and chapters."""
        return Headline(self)

    def drop_headline(self) -> None:
        """Forget the cached headline (built again if read). It refers back to this result, so while it is cached
        only the cycle collector frees a result that is let go; a path drops it before each next date."""
        self.__dict__.pop("headline", None)

    @property
    def value_base(self) -> np.ndarray:
        return self.flows.value

    @property
    def value_new(self) -> np.ndarray:
        return self.outcome.value_new

    # -- grouped sums ----------------------------------------------------------------------
    def _by(self, index: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=weights, minlength=len(self.flows.countries))

    @cached_property
    def countries(self) -> pd.DataFrame:
        f, o = self.flows, self.outcome
        v0, v1 = self.value_base, self.value_new
        out = pd.DataFrame({
            "country": list(f.countries),
            "exports_base": self._by(f.exporter, v0), "exports_new": self._by(f.exporter, v1),
            "imports_base": self._by(f.importer, v0), "imports_new": self._by(f.importer, v1),
            "tariff_revenue_base": self._by(f.importer, self.t0 * v0),
            "tariff_revenue_new": self._by(f.importer, self.t1 * v1),
            "consumer_surplus_change": self._by(f.importer, o.consumer_surplus),
            "producer_surplus_change": self._by(f.exporter, o.producer_surplus),
        })
        out["quota_rent_new"] = (self._by(f.importer, self._or_zero(self.rent_importer))
                                 + self._by(f.exporter, self._or_zero(self.rent_exporter)))
        out["commitment_cost"] = self._by(f.importer, self._or_zero(self.commitment_cost))
        out["welfare_change"] = (out.consumer_surplus_change + out.producer_surplus_change
                                 + out.tariff_revenue_new - out.tariff_revenue_base
                                 + out.quota_rent_new - out.commitment_cost)
        return out

    @cached_property
    def creation_diversion(self) -> tuple[np.ndarray, np.ndarray]:
        """Per flow, in quantities at base world prices (WITS's split, exact):
        creation_k = q0_k (Q1 - Q0), diversion_k = (q1_k - q0_k) Q1, with q_k = m_k / Q in each market."""
        mk = markets(self.flows)
        m0 = self.value_base
        m1 = m0 * self.outcome.quantity_ratio
        Q0, Q1 = mk.sum(m0)[mk.market], mk.sum(m1)[mk.market]
        with np.errstate(invalid="ignore", divide="ignore"):
            q0 = np.where(Q0 > 0, m0 / Q0, 0.0)
            q1 = np.where(Q1 > 0, m1 / Q1, 0.0)
        return q0 * (Q1 - Q0), (q1 - q0) * Q1

    @cached_property
    def prices(self) -> pd.DataFrame:
        """World-price changes by exporter and product (HS6), where they move."""
        mk = markets(self.flows)
        rp = self.outcome.price_ratio
        moved = np.abs(rp - 1.0) > 1e-12
        if not moved.any():
            return pd.DataFrame(columns=fields.PRICES.fields)
        first = mk.supplier_first
        exports = mk.supplier_sum(self.value_base)
        keep = np.flatnonzero(np.abs(rp[first] - 1.0) > 1e-12)
        f = first[keep]
        names = np.array(self.flows.countries, dtype=object)
        # a code's text once per distinct product, not once per supplier
        product, which = np.unique(mk.product[f], return_inverse=True)
        codes = np.array([hs.format_code(c // 16, c % 16) for c in product.tolist()], dtype=object)[which]
        return pd.DataFrame({"exporter": names[self.flows.exporter[f]], "hs": codes,
                             "price_change": rp[f] - 1.0, "exports_base": exports[keep]})

    @cached_property
    def _pair_index(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct (exporter, importer) keys, exporter * n + importer in ascending order, and each flow's."""
        n = len(self.flows.countries)
        return dense_groups(self.flows.exporter.astype(np.int64) * n + self.flows.importer, n * n)

    @cached_property
    def pairs(self) -> pd.DataFrame:
        f = self.flows
        n = len(f.countries)
        uniq, inv = self._pair_index
        base = np.bincount(inv, weights=self.value_base)
        new = np.bincount(inv, weights=self.value_new)
        names = np.array(f.countries, dtype=object)
        with np.errstate(divide="ignore", invalid="ignore"):
            # trade-weighted tariff: before; after on base-year weights; after on new weights
            r0 = np.bincount(inv, weights=self.t0 * self.value_base) / base
            r1_base_w = np.bincount(inv, weights=self.t1 * self.value_base) / base
            r1_new_w = np.bincount(inv, weights=self.t1 * self.value_new) / new
        creation, diversion = self.creation_diversion
        return pd.DataFrame({"exporter": names[uniq // n], "importer": names[uniq % n],
                             "value_base": base, "value_new": new, "tariff_rate_base": r0,
                             "tariff_rate_new_base_weights": r1_base_w, "tariff_rate_new": r1_new_w,
                             "creation": np.bincount(inv, weights=creation), "diversion": np.bincount(inv, weights=diversion),
                             # summed, not rate * value: a pair with no trade has no rate but collects nothing
                             "revenue_base": np.bincount(inv, weights=self.t0 * self.value_base),
                             "revenue_new": np.bincount(inv, weights=self.t1 * self.value_new),
                             "revenue_new_base_weights": np.bincount(inv, weights=self.t1 * self.value_base)})

    def effective_rates(self, importer: str) -> pd.DataFrame:
        """The trade-weighted tariff on one importer's imports: all sources (first row, exporter "all") and each
        exporter, before, after on base-year weights (the statutory rate) and after substitution, with revenue."""
        p = self.pairs[self.pairs.importer == importer]
        if not len(p):
            return pd.DataFrame(columns=fields.EFFECTIVE_RATES.fields)
        rev0, rev1, static = p.revenue_base, p.revenue_new, p.revenue_new_base_weights
        v0, v1 = float(p.value_base.sum()), float(p.value_new.sum())
        nan = float("nan")                  # no imports to weight the rate (filled below)
        total = pd.DataFrame({"exporter": ["all"], "value_base": [v0], "value_new": [v1],
                              "tariff_rate_base": [rev0.sum() / v0 if v0 else nan],
                              "tariff_rate_new_base_weights": [static.sum() / v0 if v0 else nan],
                              "tariff_rate_new": [rev1.sum() / v1 if v1 else nan],
                              "revenue_base": [rev0.sum()], "revenue_new": [rev1.sum()]})
        each = p.assign(revenue_base=rev0, revenue_new=rev1).sort_values("value_base", ascending=False, kind="stable")
        out = pd.concat([total, each[fields.EFFECTIVE_RATES.fields]], ignore_index=True)
        return out.fillna({"tariff_rate_new": 0.0, "tariff_rate_base": 0.0, "tariff_rate_new_base_weights": 0.0})

    def absorbed_share(self, importer: str) -> float:
        """The share of the change in ``importer``'s tariffs that foreign exporters absorb: their world-price cut
        over the tariff change, in logs, weighted by base-year value."""
        f = self.flows
        into = (f.importer == f.index(importer)) * f.value
        change = (into * (np.log1p(self.t1) - np.log1p(self.t0))).sum()
        return float(-(into * np.log(self.outcome.price_ratio)).sum() / change) if change else 0.0

    @cached_property
    def balances(self) -> pd.DataFrame:
        """Balances of every pair of countries with flows both ways in the data (one-way pairs
        would show only one side of their trade, so they are left out)."""
        p = self.pairs
        back = p.rename(columns={"exporter": "importer", "importer": "exporter"})[
            ["exporter", "importer", "value_base", "value_new"]]
        both = p[p.exporter != p.importer].merge(back, on=["exporter", "importer"], suffixes=("", "_back"), sort=False)
        return pd.DataFrame({"country": both.exporter.to_numpy(dtype=object), "partner": both.importer.to_numpy(dtype=object),
                             "balance_base": (both.value_base - both.value_base_back).to_numpy(dtype=float),
                             "balance_new": (both.value_new - both.value_new_back).to_numpy(dtype=float)})

    @cached_property
    def chapters(self) -> pd.DataFrame:
        """Change in value by direction and HS chapter (0 = residual lines), largest moves first."""
        f = self.flows
        t = catalog.read_csv("hs-chapters")
        names = dict(zip(t.chapter.tolist(), t.chapter_name.tolist()))
        n = len(f.countries)
        # grouped sums on integer keys (exporter, importer, chapter): sorted as the names are, no string groupby
        pair_keys, pair = self._pair_index
        ranked, inv = dense_groups(pair.astype(np.int64) * 100 + hs.chapter(f.hs, f.hs_digits), pair_keys.size * 100)
        uniq = pair_keys[ranked // 100] * 100 + ranked % 100          # (exporter * n + importer) * 100 + chapter
        countries = np.array(f.countries, dtype=object)
        chapter = uniq % 100
        g = pd.DataFrame({"exporter": countries[uniq // 100 // n], "importer": countries[uniq // 100 % n],
                          "chapter": chapter, "value_base": np.bincount(inv, weights=self.value_base),
                          "value_new": np.bincount(inv, weights=self.value_new)})
        g["change"] = g.value_new - g.value_base
        g["chapter_name"] = [names.get(f"{c:02d}", "other goods, not itemised") if c else "other goods, not itemised"
                             for c in chapter]
        g["chapter"] = [f"{c:02d}" if c else "--" for c in chapter]
        order = np.argsort(-g.change.abs().to_numpy(), kind="stable")
        return g.iloc[order].reset_index(drop=True)

    @cached_property
    def products(self) -> pd.DataFrame:
        f = self.flows
        names = np.array(f.countries, dtype=object)
        return pd.DataFrame({"importer": names[f.importer], "exporter": names[f.exporter], "hs": f.hs_texts(),
                             "value_base": self.value_base, "value_new": self.value_new,
                             "rate_base": self.t0, "rate_new": self.t1,
                             "price_change": self.outcome.price_ratio - 1.0,
                             "wedge_new": self.t1 if self.wedge1 is None else self.wedge1,
                             "creation": self.creation_diversion[0], "diversion": self.creation_diversion[1]})

    def flag_notes(self, countries: set[str]) -> list[str]:
        """How many flows between the headline countries carry each data caveat, and their value."""
        f = self.flows
        idx = [i for i, c in enumerate(f.countries) if c in countries]
        among = np.isin(f.importer, idx) & np.isin(f.exporter, idx)
        out = []
        for bit, text in FLAG_TEXT.items():
            hit = among & ((f.flags & bit) != 0)
            if hit.any():
                out.append(f"{hit.sum():,} line(s), ${self.value_base[hit].sum() / 1e9:,.2f} bn of base trade: {text}.")
        return out
