"""Excel workbooks of a result and of a comparison: one sheet per table, numbers as numbers with formats.

Money is kept in US dollars in the cells (so sums and formulas work on the exact figures) and shown in billions
by the number format; rates are fractions shown as percentages. Every sheet opens with a title row naming the
scenario(s), basis, date and version. The bytes are the same for the same result (fixed zip and document dates).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__, fields
from ..comparison import Comparison
from ..headline import RATE_KINDS
from ..results import Result

MAX_ROWS = 1_048_576 - 3          # Excel's sheet limit, less the title, blank and header rows
MONEY_BN = '#,##0.00,,,;-#,##0.00,,,;0.00'    # US$ in the cell, billions on screen (each comma divides by 1,000)
MONEY_M = '#,##0.0,,;-#,##0.0,,;0.0'
RATE = "0.00%"
PLAIN = "0.0000"
FIXED_TIME = dt.datetime(2000, 1, 1)          # document and zip dates: a workbook's bytes depend on its figures only

# the kind of each numeric field, by its name: money (US$), a rate (fraction), or a plain number
_RATE_FIELDS = {"tariff_rate_base", "tariff_rate_new_base_weights", "tariff_rate_new", "rate_base", "rate_new",
                "price_change", "wedge_new", "rate", "fill", "marginal_rate", "wedge"}
_PLAIN_FIELDS = {"flows", "n", "seed", "limit", "imports"}


@dataclass(frozen=True)
class Sheet:
    """One table of a workbook: its name (at most 31 characters), the frame, and what each column holds."""

    name: str
    frame: pd.DataFrame
    money_unit: str = "bn"            # "bn" or "m": how money columns are shown
    rate_rows: Sequence[bool] | None = None     # for a figure-per-row sheet: which rows are rates


def _kind(column: str) -> str:
    base = column.removesuffix("_vs_first")
    if base in _RATE_FIELDS or base.startswith("tariff_rate"):
        return "rate"
    if base in _PLAIN_FIELDS:
        return "plain"
    return "money"


def _title(results: Sequence[Result]) -> str:
    p = results[0].provenance
    names = " vs ".join(r.provenance.name for r in results)
    dates = sorted({str(r.provenance.as_of) for r in results if r.provenance.as_of})
    when = f"as of {', '.join(dates)}" if dates else "measures as dated in the scenario"
    return f"{names} · basis {p.basis} · {when} · tariffsim {__version__}"


def _notes(results: Sequence[Result], labels: Sequence[str], warnings: Iterable[str]) -> pd.DataFrame:
    rows: list[tuple[str, str, str]] = []
    for label, r in zip(labels, results):
        p = r.provenance
        for key, value in (("scenario", p.name), ("file", p.file), ("sha256", p.sha256), ("model", p.model),
                           ("dataset", p.dataset), ("basis", f"{p.basis} ({p.basis_label})"),
                           ("as of", str(p.as_of) if p.as_of else ""), ("extends", ", ".join(p.extends)),
                           ("tariffsim", p.tariffsim_version)):
            rows.append((label, key, value))
        if p.draws is not None:
            rows.append((label, "draws", f"{p.draws.n} draws of the elasticities, seed {p.draws.seed}"))
        rows += [(label, "note", n) for n in r.notes]
    rows += [("", "warning", w) for w in warnings]
    return pd.DataFrame(rows, columns=["scenario", "item", "text"])


def _measures(results: Sequence[Result], labels: Sequence[str]) -> pd.DataFrame:
    rows = [{"scenario": label, **m.to_dict()} for label, r in zip(labels, results) for m in r.measures]
    return pd.DataFrame(rows, columns=["scenario", "id", "kind", "rate", "reference", "in_force", "flows",
                                       "value_base"])


def _instruments(results: Sequence[Result], labels: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([{"scenario": label, **i.to_dict()} for label, r in zip(labels, results)
                         for i in r.instruments])


def _bands(results: Sequence[Result], labels: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([{"scenario": label, **b.to_dict()} for label, r in zip(labels, results) for b in r.bands],
                        columns=["scenario", "figure", "of", "p5", "p50", "p95"])


def _figure_rows(frame: pd.DataFrame) -> list[bool]:
    return [kind in RATE_KINDS for kind in frame["figure"]]


def result_sheets(result: Result, warnings: Iterable[str] = (), detail: str | None = None) -> list[Sheet]:
    """The sheets of one run's workbook."""
    label = [result.provenance.file]
    head = result.headline
    figures = pd.DataFrame([(f.kind, f.of, f.value) for f in head.figures], columns=["figure", "of", "value"])
    sheets = [Sheet("Headline", figures, rate_rows=_figure_rows(figures))]
    imp = head.rate_importer
    if imp is not None:
        sheets.append(Sheet(f"Effective tariff {imp}"[:31], result.effective_rates(imp)[fields.EFFECTIVE_RATES.fields]))
    sheets += [Sheet("Countries", result.countries[fields.COUNTRIES.fields]),
               Sheet("Pairs", result.pairs[fields.PAIRS.fields]),
               Sheet("Balances", result.balances[fields.BALANCES.fields]),
               Sheet("Chapters", result.chapters[fields.CHAPTERS.fields]),
               Sheet("Measures", _measures([result], label).drop(columns="scenario"), money_unit="m")]
    if result.instruments:
        sheets.append(Sheet("Instruments", _instruments([result], label).drop(columns="scenario"), money_unit="m"))
    if result.bands:
        bands = _bands([result], label).drop(columns="scenario")
        sheets.append(Sheet("Bands", bands, rate_rows=_figure_rows(bands)))
    if detail == "products":
        sheets.append(Sheet("Products", result.products[fields.PRODUCTS.fields], money_unit="m"))
    sheets.append(Sheet("Notes", _notes([result], label, warnings).drop(columns="scenario")))
    return sheets


def comparison_sheets(cmp: Comparison, warnings: Iterable[str] = ()) -> list[Sheet]:
    """The sheets of a comparison's workbook: the headline side by side with deltas, then each table long."""
    labels = cmp.labels
    head = cmp.headline()
    for label in labels[1:]:
        head[f"{label} vs {labels[0]}"] = head[label] - head[labels[0]]
    sheets = [Sheet("Headline", head, rate_rows=_figure_rows(head)),
              Sheet("Chapters that differ", cmp.chapters_that_differ())]
    for table in ("pairs", "balances", "countries", "chapters"):
        sheets.append(Sheet(table.capitalize(), cmp.long(table), ))
    sheets.append(Sheet("Measures", _measures(cmp.results, labels), money_unit="m"))
    if any(r.instruments for r in cmp.results):
        sheets.append(Sheet("Instruments", _instruments(cmp.results, labels), money_unit="m"))
    if any(r.bands for r in cmp.results):
        bands = _bands(cmp.results, labels)
        sheets.append(Sheet("Bands", bands, rate_rows=_figure_rows(bands)))
    sheets.append(Sheet("Notes", _notes(cmp.results, labels, warnings)))
    return sheets


def _cell(value):
    """A cell's value: NaN and None as an empty cell (a rate with no trade to weight it), numpy scalars as Python."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return value


def workbook_bytes(title: str, sheets: Sequence[Sheet]) -> bytes:
    """The .xlsx file of these sheets, each opening with the title row, then a header and the rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)           # streamed row by row: the fast path of openpyxl
    bold, big = Font(bold=True), Font(bold=True, size=12)
    for sheet in sheets:
        df = sheet.frame
        if len(df) > MAX_ROWS:
            from ..errors import InputError, Problem
            raise InputError(Problem(None, sheet.name, f"{len(df):,} rows, more than an Excel sheet holds; "
                                     "write this table as CSV or Parquet instead"))
        ws = wb.create_sheet(sheet.name)
        money = MONEY_BN if sheet.money_unit == "bn" else MONEY_M
        unit = "US$ bn" if sheet.money_unit == "bn" else "US$ m"
        columns = [str(c) for c in df.columns]
        numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
        kinds = [_kind(c) if is_num else "text" for c, is_num in zip(columns, numeric)]
        if sheet.rate_rows is None:
            header = [f"{c} ({unit})" if k == "money" else f"{c} (%)" if k == "rate" else c
                      for c, k in zip(columns, kinds)]
        else:                                  # one figure per row: a last column names each row's unit
            header = [*columns, "unit"]
        for j, c in enumerate(header):         # widths before the rows: a streamed sheet writes them first
            width = max([len(c)] + [len(str(v)) for v in df.iloc[:200, j]]) if len(df) and j < df.shape[1] else len(c)
            ws.column_dimensions[get_column_letter(j + 1)].width = min(max(10, width + 2), 60)
        ws.freeze_panes = "A4"
        ws.append([_styled(ws, WriteOnlyCell, title, font=big)])
        ws.append([])
        ws.append([_styled(ws, WriteOnlyCell, c, font=bold) for c in header])
        formats = [None if k == "text" else RATE if k == "rate" else PLAIN if k == "plain" else money for k in kinds]
        # one formatted cell per column, its value set row by row: a streamed sheet writes a row as it is appended,
        # so the cell is free again for the next row (a new styled cell per number was most of the writing time)
        styled = [None if f is None else _styled(ws, WriteOnlyCell, None, number_format=f) for f in formats]
        styled_rate = [None if f is None else _styled(ws, WriteOnlyCell, None, number_format=RATE) for f in formats]
        for i, row in enumerate(df.itertuples(index=False)):
            rate_row = sheet.rate_rows is not None and sheet.rate_rows[i]
            cells = [_cell(v) if c is None else _valued(c, _cell(v))
                     for v, c in zip(row, styled_rate if rate_row else styled)]
            if sheet.rate_rows is not None:
                cells.append("%" if rate_row else unit)
            ws.append(cells)
    wb.properties.creator = f"tariffsim {__version__}"
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_dates(buf.getvalue())


def _valued(cell, value):
    cell.value = value
    return cell


def _styled(ws, cell_type, value, font=None, number_format: str | None = None):
    cell = cell_type(ws, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _fixed_dates(xlsx: bytes) -> bytes:
    """The same zip with every member dated FIXED_TIME (openpyxl stamps the time of writing)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":   # openpyxl writes the save time as 'modified'
                data = _fixed_core(data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def _fixed_core(xml: bytes) -> bytes:
    import re
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", xml)


def result_workbook(result: Result, warnings: Iterable[str] = (), detail: str | None = None) -> bytes:
    return workbook_bytes(_title([result]), result_sheets(result, warnings, detail))


def comparison_workbook(cmp: Comparison, warnings: Iterable[str] = ()) -> bytes:
    return workbook_bytes(_title(cmp.results), comparison_sheets(cmp, warnings))


def write(path: Path, content: bytes) -> None:
    """Write a workbook atomically (never a partial file)."""
    from ..atomic import write_atomic
    write_atomic(path, lambda tmp: Path(tmp).write_bytes(content))
