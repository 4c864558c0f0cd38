"""HS revision concordances supplied by the user: ``from_hs, to_hs`` and optionally ``weight``.

A source code that maps to several targets needs a weight per target (the share of its value, and
quantity, that goes to each); the weights of each ``from_hs`` sum to 1. Every source code in the
data must be in the file: a code the concordance does not cover is an error, never kept unconverted
beside converted ones. tariffsim ships no concordance and invents none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ... import hs
from .common import Problems, Report, by_value, missing_columns, numbers, read_csv

TOLERANCE = 1e-6


@dataclass(frozen=True)
class Concordance:
    table: pd.DataFrame   # from_hs, to_hs, weight
    shown: str


def read(path: str | Path) -> Concordance:
    path = Path(path)
    shown = str(path)
    table = read_csv(path, shown)
    problems = Problems(shown)
    layout = "a concordance has columns from_hs, to_hs and optionally weight"
    cols = missing_columns(table, problems, {"from": ("from_hs",), "to": ("to_hs",)}, layout)
    src, dst = table.text(cols["from"]), table.text(cols["to"])
    for column, codes in (("from_hs", src), ("to_hs", dst)):
        why = by_value(codes, hs.code_problem).tolist()
        problems.rows([w is not None for w in why], table.labels, lambda i, why=why: f"column '{column}': {why[i]}")
    weight_col = table.column("weight")
    n_targets = src.map(src.value_counts()).to_numpy()
    if weight_col is None:
        weight = np.ones(len(table))
        problems.rows(n_targets > 1, table.labels,
                      lambda i: f"from_hs {src.iloc[i]} maps to {n_targets[i]} codes: add a weight column "
                                "(the share of its value that goes to each code)")
    else:
        raw = table.text(weight_col)
        blank_alone = ((raw == "") & (n_targets == 1)).to_numpy()   # a lone target takes the whole value
        weight = numbers(raw.where(~blank_alone, "1"), table.labels, problems, "weight", required=True)
        problems.rows(np.nan_to_num(weight) > 1 + TOLERANCE, table.labels,
                      lambda i: f"column 'weight': {raw.iloc[i]} is above 1")
    dup = pd.DataFrame({"f": src, "t": dst}).duplicated(keep="first").to_numpy()
    problems.rows(dup, table.labels, lambda i: f"{src.iloc[i]} -> {dst.iloc[i]} appears twice")
    problems.check()
    frame = pd.DataFrame({"from_hs": src, "to_hs": dst, "weight": weight, "label": table.labels})
    sums = frame.groupby("from_hs", sort=False)["weight"].sum()
    for code, total in sums.items():
        if abs(total - 1) > TOLERANCE:
            first = frame.loc[frame.from_hs == code, "label"].iloc[0]
            problems.add(first, f"the weights of from_hs {code} sum to {total:.6g}, not 1")
    problems.check()
    return Concordance(frame[["from_hs", "to_hs", "weight"]], shown)


def apply(rows: pd.DataFrame, conc: Concordance, report: Report) -> pd.DataFrame:
    """Each row's value and quantity shared over its code's targets by the weights."""
    table = conc.table
    codes = pd.unique(rows["hs"])
    covered = set(table["from_hs"])
    missing = [c for c in codes if c not in covered]
    if missing:
        problems = Problems(conc.shown)
        counts = rows["hs"].value_counts()
        for code in missing:
            problems.add("column from_hs", f"no row for HS {code}, found in {report.shown} "
                                           f"({counts[code]} row{'s' if counts[code] > 1 else ''}): every code of the "
                                           "data needs a row (write from_hs = to_hs for a code that does not change)")
        problems.check()
    merged = rows.merge(table, left_on="hs", right_on="from_hs", how="left")
    merged["value"] = merged["value"] * merged["weight"]
    merged["quantity"] = merged["quantity"] * merged["weight"]
    merged["hs"] = merged["to_hs"]
    used = table[table.from_hs.isin(codes)]
    split = int((used.groupby("from_hs").size() > 1).sum())
    joined = int((used.groupby("to_hs").size() > 1).sum())
    report.notes.append(f"HS codes converted with the concordance {conc.shown}: {len(codes)} source codes to "
                        f"{used.to_hs.nunique()} codes; {split} split over several codes by the weights (value and "
                        f"quantity alike), {joined} codes receive several source codes.")
    return merged[rows.columns.tolist()]

