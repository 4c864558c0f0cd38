"""Rendering an explanation (every rule that touched a flow) and a time path."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd
from rich.console import Group, RenderableType
from rich.text import Text

from ..frames import records
from ..headline import PATH_PARTNERS
from ..records import Provenance
from ..results import Result
from .plain import PlainTable as Table
from .writers import check_finite_table


def _r(x) -> str:
    return "" if x is None or x != x else f"{x * 100:.2f}%"      # NaN: no trade to weight the rate


def explanation_renderable(ex) -> Group:
    parts: list[RenderableType] = [Text.assemble((ex.scenario, "bold"), f" · as of {ex.as_of or 'all dates'} · "
                           f"{len(ex.flows)} of {ex.total_matched} matching flow(s), largest first")]
    for f in ex.flows:
        t = Table(title=f"{f['exporter']} → {f['importer']}  HS {f['hs']}  (base value ${f['value'] / 1e6:,.1f} m)",
                  title_justify="left", title_style="bold")
        t.add_column("Step")
        t.add_column("Rate after", justify="right")
        t.add_column("How")
        for st in f["steps"]:
            t.add_row(st["step"], _r(st["rate"]), st["detail"])
        t.add_row(Text("scenario rate (before quotas and commitments)", style="bold"), Text(_r(f["rate_scenario"]), style="bold"),
                  f"base {_r(f['rate_base'])}" + (f"; non-tariff wedge {_r(f['wedge_ntm'])}" if f["wedge_ntm"] else ""))
        parts.append(t)
    return Group(*parts)


def _explanation_dict(ex) -> dict:
    return {"scenario": ex.scenario, "as_of": ex.as_of.isoformat() if ex.as_of else None,
            "matched": ex.total_matched, "flows": ex.flows}


def explanation_json(ex) -> str:
    return json.dumps(_explanation_dict(ex), indent=2) + "\n"


def explanations_csv(explanations, files: list[str]) -> str:
    """Every step of every explained flow as one long table: a row per scenario file, flow and step."""
    rows = [{"file": name, "as_of": ex.as_of.isoformat() if ex.as_of else "", "importer": f["importer"],
             "exporter": f["exporter"], "hs": f["hs"], "value": f["value"], "order": i + 1, "step": st["step"],
             "rate_after": st["rate"], "detail": st["detail"]}
            for name, ex in zip(files, explanations) for f in ex.flows
            for i, st in enumerate([*f["steps"], {"step": "scenario rate (before quotas and commitments)",
                                                  "rate": f["rate_scenario"], "detail": ""}])]
    return pd.DataFrame(rows).to_csv(index=False)


def explanations_markdown(explanations, files: list[str]) -> str:
    """A Markdown table per explained flow (largest first), and the rate in each scenario when there are several."""
    from .writers import _md_table
    out = []
    for name, ex in zip(files, explanations):
        out += [f"## {ex.scenario}", "", f"`{name}` · as of {ex.as_of or 'all dates'} · {len(ex.flows)} of "
                f"{ex.total_matched} matching flow(s), largest first", ""]
        for f in ex.flows:
            rows = [[st["step"], _r(st["rate"]), st["detail"]] for st in f["steps"]]
            rows.append(["**scenario rate** (before quotas and commitments)", _r(f["rate_scenario"]),
                         f"base {_r(f['rate_base'])}"])
            out += [f"### {f['exporter']} → {f['importer']} HS {f['hs']} (base value ${f['value'] / 1e6:,.1f} m)", "",
                    _md_table(["Step", "Rate after", "How"], rows), ""]
    if len(explanations) > 1:
        codes = list(dict.fromkeys(f["hs"] for ex in explanations for f in ex.flows))
        rows = [[name, str(ex.as_of or "all dates"), *[_r({f["hs"]: f["rate_scenario"] for f in ex.flows}.get(c))
                                                        for c in codes]] for name, ex in zip(files, explanations)]
        out += ["### Rate by scenario (before quotas and commitments)", "",
                _md_table(["Scenario", "As of", *[f"HS {c}" for c in codes]], rows), ""]
    return "\n".join(out)


def history_renderable(explanations, files: list[str]) -> Table:
    """The rate of each explained flow in each scenario, side by side."""
    codes = list(dict.fromkeys(f["hs"] for ex in explanations for f in ex.flows))
    t = Table(title="Rate by scenario (before quotas and commitments)", title_justify="left", title_style="bold")
    t.add_column("Scenario")
    t.add_column("As of")
    for c in codes:
        t.add_column(f"HS {c}", justify="right")
    for name, ex in zip(files, explanations):
        rates = {f["hs"]: f["rate_scenario"] for f in ex.flows}
        t.add_row(name, str(ex.as_of or "all dates"), *[_r(rates.get(c)) for c in codes])
    return t


def history_json(explanations, files: list[str]) -> str:
    return json.dumps({"scenarios": [{"file": f, **_explanation_dict(ex)} for f, ex in zip(files, explanations)]},
                      indent=2) + "\n"


@dataclass
class FirstDate:
    """What a path's first date says for the whole path (the same data and model on every date): its provenance
    and its notes, taken as the path is read date by date (``reading``), so the path is never held at once."""

    provenance: Provenance | None = None
    notes: list[str] = field(default_factory=list)

    def reading(self, series: Iterable[tuple[dt.date, Result]]) -> Iterator[tuple[dt.date, Result]]:
        for d, result in series:
            if self.provenance is None:
                self.provenance, self.notes = result.provenance, list(result.notes)
            yield d, result


def path_frame(series: Iterable[tuple]) -> pd.DataFrame:
    """One row per date and headline pair (trade, trade-weighted tariff and balance), then the rate importer's
    tariff on all its imports and on its largest partners. An infinity is refused (``check_finite_table``) in the
    tables of each date it reads and in the table itself: every writer of a path prints this table and nothing
    else of its results, so the results' other tables are not built."""
    def row(d, p, importer, balance):
        return {"date": d.isoformat(), "exporter": p.exporter, "importer": importer,
                "tariff_rate_base": p.tariff_rate_base, "tariff_rate_new_base_weights": p.tariff_rate_new_base_weights,
                "tariff_rate_new": p.tariff_rate_new, "value_base": p.value_base, "value_new": p.value_new,
                "exporter_balance_new": balance}

    rows = []
    file = None
    for d, r in series:
        file = r.provenance.file
        check_finite_table(r.pairs, file, "pairs")
        check_finite_table(r.balances, file, "balances")
        head = r.headline
        keep = set(head.countries)
        bal = r.balances.set_index(["country", "partner"])
        for p in records(head.pairs):
            b = bal.loc[(p.exporter, p.importer)] if (p.exporter, p.importer) in bal.index else None
            rows.append(row(d, p, p.importer, None if b is None else b.balance_new))
        # the rate importer's tariff on all its imports and on its largest partners ("all" = every source)
        rows += [row(d, p, head.rate_importer, None) for p in records(head.effective_rates(PATH_PARTNERS))
                 if p.exporter not in keep]
    df = pd.DataFrame(rows)
    if file is not None:
        check_finite_table(df, file, "path")
    return df


def path_renderable(series: Iterable[tuple[dt.date, Result]], name: str) -> Table:
    df = path_frame(series)
    t = Table(title=f"{name}: effective tariff and trade by date (US$ billion)", title_justify="left", title_style="bold")
    for c in ("Date", "Flow", "Tariff (base weights)", "Tariff (new weights)", "Trade", "Exporter's balance"):
        t.add_column(c, justify="left" if c in ("Date", "Flow") else "right")
    for r in records(df):
        t.add_row(r.date, f"{r.exporter} → {r.importer}", _r(r.tariff_rate_new_base_weights), _r(r.tariff_rate_new),
                  f"{r.value_new / 1e9:,.2f}", "" if pd.isna(r.exporter_balance_new) else f"{r.exporter_balance_new / 1e9:,.2f}")
    return t


def path_markdown(df: pd.DataFrame) -> str:
    """The time path as a Markdown table with the terminal's columns: rates in %, money in US$ billion."""
    from .writers import _md_table
    bn = lambda v: "" if v is None or v != v else f"{v / 1e9:,.2f}"  # noqa: E731
    rows = [[r.date, f"{r.exporter} → {r.importer}", _r(r.tariff_rate_base), _r(r.tariff_rate_new_base_weights),
             _r(r.tariff_rate_new), bn(r.value_base), bn(r.value_new), bn(r.exporter_balance_new)] for r in records(df)]
    return _md_table(["Date", "Flow", "Tariff base", "Tariff (base weights)", "Tariff (new weights)",
                      "Trade base (US$ bn)", "Trade (US$ bn)", "Exporter's balance (US$ bn)"], rows) + "\n"


def path_text(series: Iterable[tuple[dt.date, Result]], fmt: str, scenario: dict) -> str:
    """The time path as json (with the scenario's name, file and sha256), csv or markdown, with the caveats of its
    first date (the data's and the model's, the same on every date): ``notes`` in the JSON, a Notes list in the
    Markdown, and in the CSV rows of their own after the figures, the text in a last ``note`` column."""
    first = FirstDate()
    df = path_frame(first.reading(series))
    notes = first.notes
    if fmt == "json":
        return json.dumps({**scenario, "path": df.astype(object).where(df.notna(), None).to_dict("records"),
                           "notes": notes}, indent=2) + "\n"
    if fmt == "csv":
        return with_note_rows(df, notes).to_csv(index=False)
    return path_markdown(df) + "".join(["\n**Notes**\n\n", *[f"- {n}\n" for n in notes]] if notes else [])


def with_note_rows(df: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """A wide table for CSV with its caveats: a last ``note`` column, empty on the figures' rows, and a row per note
    after them with every other column empty (a reader that wants the figures only drops rows with a note)."""
    out = df.assign(note="")
    return pd.concat([out, pd.DataFrame({"note": notes}, columns=out.columns)], ignore_index=True)
