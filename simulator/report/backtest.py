"""The back-test as a terminal table, JSON, CSV and Markdown. No economics here."""

from __future__ import annotations

import io
import json

import pandas as pd
from rich.console import Group
from rich.text import Text

from ..backtest import Backtest, Row, full_year
from ..frames import records
from .plain import PlainTable as Table

FIELDS = ["month", "series", "unit", "level_2024", "modelled", "realised", "difference", "difference_share"]


def frame(bt: Backtest) -> pd.DataFrame:
    def record(r: Row, month: str) -> dict:
        return {"month": month, "series": r.series, "unit": r.unit, "level_2024": r.level_2024,
                "modelled": r.modelled, "realised": r.realised, "difference": r.difference,
                "difference_share": r.difference_share}
    rows = [record(r, r.month.strftime("%Y-%m")) for r in bt.rows]
    rows += [record(r, f"{bt.year} (months with data)") for r in full_year(bt)]
    return pd.DataFrame(rows, columns=FIELDS)


def _num(v, unit: str) -> str:
    if v is None or pd.isna(v):
        return "n/a"
    return f"{v:,.2f}%" if unit == "%" else f"{v:,.2f}"


def _diff(r) -> str:
    if r.difference is None or pd.isna(r.difference):
        return "n/a"
    if r.unit == "%":
        return f"{r.difference:+.2f} pt"
    return f"{r.difference:+,.2f} ({100 * r.difference_share:+.1f}%)"


def renderable(bt: Backtest):
    df = frame(bt)
    title = f"Back-test of {bt.file}: modelled against realised, {bt.year} (US$ billion a month; % for rates)"
    t = Table(title=title, title_justify="left", title_style="bold")
    for c in ("Month", "Series", "2024 level", "Modelled", "Realised", "Realised − modelled"):
        t.add_column(c, justify="left" if c in ("Month", "Series") else "right")
    last = None
    for r in records(df):
        if last is not None and r.month != last:
            t.add_section()
        last = r.month
        t.add_row(r.month, r.series, _num(r.level_2024, r.unit), _num(r.modelled, r.unit), _num(r.realised, r.unit),
                  _diff(r))
    notes = Text("\n".join(f"- {n}" for n in bt.notes), style="dim")
    return Group(t, notes)


def to_json(bt: Backtest) -> str:
    df = frame(bt)
    doc = {"scenario": bt.scenario, "file": bt.file, "year": bt.year, "notes": bt.notes,
           "rows": [{k: (None if v is None or (isinstance(v, float) and pd.isna(v)) else v) for k, v in rec.items()}
                    for rec in df.to_dict("records")]}
    return json.dumps(doc, indent=2) + "\n"


def to_csv(bt: Backtest) -> str:
    from .explain import with_note_rows
    buf = io.StringIO()
    with_note_rows(frame(bt), list(bt.notes)).to_csv(buf, index=False, float_format="%.6f")
    return buf.getvalue()


def to_markdown(bt: Backtest) -> str:
    df = frame(bt)
    out = [f"**Back-test of {bt.file}, {bt.year}** (US$ billion a month; % for rates)", "",
           "| Month | Series | 2024 level | Modelled | Realised | Realised − modelled |", "|---|---|---:|---:|---:|---:|"]
    out += [f"| {r.month} | {r.series} | {_num(r.level_2024, r.unit)} | {_num(r.modelled, r.unit)} | "
            f"{_num(r.realised, r.unit)} | {_diff(r)} |" for r in records(df)]
    out += ["", *[f"- {n}" for n in bt.notes], ""]
    return "\n".join(out)
