"""Rich tables for a terminal, figures in billions of US dollars."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.text import Text

from ..frames import records
from ..headline import TOP_CHAPTERS
from ..results import Result
from . import tables
from .plain import PlainTable as Table


def _pct(new: float, base: float) -> str:
    return f"{(new / base - 1) * 100:+.1f}%" if base else ""


def _table(title: str, columns: list[str]) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 or c in ("Chapter", "Kind", "Regime", "Rate", "Detail", "Figure", "Of", "Reference")
                     else "right")
    return t


def renderable(result: Result) -> Group:
    s, headline = result.provenance, result.headline
    div, label = tables.money_unit(result)

    def _bn(x: float) -> str:
        return tables.money(x, div)

    head = Text.assemble((s.name, "bold"), "\n",
                         f"{s.file} · dataset {s.dataset} · basis {s.basis} · model {s.model}"
                         + (f" · as of {s.as_of}" if s.as_of else "") + f" · {label}")
    parts: list[RenderableType] = [head]

    t = _table("Bilateral trade", ["Exporter → importer", "Base", "Scenario", "Change", "%"])
    for r in records(headline.pairs):
        t.add_row(f"{r.exporter} → {r.importer}", _bn(r.value_base), _bn(r.value_new), _bn(r.change),
                  _pct(r.value_new, r.value_base))
    parts.append(t)

    b = headline.balances
    if len(b):
        t = _table("Trade balance (exports − imports)", ["Country vs partner", "Base", "Scenario", "Change"])
        for r in records(b):
            t.add_row(f"{r.country} vs {r.partner}", _bn(r.balance_base), _bn(r.balance_new), _bn(r.change))
        parts.append(t)

    t = _table("Imports covered by the data (all sources), tariff revenue and welfare",
               ["Country", "Imports base", "Imports new", "Revenue base", "Revenue new", "ΔCS", "ΔPS", "Welfare"])
    for r in records(headline.country_totals):
        t.add_row(r.country, _bn(r.imports_base), _bn(r.imports_new), _bn(r.tariff_revenue_base),
                  _bn(r.tariff_revenue_new), _bn(r.consumer_surplus_change), _bn(r.producer_surplus_change),
                  _bn(r.welfare_change))
    parts.append(t)

    imp, er = headline.rate_importer, headline.effective_rates()
    if imp is not None and len(er) > 1:
        t = _table(f"Effective tariff on {imp} imports (trade-weighted) and revenue",
                   ["From", "Imports base", "Rate base", "Rate new", "After substitution", "Revenue new"])
        for r in records(er):
            t.add_row("all imports" if r.exporter == "all" else r.exporter, _bn(r.value_base), tables.pct(r.tariff_rate_base),
                      tables.pct(r.tariff_rate_new_base_weights), tables.pct(r.tariff_rate_new), _bn(r.revenue_new))
        parts.append(t)

    t = _table(f"HS chapters that move most (top {TOP_CHAPTERS})",
               ["Flow", "Chapter", "Base", "Scenario", "Change"])
    for r in records(headline.chapters):
        name = r.chapter_name if len(r.chapter_name) <= 48 else r.chapter_name[:47] + "…"
        t.add_row(f"{r.exporter} → {r.importer}", f"{r.chapter} {name}", _bn(r.value_base), _bn(r.value_new),
                  _bn(r.change))
    parts.append(t)

    rows = tables.measure_rows(result)
    if rows:
        t = _table(tables.measures_title(result), ["Id", "Kind", "Rate", "Trade covered", "Reference"])
        for r in rows:
            t.add_row(*r)
        parts.append(t)

    if result.bands:
        t = _table(tables.draws_title(result), ["Figure", "Of", "5%", "50%", "95%"])
        for r in tables.band_rows(result):
            t.add_row(*r)
        parts.append(t)

    rows = tables.instruments(result)
    if rows:
        t = _table("Quotas and purchase commitments", ["Id", "Kind", "Regime", "Rate", "Detail"])
        for r in rows:
            t.add_row(*r)
        parts.append(t)

    notes = Text("Notes\n", style="bold")
    for n in result.notes:
        notes.append(f"• {n}\n", style="dim")
    parts.append(notes)
    return Group(*parts)


def print_result(result: Result, console: Console) -> None:
    console.print(renderable(result))
