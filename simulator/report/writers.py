"""JSON, CSV and Markdown writers of a result."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .. import fields
from ..fields import CSV_COLUMNS, TableFields
from ..frames import records
from ..headline import TOP_CHAPTERS
from ..results import Result
from . import tables

FORMATS = ("table", "json", "csv", "markdown")
SUFFIXES = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown", ".txt": "table"}

def format_from_suffix(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def _records(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    out = []
    for row in records(df[columns], index=False):
        rec = {}
        for k, v in zip(columns, row):
            if isinstance(v, (np.floating, float)):
                v = None if math.isnan(v) else float(v)
            elif isinstance(v, np.integer):
                v = int(v)
            rec[k] = v
        out.append(rec)
    return out


def _table(result: Result, table: TableFields) -> list[dict]:
    return _records(getattr(result, table.name), table.fields)


def to_dict(result: Result, detail: str | None = None) -> dict:
    doc = {
        "scenario": result.provenance.to_dict(),
        "countries": _table(result, fields.COUNTRIES),
        "pairs": _table(result, fields.PAIRS),
        "balances": _table(result, fields.BALANCES),
        "chapters": _table(result, fields.CHAPTERS),
        "effective_rates": _effective_rates(result),
        "measures": [m.to_dict() for m in result.measures],
        "instruments": [i.to_dict() for i in result.instruments],
        "prices": _table(result, fields.PRICES),
        "bands": [b.to_dict() for b in result.bands],
        "notes": result.notes,
    }
    if detail == "products":
        doc["products"] = _table(result, fields.PRODUCTS)
    return doc


def _effective_rates(result: Result) -> dict | None:
    """The rate importer's effective tariff on all imports and on every partner (the most quoted figures)."""
    imp = result.headline.rate_importer
    if imp is None:
        return None
    return {"importer": imp, "rows": _records(result.effective_rates(imp), fields.EFFECTIVE_RATES.fields)}


def to_json(result: Result, detail: str | None = None) -> str:
    return json.dumps(to_dict(result, detail), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def provenance_rows(result: Result) -> list[dict]:
    """The long CSV's text rows that say what the figures are: the scenario's name, file, date, data, basis and
    version (table ``scenario``), and every caveat (table ``notes``), in the ``text`` column."""
    doc = result.provenance.to_dict()

    def said(v: object) -> str:
        return " <- ".join(str(x) for x in v) if isinstance(v, list) else ("" if v is None else str(v))
    rows = [{"table": "scenario", "field": k, "text": said(doc[k])} for k in fields.CSV_PROVENANCE]
    return rows + [{"table": "notes", "field": "note", "text": n} for n in result.notes]


def to_csv(result: Result, detail: str | None = None) -> str:
    """One long table: ``table, country, partner, exporter, importer, hs, field, value, text``; the scenario's
    provenance first and its notes last, as text rows."""
    texts = provenance_rows(result)
    rows = texts[:len(fields.CSV_PROVENANCE)]

    def add(table: TableFields, df: pd.DataFrame, keys: tuple[str, ...] | None = None):
        keys = table.keys if keys is None else keys
        for rec in df.to_dict("records"):
            base = {"table": table.name, **{k: rec[k] for k in keys}}
            for f in table.numbers:
                rows.append({**base, "field": f, "value": rec[f]})

    add(fields.COUNTRIES, result.countries)
    add(fields.PAIRS, result.pairs)
    add(fields.BALANCES, result.balances)
    # the CSV has no chapter column: a chapter is an HS code of two digits
    add(fields.CHAPTERS, result.chapters.rename(columns={"chapter": "hs"}), ("exporter", "importer", "hs"))
    if detail == "products":
        add(fields.PRODUCTS, result.products)
    for b in result.bands:
        for q in ("p5", "p50", "p95"):
            rows.append({"table": "bands", "country": b.of, "field": f"{b.figure}_{q}", "value": getattr(b, q)})
    rows += texts[len(fields.CSV_PROVENANCE):]
    df = pd.DataFrame(rows, columns=CSV_COLUMNS)
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format="%.6f")
    return buf.getvalue()


def _md_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    """A well-formed Markdown table: every row as many cells as the header (checked), pipes in text escaped."""
    for r in rows:
        if len(r) != len(headers):
            raise ValueError(f"Markdown table: {len(r)} cells under {len(headers)} headers ({headers[0]})")
    lines = ["| " + " | ".join(map(_md_cell, headers)) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in rows]
    return "\n".join(lines)


def to_markdown(result: Result, detail: str | None = None) -> str:
    div, label = tables.money_unit(result)
    bn = lambda x: tables.money(x, div)  # noqa: E731
    s, head = result.provenance, result.headline
    out = [f"## {s.name}", "",
           f"`{s.file}` · dataset `{s.dataset}` · basis `{s.basis}` · model `{s.model}`"
           + (f" · as of {s.as_of}" if s.as_of else "") + f" · {label}", ""]
    out += ["### Bilateral trade", "", _md_table(["Exporter → importer", "Base", "Scenario", "Change"], [
        [f"{r.exporter} → {r.importer}", bn(r.value_base), bn(r.value_new), bn(r.change)]
        for r in records(head.pairs)]), ""]
    b = head.balances
    if len(b):
        out += ["### Trade balance (exports − imports)", "", _md_table(["Country vs partner", "Base", "Scenario", "Change"], [
            [f"{r.country} vs {r.partner}", bn(r.balance_base), bn(r.balance_new), bn(r.change)] for r in records(b)]), ""]
    out += ["### Imports covered by the data (all sources), tariff revenue and welfare", "", _md_table(
        ["Country", "Imports base", "Imports new", "Revenue base", "Revenue new", "ΔCS", "ΔPS", "Welfare"], [
            [r.country, bn(r.imports_base), bn(r.imports_new), bn(r.tariff_revenue_base), bn(r.tariff_revenue_new),
             bn(r.consumer_surplus_change), bn(r.producer_surplus_change), bn(r.welfare_change)]
            for r in records(head.country_totals)]), ""]
    imp, er = head.rate_importer, head.effective_rates()
    if imp is not None and len(er) > 1:
        out += [f"### Effective tariff on {imp} imports (trade-weighted) and revenue", "", _md_table(
            ["From", "Imports base", "Rate base", "Rate new", "After substitution", "Revenue new"], [
                ["all imports" if r.exporter == "all" else r.exporter, bn(r.value_base), tables.pct(r.tariff_rate_base),
                 tables.pct(r.tariff_rate_new_base_weights), tables.pct(r.tariff_rate_new), bn(r.revenue_new)]
                for r in records(er)]), ""]
    out += [f"### HS chapters that move most (top {TOP_CHAPTERS})", "", _md_table(
        ["Flow", "Chapter", "Base", "Scenario", "Change"], [
            [f"{r.exporter} → {r.importer}", f"{r.chapter} {r.chapter_name}", bn(r.value_base), bn(r.value_new), bn(r.change)]
            for r in records(head.chapters)]), ""]
    rows = tables.measure_rows(result)
    if rows:
        out += [f"### {tables.measures_title(result)}", "",
                _md_table(["Id", "Kind", "Rate", "Trade covered", "Reference"], rows), ""]
    if result.bands:
        out += [f"### {tables.draws_title(result)}", "",
                _md_table(["Figure", "Of", "5%", "50%", "95%"], tables.band_rows(result)), ""]
    rows = tables.instruments(result)
    if rows:
        out += ["### Quotas and purchase commitments", "", _md_table(["Id", "Kind", "Regime", "Rate", "Detail"], rows), ""]
    out += ["### Notes", "", *[f"- {n}" for n in result.notes], ""]
    if detail == "products":
        p = result.products
        out += ["### Products", "", _md_table(fields.PRODUCTS.fields, [
            [r.importer, r.exporter, r.hs, bn(r.value_base), bn(r.value_new), f"{r.rate_base:.4f}", f"{r.rate_new:.4f}",
             f"{r.price_change:+.4f}", f"{r.wedge_new:.4f}", bn(r.creation), bn(r.diversion)] for r in records(p)]), ""]
    return "\n".join(out)


def check_finite(result: Result, detail: str | None) -> None:
    """No writer prints an infinity: a result that holds one is refused, naming the first table and field.
    (NaN is a rate with no trade to weight it: printed as null / an empty cell.)"""
    from ..errors import InputError, Problem
    frames = {"countries": result.countries, "pairs": result.pairs, "balances": result.balances,
              "prices": result.prices, **({"products": result.products} if detail == "products" else {})}
    for table, df in frames.items():
        check_finite_table(df, result.provenance.file, table)
    for b in result.bands:
        if any(math.isinf(q) for q in (b.p5, b.p50, b.p95)):
            raise InputError(Problem(result.provenance.file, f"bands {b.figure} of {b.of}",
                                     "an elasticity draw gives an infinite value; narrow the draws' ranges"))


def check_finite_table(df: pd.DataFrame, file: str, table: str) -> None:
    """A table that holds an infinity is refused, naming the file, the table, its row and column. A path checks
    its own table this way, the figures it prints, not every table of every date's result."""
    from ..errors import InputError, Problem
    for column in df.columns:
        values = df[column].to_numpy()
        if values.dtype.kind == "f" and np.isinf(values).any():
            row = int(np.flatnonzero(np.isinf(values))[0])
            raise InputError(Problem(file, f"{table}[{row}].{column}",
                                     "the model gives an infinite value here: the scenario's rates or elasticities "
                                     "are beyond what it can compute (see docs/MODELS.md for the ranges)"))


def render(result: Result, fmt: str, detail: str | None = None) -> str:
    check_finite(result, detail)
    if fmt == "json":
        return to_json(result, detail)
    if fmt == "csv":
        return to_csv(result, detail)
    if fmt == "markdown":
        return to_markdown(result, detail)
    raise ValueError(f"render: unsupported format {fmt}")
