"""Several scenarios side by side: one long table per kind of result, with deltas against the first."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .fields import COMPARED
from .headline import TOP_CHAPTERS, Figure
from .results import Result

# the side-by-side rows: the balances, every pair's trade, every pair's tariff, then each country's figures
_ROW_GROUP = {"balance": 0, "trade": 1, "tariff": 2}


def _row_order(figures: tuple[Figure, ...]) -> list[Figure]:
    return sorted(figures, key=lambda f: _ROW_GROUP.get(f.kind, len(_ROW_GROUP)))


@dataclass(frozen=True)
class Comparison:
    results: list[Result]
    names: tuple[str, ...] | None = None     # the user's column labels (compare --label), one per result

    @property
    def labels(self) -> list[str]:
        """Short column labels: the user's, else the scenario files (unique), else numbered files."""
        if self.names is not None:
            return list(self.names)
        files = [r.provenance.file for r in self.results]
        return files if len(set(files)) == len(files) else [f"{i + 1}: {f}" for i, f in enumerate(files)]

    def long(self, table: str) -> pd.DataFrame:
        """All scenarios' rows of one table, a ``scenario`` column first, and ``<field>_vs_first``."""
        keys = list(COMPARED[table].keys)
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
        """One row per headline figure (``figure`` its kind, ``of`` what it is of), one column per scenario
        (US dollars; tariff rates as fractions)."""
        rows: dict[tuple[str, str], list[float]] = {}
        for i, r in enumerate(self.results):
            for f in _row_order(r.headline.figures):
                rows.setdefault((f.kind, f.of), [np.nan] * len(self.results))[i] = f.value
        return pd.DataFrame([[kind, of, *values] for (kind, of), values in rows.items()],
                            columns=["figure", "of", *self.labels])

    def chapters_that_differ(self, top: int = TOP_CHAPTERS) -> pd.DataFrame:
        """HS chapters whose new trade differs most from the first scenario's, across every partner (a change in
        the EU's or Japan's trade matters as much as Korea's)."""
        frames = []
        for label, r in zip(self.labels, self.results):
            c = r.chapters
            frames.append(c.set_index(["exporter", "importer", "chapter", "chapter_name"]).value_new.rename(label))
        wide = pd.concat(frames, axis=1).fillna(0.0)
        first = wide.iloc[:, 0]
        spread = wide.sub(first, axis=0).abs().max(axis=1)
        wide = wide.loc[spread.sort_values(ascending=False).index].head(top)
        return wide.reset_index()
