"""Several scenarios side by side: one long table per kind of result, with deltas against the first."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .frames import records
from .report import tables
from .results import Result

KEYS = {"countries": ["country"], "pairs": ["exporter", "importer"], "balances": ["country", "partner"],
        "chapters": ["exporter", "importer", "chapter"]}


@dataclass(frozen=True)
class Comparison:
    results: list[Result]

    @property
    def labels(self) -> list[str]:
        """Short column labels: the scenario files (unique), else their names."""
        files = [r.scenario["file"] for r in self.results]
        return files if len(set(files)) == len(files) else [f"{i + 1}: {f}" for i, f in enumerate(files)]

    def long(self, table: str) -> pd.DataFrame:
        """All scenarios' rows of one table, a ``scenario`` column first, and ``<field>_vs_first``."""
        keys = KEYS[table]
        frames = []
        for label, r in zip(self.labels, self.results):
            df = getattr(r, table).copy()
            if table == "chapters":
                df = df.drop(columns=["change"], errors="ignore")
            df.insert(0, "scenario", label)
            frames.append(df)
        out = pd.concat(frames, ignore_index=True)
        numeric = [c for c in frames[0].columns if c not in keys and c != "scenario"
                   and pd.api.types.is_numeric_dtype(frames[0][c])]
        first = frames[0][keys + numeric].rename(columns={c: f"{c}__first" for c in numeric})
        joined = out.merge(first, on=keys, how="left")
        for c in numeric:
            out[f"{c}_vs_first"] = joined[c] - joined[f"{c}__first"]
        return out

    def headline(self) -> pd.DataFrame:
        """One row per headline figure, one column per scenario (US dollars; tariff rates as fractions)."""
        rows: dict[tuple[str, str], list[float]] = {}
        order: list[tuple[str, str]] = []

        def put(group, label, i, value):
            key = (group, label)
            if key not in rows:
                rows[key] = [np.nan] * len(self.results)
                order.append(key)
            rows[key][i] = value

        for i, r in enumerate(self.results):
            for b in records(tables.balances(r)):
                put("balance", f"{b.country} vs {b.partner}", i, b.balance_new)
            bilateral = tables.bilateral(r)
            for p in records(bilateral):
                put("trade", f"{p.exporter} → {p.importer}", i, p.value_new)
            for p in records(bilateral):
                put("tariff", f"{p.exporter} → {p.importer} (trade-weighted)", i, p.tariff_rate_new)
            for c in records(tables.countries(r)):
                put("imports", c.country, i, c.imports_new)
                put("exports", c.country, i, c.exports_new)
                put("revenue", c.country, i, c.tariff_revenue_new)
                put("welfare", c.country, i, c.welfare_change)
        out = pd.DataFrame([[g, lab, *rows[(g, lab)]] for g, lab in order], columns=["figure", "of", *self.labels])
        return out

    def chapters_that_differ(self, top: int = tables.TOP_CHAPTERS) -> pd.DataFrame:
        """HS chapters whose new trade differs most from the first scenario's, among headline countries."""
        keep = set(tables.headline_countries(self.results[0]))
        frames = []
        for label, r in zip(self.labels, self.results):
            c = r.chapters
            c = c[c.exporter.isin(keep) & c.importer.isin(keep)]
            frames.append(c.set_index(["exporter", "importer", "chapter", "chapter_name"]).value_new.rename(label))
        wide = pd.concat(frames, axis=1).fillna(0.0)
        first = wide.iloc[:, 0]
        spread = wide.sub(first, axis=0).abs().max(axis=1)
        wide = wide.loc[spread.sort_values(ascending=False).index].head(top)
        return wide.reset_index()
