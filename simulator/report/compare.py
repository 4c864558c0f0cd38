"""Rendering a comparison: side-by-side terminal and Markdown tables, JSON and CSV."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
from rich.console import Group, RenderableType
from rich.text import Text

from ..comparison import Comparison
from ..fields import COMPARE_CSV_COLUMNS, COMPARED, CSV_PROVENANCE
from ..frames import records
from ..headline import RATE_KINDS
from . import tables
from .plain import PlainTable as Table
from .tables import money
from .writers import _md_table, _records

GROUP_TITLES = {"balance": "Balance (exports − imports)", "trade": "Trade", "tariff": "Effective tariff",
                "imports": "Imports covered by the data", "exports": "Exports covered by the data",
                "revenue": "Tariff revenue", "welfare": "Welfare change"}


def _fmt(group: str, x: float, div: float) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "n/a"
    return f"{x * 100:.2f}%" if group in RATE_KINDS else money(x, div)


def _delta(group: str, x: float, base: float, div: float) -> str:
    if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in (x, base)):
        return "n/a"
    d = x - base
    return f"{round(d * 100, 2) + 0.0:+.2f} pt" if group in RATE_KINDS else money(d, div, sign=True)


def _unit(cmp: Comparison) -> tuple[float, str]:
    return tables.money_unit(cmp.results[0])


def _rows(cmp: Comparison) -> tuple[list[str], list[list[str]]]:
    div, _ = _unit(cmp)
    head = cmp.headline()
    labels = cmp.labels
    columns = ["Figure", labels[0]] + [c for lab in labels[1:] for c in (lab, "Δ")]
    rows = []
    for r in records(head, index=False):
        group, of, values = r[0], r[1], list(r[2:])
        row = [f"{GROUP_TITLES[group]}: {of}", _fmt(group, values[0], div)]
        for v in values[1:]:
            row += [_fmt(group, v, div), _delta(group, v, values[0], div)]
        rows.append(row)
    return columns, rows


def _chapter_rows(cmp: Comparison) -> tuple[list[str], list[list[str]]]:
    div, _ = _unit(cmp)
    ch = cmp.chapters_that_differ()
    labels = cmp.labels
    columns = ["Flow", "Chapter", labels[0]] + [c for lab in labels[1:] for c in (lab, "Δ")]
    rows = []
    for r in records(ch, index=False):
        d = r._asdict()
        name = d["chapter_name"] if len(d["chapter_name"]) <= 40 else d["chapter_name"][:39] + "…"
        vals = list(r[4:])
        row = [f"{d['exporter']} → {d['importer']}", f"{d['chapter']} {name}", money(vals[0], div)]
        for v in vals[1:]:
            row += [money(v, div), money(v - vals[0], div, sign=True)]
        rows.append(row)
    return columns, rows


def _band_rows(cmp: Comparison) -> tuple[list[str], list[list[str]]]:
    """Per figure, each scenario's 5%-95% band (empty when the run had no draws)."""
    div, _ = _unit(cmp)
    keyed = [{(b.figure, b.of): b for b in r.bands} for r in cmp.results]
    order = list(dict.fromkeys(k for bands in keyed for k in bands))
    rows = []
    for fig, of in order:
        row = [f"{GROUP_TITLES[fig]}: {of}"]
        for bands in keyed:
            b = bands.get((fig, of))
            row.append("" if b is None else f"{_fmt(fig, b.p5, div)} – {_fmt(fig, b.p95, div)}")
        rows.append(row)
    return ["Figure (5% – 95%)", *cmp.labels], rows


NARROW = 120      # below this console width a comparison is printed long: a row per figure and scenario


def _long(columns: list[str], rows: list[list[str]], keys: int, letters: list[str]) -> tuple[list[str], list[list[str]]]:
    """A wide side-by-side table as a narrow one: each row's ``keys`` leading cells on a line of their own, then a
    line per scenario (its letter, value, Δ against the first)."""
    out = []
    for row in rows:
        out.append([" · ".join(c for c in row[:keys] if c), "", ""])
        values = row[keys:]
        out.append([f"  {letters[0]}", values[0], ""])
        for i, letter in enumerate(letters[1:]):
            out.append([f"  {letter}", values[1 + 2 * i], values[2 + 2 * i]])
    return [columns[0] if keys == 1 else " · ".join(columns[:keys]), "Value", "Δ"], out


def renderable(cmp: Comparison, width: int | None = None) -> Group:
    """Side by side; where ``width`` (the console's) is under NARROW, long, with letters for the scenarios."""
    _, label = _unit(cmp)
    narrow = width is not None and width < NARROW
    letters = [chr(ord("A") + i) if i < 26 else str(i + 1) for i in range(len(cmp.labels))]
    parts: list[RenderableType] = [Text.assemble(("Scenarios compared", "bold"), f" · {label}; Δ against {cmp.labels[0]}")]
    for letter, lab, r in zip(letters, cmp.labels, cmp.results):
        s = r.provenance
        parts.append(Text(f"  {letter + ' = ' if narrow else ''}{lab}: {s.name} (model {s.model}, basis {s.basis}"
                          + (f", as of {s.as_of}" if s.as_of else "") + ")", style="dim"))
    tables_ = [("Headline figures", _rows(cmp)), ("HS chapters that differ most", _chapter_rows(cmp))]
    if narrow:
        tables_ = [(title, _long(*table, keys=1 if i == 0 else 2, letters=letters)) for i, (title, table) in enumerate(tables_)]
    if any(r.bands for r in cmp.results):
        columns, rows = _band_rows(cmp)
        if narrow:      # a line per figure and scenario
            rows = [line for row in rows for line in
                    ([[row[0], ""]] + [[f"  {letter}", band] for letter, band in zip(letters, row[1:])])]
            columns = [columns[0], "5% – 95%"]
        tables_.append((tables.draws_title(cmp.results[0]), (columns, rows)))
    for title, (columns, rows) in tables_:
        t = Table(title=title, title_justify="left", title_style="bold")
        for i, c in enumerate(columns):
            t.add_column(c, justify="left" if i == 0 or c == "Chapter" else "right")
        for row in rows:
            t.add_row(*row)
        parts.append(t)
    notes = Text("Notes\n", style="bold")
    seen = []
    for r in cmp.results:
        for n in r.notes[:2]:
            if n not in seen:
                seen.append(n)
    for n in seen:
        notes.append(f"• {n}\n", style="dim")
    parts.append(notes)
    return Group(*parts)


def to_markdown(cmp: Comparison) -> str:
    _, label = _unit(cmp)
    out = [f"## Scenarios compared ({label}; Δ against {cmp.labels[0]})", ""]
    for lab, r in zip(cmp.labels, cmp.results):
        s = r.provenance
        out.append(f"- `{lab}`: {s.name} (model `{s.model}`, basis `{s.basis}`, "
                   f"{f'as of {s.as_of}' if s.as_of else 'measures as dated in the file'})")
    out.append("")
    tables_ = [("Headline figures", _rows(cmp)), ("HS chapters that differ most", _chapter_rows(cmp))]
    if any(r.bands for r in cmp.results):
        tables_.append(("Uncertainty bands", _band_rows(cmp)))
    for title, (columns, rows) in tables_:
        out += [f"### {title}", "", _md_table(columns, rows), ""]
    out += ["### Notes", ""] + [f"- {n}" for n in _notes(cmp)] + [""]
    return "\n".join(out)


def _notes(cmp: Comparison) -> list[str]:
    """Every scenario's notes and caveats, once each; a note not shared by all names its scenarios."""
    order: dict[str, list[str]] = {}
    for lab, r in zip(cmp.labels, cmp.results):
        for n in r.notes:
            order.setdefault(n, []).append(lab)
    return [n if len(labs) == len(cmp.labels) else f"{n} ({', '.join(labs)})" for n, labs in order.items()]


def to_json(cmp: Comparison) -> str:
    doc = {"scenarios": [r.provenance.to_dict() for r in cmp.results], "labels": cmp.labels}
    for table in COMPARED:
        df = cmp.long(table)
        doc[table] = _records(df, list(df.columns))
    head = cmp.headline()
    doc["headline"] = _records(head, list(head.columns))
    doc["bands"] = {lab: [b.to_dict() for b in r.bands] for lab, r in zip(cmp.labels, cmp.results)}
    doc["notes"] = [n for r in cmp.results[:1] for n in r.notes]
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(cmp: Comparison) -> str:
    """One long table: ``table, scenario, country, partner, exporter, importer, chapter, field, value, delta_vs_first,
    text``; each scenario's provenance first and the notes last, as text rows (``text``), as in a run's CSV."""
    from .writers import provenance_rows
    rows = []
    texts = {lab: provenance_rows(r) for lab, r in zip(cmp.labels, cmp.results)}
    n = len(CSV_PROVENANCE)
    for lab, t in texts.items():
        rows += [{**row, "scenario": lab} for row in t[:n]]
    for table, compared in COMPARED.items():
        keys = compared.keys
        df = cmp.long(table)
        fields = [c for c in df.columns if c not in keys and c != "scenario" and not c.endswith("_vs_first")
                  and f"{c}_vs_first" in df.columns]
        for rec in df.to_dict("records"):
            for f in fields:
                rows.append({"table": table, "scenario": rec["scenario"], **{k: rec[k] for k in keys},
                             "field": f, "value": rec[f], "delta_vs_first": rec[f"{f}_vs_first"]})
    for lab, t in texts.items():
        rows += [{**row, "scenario": lab} for row in t[n:]]
    buf = io.StringIO()
    pd.DataFrame(rows, columns=COMPARE_CSV_COLUMNS).to_csv(buf, index=False, float_format="%.6f")
    return buf.getvalue()
