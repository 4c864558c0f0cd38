"""JSON, CSV and Markdown writers, and atomic file output (never a half-written file)."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..frames import records
from ..results import EFFECTIVE_RATE_FIELDS, Result
from . import tables

FORMATS = ("table", "json", "csv", "markdown")
SUFFIXES = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown", ".txt": "table"}

COUNTRY_FIELDS = ["country", "exports_base", "exports_new", "imports_base", "imports_new", "tariff_revenue_base",
                  "tariff_revenue_new", "consumer_surplus_change", "producer_surplus_change", "welfare_change",
                  "quota_rent_new", "commitment_cost"]
PAIR_FIELDS = ["exporter", "importer", "value_base", "value_new", "tariff_rate_base", "tariff_rate_new_base_weights",
               "tariff_rate_new", "creation", "diversion"]
BALANCE_FIELDS = ["country", "partner", "balance_base", "balance_new"]
PRODUCT_FIELDS = ["importer", "exporter", "hs", "value_base", "value_new", "rate_base", "rate_new", "price_change",
                  "wedge_new", "creation", "diversion"]
PRICE_FIELDS = ["exporter", "hs", "price_change", "exports_base"]
CHAPTER_FIELDS = ["exporter", "importer", "chapter", "chapter_name", "value_base", "value_new"]


def format_from_suffix(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def _records(df: pd.DataFrame, fields: list[str]) -> list[dict]:
    out = []
    for row in records(df[fields], index=False):
        rec = {}
        for k, v in zip(fields, row):
            if isinstance(v, (np.floating, float)):
                v = None if math.isnan(v) else float(v)
            elif isinstance(v, np.integer):
                v = int(v)
            rec[k] = v
        out.append(rec)
    return out


def to_dict(result: Result, detail: str | None = None) -> dict:
    doc = {
        "scenario": result.scenario,
        "countries": _records(result.countries, COUNTRY_FIELDS),
        "pairs": _records(result.pairs, PAIR_FIELDS),
        "balances": _records(result.balances, BALANCE_FIELDS),
        "chapters": _records(result.chapters, CHAPTER_FIELDS),
        "effective_rates": _effective_rates(result),
        "measures": result.measures,
        "instruments": result.instruments,
        "prices": _records(result.prices, PRICE_FIELDS),
        "bands": result.bands,
        "notes": result.notes,
    }
    if detail == "products":
        doc["products"] = _records(result.products, PRODUCT_FIELDS)
    return doc


def _effective_rates(result: Result) -> dict | None:
    """The rate importer's effective tariff on all imports and on every partner (the most quoted figures)."""
    imp = tables.rate_importer(result)
    if imp is None:
        return None
    return {"importer": imp, "rows": _records(result.effective_rates(imp), EFFECTIVE_RATE_FIELDS)}


def to_json(result: Result, detail: str | None = None) -> str:
    return json.dumps(to_dict(result, detail), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(result: Result, detail: str | None = None) -> str:
    """One long table: ``table, country, partner, exporter, importer, hs, field, value``."""
    rows = []

    def add(table: str, df: pd.DataFrame, keys: list[str], values: list[str]):
        for rec in df.to_dict("records"):
            base = {"table": table, **{k: rec[k] for k in keys}}
            for f in values:
                rows.append({**base, "field": f, "value": rec[f]})

    add("countries", result.countries, ["country"], COUNTRY_FIELDS[1:])
    add("pairs", result.pairs, ["exporter", "importer"], PAIR_FIELDS[2:])
    add("balances", result.balances, ["country", "partner"], BALANCE_FIELDS[2:])
    ch = result.chapters.rename(columns={"chapter": "hs"})
    add("chapters", ch, ["exporter", "importer", "hs"], ["value_base", "value_new"])
    if detail == "products":
        add("products", result.products, ["importer", "exporter", "hs"], PRODUCT_FIELDS[3:])
    for b in result.bands:
        for q in ("p5", "p50", "p95"):
            rows.append({"table": "bands", "country": b["of"], "field": f"{b['figure']}_{q}", "value": b[q]})
    df = pd.DataFrame(rows, columns=["table", "country", "partner", "exporter", "importer", "hs", "field", "value"])
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format="%.6f")
    return buf.getvalue()


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def to_markdown(result: Result, detail: str | None = None) -> str:
    div, label = tables.money_unit(result)
    bn = lambda x: tables.money(x, div)  # noqa: E731
    s = result.scenario
    out = [f"## {s['name']}", "",
           f"`{s['file']}` · dataset `{s['dataset']}` · basis `{s['basis']}` · model `{s['model']}`"
           + (f" · as of {s['as_of']}" if s["as_of"] else "") + f" · {label}", ""]
    out += ["### Bilateral trade", "", _md_table(["Exporter → importer", "Base", "Scenario", "Change"], [
        [f"{r.exporter} → {r.importer}", bn(r.value_base), bn(r.value_new), bn(r.change)]
        for r in records(tables.bilateral(result))]), ""]
    b = tables.balances(result)
    if len(b):
        out += ["### Trade balance (exports − imports)", "", _md_table(["Country vs partner", "Base", "Scenario", "Change"], [
            [f"{r.country} vs {r.partner}", bn(r.balance_base), bn(r.balance_new), bn(r.change)] for r in records(b)]), ""]
    out += ["### Imports covered by the data (all sources), tariff revenue and welfare", "", _md_table(
        ["Country", "Imports base", "Imports new", "Revenue base", "Revenue new", "ΔCS", "ΔPS", "Welfare"], [
            [r.country, bn(r.imports_base), bn(r.imports_new), bn(r.tariff_revenue_base), bn(r.tariff_revenue_new),
             bn(r.consumer_surplus_change), bn(r.producer_surplus_change), bn(r.welfare_change)]
            for r in records(tables.countries(result))]), ""]
    imp, er = tables.effective_rates(result)
    if imp is not None and len(er) > 1:
        out += [f"### Effective tariff on {imp} imports (trade-weighted) and revenue", "", _md_table(
            ["From", "Imports base", "Rate base", "Rate new", "After substitution", "Revenue new"], [
                ["all imports" if r.exporter == "all" else r.exporter, bn(r.value_base), tables.pct(r.tariff_rate_base),
                 tables.pct(r.tariff_rate_new_base_weights), tables.pct(r.tariff_rate_new), bn(r.revenue_new)]
                for r in records(er)]), ""]
    out += [f"### HS chapters that move most (top {tables.TOP_CHAPTERS})", "", _md_table(
        ["Flow", "Chapter", "Base", "Scenario", "Change"], [
            [f"{r.exporter} → {r.importer}", f"{r.chapter} {r.chapter_name}", bn(r.value_base), bn(r.value_new), bn(r.change)]
            for r in records(tables.chapters(result))]), ""]
    if result.bands:
        out += [f"### {tables.draws_title(result)}", "",
                _md_table(["Figure", "Of", "5%", "50%", "95%"], tables.band_rows(result)), ""]
    rows = tables.instruments(result)
    if rows:
        out += ["### Quotas and purchase commitments", "", _md_table(["Id", "Kind", "Regime", "Rate", "Detail"], rows), ""]
    out += ["### Notes", "", *[f"- {n}" for n in result.notes], ""]
    if detail == "products":
        p = result.products
        out += ["### Products", "", _md_table(PRODUCT_FIELDS, [
            [r.importer, r.exporter, r.hs, bn(r.value_base), bn(r.value_new), f"{r.rate_base:.4f}", f"{r.rate_new:.4f}",
             f"{r.price_change:+.4f}"] for r in records(p)]), ""]
    return "\n".join(out)


def render(result: Result, fmt: str, detail: str | None = None) -> str:
    if fmt == "json":
        return to_json(result, detail)
    if fmt == "csv":
        return to_csv(result, detail)
    if fmt == "markdown":
        return to_markdown(result, detail)
    raise ValueError(f"render: unsupported format {fmt}")


def _umask() -> int:
    mask = os.umask(0)          # the only portable way to read it is to set it: put it back at once
    os.umask(mask)
    return mask


def write_atomic(path: Path, content) -> None:
    """Write next to the target and rename, so a failure never leaves a partial file. ``content``: the text, or a
    function that writes the file at the path it is given (e.g. a Parquet writer)."""
    from ..errors import InputError, Problem
    path = Path(path)
    if path.is_dir():
        raise InputError(Problem(str(path) or ".", None, "cannot write: it is a directory; give a file name"))
    if not path.parent.is_dir():
        raise InputError(Problem(str(path), None, f"cannot write: directory '{path.parent}' does not exist"))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise InputError(Problem(str(path), None, f"cannot write: {exc.strerror}"))
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
        # the mode a new file would get (the user's umask), or the replaced file's own: not mkstemp's 0600
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
