"""A brief of one or more scenarios as one self-contained HTML page: the title (scenarios, basis, dates, version),
the headline figures ``tariffsim compare`` prints, the charts (inline SVG), the measures in force with their legal
references, and every warning and note of the runs.

Nothing is fetched when the page is opened: the style sheet is in the page, the charts are SVG elements in it, no
script, font or image is linked. Every text from a scenario or the data is escaped. Laid out for a screen and for
print: the title, the headline figures and the charts come first (on paper they fill page 1, the charts in one row);
the measures and the notes follow on their own
pages. The same inputs give the same bytes (no time of writing in the page).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from .. import __version__
from ..comparison import Comparison
from ..errors import printable
from ..records import Provenance
from . import charts, tables
from .compare import _band_rows, _rows

# (name, path table of report.explain.path_frame, provenance of its first date)
PathTable = tuple[str, pd.DataFrame, Provenance | None]

CSS = """
:root { --ink: #1b1b1b; --muted: #5a5a5a; --rule: #d0d4d9; --head: #f1f3f5; }
* { box-sizing: border-box; }
html { color: var(--ink); background: #fff; }
body { font: 14px/1.4 "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif; max-width: 1180px;
       margin: 0 auto; padding: 20px 24px 32px; }
h1 { font-size: 22px; line-height: 1.25; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 22px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 3px; }
.subtitle { color: var(--muted); margin: 0 0 6px; }
.scenarios { margin: 6px 0 0; padding-left: 18px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding: 0 0 4px; caption-side: top; }
th, td { padding: 2px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { background: var(--head); text-align: left; font-weight: 600; }
tbody th { font-weight: normal; text-align: left; }
.num { text-align: right; white-space: nowrap; }
.ref { font-size: 12px; }
.measures tbody th { white-space: nowrap; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; align-items: start; }
figure { margin: 0; break-inside: avoid; }
figure.wide { grid-column: 1 / -1; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 2px; }
ul.notes { padding-left: 18px; margin: 0; font-size: 12px; }
ul.notes li { margin: 2px 0; }
.tag { color: var(--muted); }
.more { display: none; color: var(--muted); font-size: 6.5pt; margin: 4px 0 0; }
footer { margin-top: 24px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 6px; }
@page { margin: 11mm; }
@media print {
  body { font-size: 8pt; max-width: none; padding: 0; }
  h1 { font-size: 13pt; }
  h2 { font-size: 10pt; margin: 8px 0 4px; }
  th, td { padding: 1px 5px; }
  .ref, ul.notes, figcaption, footer { font-size: 6.5pt; }
  /* on paper the three charts share one row, so page 1 holds the whole brief: title, headline, charts */
  .charts { gap: 6px; grid-template-columns: 1fr 1fr 1.35fr; }
  figure.wide { grid-column: auto; }
  .more { display: block; }
  .appendix { break-before: page; }
  table, tr { break-inside: avoid; }
  .measures table { break-inside: auto; }
}
"""


def _e(text: object) -> str:
    """Any text from a scenario, the data or the user, for HTML: control characters as escapes, then escaped."""
    return html.escape(printable(str(text)), quote=True)


def _unique(items) -> list:
    return list(dict.fromkeys(items))


def title(cmp: Comparison) -> str:
    """The page's title: the scenarios' names."""
    return " vs ".join(r.provenance.name for r in cmp.results)


def subtitle(cmp: Comparison) -> str:
    """Basis, dates, dataset and version, as the title's second line says them."""
    ps = [r.provenance for r in cmp.results]
    bases = "; ".join(_unique(f"basis {p.basis} ({p.basis_label})" for p in ps))
    dates = _unique(str(p.as_of) for p in ps if p.as_of)
    undated = _unique(p.file for p in ps if not p.as_of)
    when = "; ".join([*([f"as of {', '.join(dates)}"] if dates else []),
                      *([f"no as-of date for {', '.join(undated)} (every dated measure applies)"] if undated else [])])
    return f"{bases} · {when} · dataset {', '.join(_unique(p.dataset for p in ps))} · tariffsim {__version__}"


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]], caption: str, numeric_from: int = 1,
           classes: Sequence[str] = ()) -> str:
    """A table whose first column heads its rows; the columns from ``numeric_from`` on right-aligned."""
    kinds = [(classes[j] if j < len(classes) and classes[j] else "num" if j >= numeric_from else "")
             for j in range(len(columns))]

    def attr(j: int) -> str:
        return f' class="{kinds[j]}"' if j and kinds[j] else ""
    head = "".join(f'<th scope="col"{attr(j)}>{_e(c)}</th>' for j, c in enumerate(columns))
    body = []
    for row in rows:
        cells = [f'<th scope="row">{_e(row[0])}</th>']
        cells += [f"<td{attr(j)}>{_e(v)}</td>" for j, v in enumerate(row[1:], start=1)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table>\n<caption>{_e(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
            + "\n".join(body) + "\n</tbody>\n</table>")


def _header(cmp: Comparison) -> str:
    items = []
    for label, r in zip(cmp.labels, cmp.results):
        p = r.provenance
        items.append(f"<li><strong>{_e(label)}</strong>: {_e(p.name)} (model {_e(p.model)}, basis {_e(p.basis)}"
                     + (f", as of {_e(p.as_of)}" if p.as_of else "") + ")</li>")
    return (f"<header>\n<h1>{_e(title(cmp))}</h1>\n<p class=\"subtitle\">{_e(subtitle(cmp))}</p>\n"
            f"<ul class=\"scenarios\">\n" + "\n".join(items) + "\n</ul>\n</header>")


def _headline(cmp: Comparison) -> str:
    _, unit = tables.money_unit(cmp.results[0])
    columns, rows = _rows(cmp)
    against = f"; Δ against {cmp.labels[0]}" if len(cmp.results) > 1 else ""
    out = ['<section id="headline">', "<h2>Headline figures</h2>",
           _table(columns, rows, f"{unit}; effective tariffs in % (trade-weighted){against}")]
    if any(r.bands for r in cmp.results):
        columns, rows = _band_rows(cmp)
        out.append(_table(columns, rows, tables.draws_title(cmp.results[0])))
    out.append("</section>")
    return "\n".join(out)


def _figure(svg: str, caption: str, wide: bool = False) -> str:
    opening = '<figure class="wide">' if wide else "<figure>"
    return f"{opening}\n{svg}\n<figcaption>{_e(caption)}</figcaption>\n</figure>"


def _charts(cmp: Comparison, paths: Sequence[PathTable]) -> str:
    results = cmp.results
    figures = []
    if not charts.balance_data(results).empty:
        figures.append(_figure(charts.inline_svg(charts.balance_figure(results, size=(6.2, 4.2)), "balance"),
                               "The bilateral balance (exports − imports) in the base year and after each scenario"
                               + (", with the 5–95% band of the draws." if any(r.bands for r in results) else ".")))
    n = len(results)
    figures.append(_figure(charts.inline_svg(
        charts.chapters_figure(results, size=(6.2, 1.4 + 10 * (0.28 + 0.08 * (n - 1)))), "chapters"),
        "The HS chapters whose trade changes most, of every exporter and importer in the data."))
    if paths:
        rows = -(-len(paths) // 2)
        size = (8.5, 3.6) if len(paths) == 1 else (9.5, 1.3 + 2.5 * rows)
        figures.append(_figure(charts.inline_svg(charts.paths_figure(paths, size=size), "paths"),
                               "The effective tariff on each date: the scenario's tariffs weighted by base-year "
                               "trade, before buyers substitute.", wide=True))
    more = ('<p class="more">The measures in force with their legal references, the warnings and every note follow on '
            "the next pages.</p>")
    return ('<section id="charts">\n<h2>Charts</h2>\n<div class="charts">\n' + "\n".join(figures) + "\n</div>\n"
            + more + "\n</section>")


def _measures(cmp: Comparison) -> str:
    """Every measure in force in any scenario, once, with its legal reference and the base-year trade it covers
    in each scenario (blank where it is not in force)."""
    div, unit = tables.money_unit(cmp.results[0])
    keyed: dict[tuple, list[float | None]] = {}
    for i, r in enumerate(cmp.results):
        for m in r.measures:
            if m.in_force:
                keyed.setdefault((m.id, m.kind, m.rate, m.reference), [None] * len(cmp.results))[i] = m.value_base
    order = sorted(keyed, key=lambda k: -max(v for v in keyed[k] if v is not None))
    rows = [[mid, kind, "" if rate is None else f"{rate * 100:.1f}%", reference,
             *["" if v is None else tables.money(v, div) for v in keyed[(mid, kind, rate, reference)]]]
            for mid, kind, rate, reference in order]
    columns = ["Measure", "Kind", "Rate", "Legal reference", *[f"{label}" for label in cmp.labels]]
    classes = ["", "", "num", "ref", *["num"] * len(cmp.labels)]
    out = ['<section id="measures" class="appendix measures">', f"<h2>Measures in force ({len(rows)})</h2>",
           _table(columns, rows, f"Each measure's legal reference and the base-year trade it applies to in each "
                                 f"scenario ({unit}; blank: not in force there); largest first", classes=classes)]
    instruments = [[label, *row] for label, r in zip(cmp.labels, cmp.results) for row in tables.instruments(r)]
    if instruments:
        out.append(_table(["Scenario", "Id", "Kind", "Regime", "Rate", "Detail"], instruments,
                          "Quotas and purchase commitments: how each was solved", numeric_from=99))
    out.append("</section>")
    return "\n".join(out)


def _notes(cmp: Comparison, warnings: Sequence[str]) -> str:
    """The warnings, then every note of every scenario once, marked with the scenarios it belongs to when not all."""
    out = ['<section id="notes" class="appendix">']
    if warnings:
        out += ["<h2>Warnings</h2>", '<ul class="notes">',
                *[f"<li>{_e(w)}</li>" for w in _unique(warnings)], "</ul>"]
    where: dict[str, list[str]] = {}
    for label, r in zip(cmp.labels, cmp.results):
        for n in r.notes:
            where.setdefault(n, [])
            if label not in where[n]:
                where[n].append(label)
    every = len(cmp.results)
    items = [f"<li>{_e(n)}" + ("" if len(labels) == every else f' <span class="tag">({_e(", ".join(labels))})</span>')
             + "</li>" for n, labels in where.items()]
    out += ["<h2>Notes</h2>", '<ul class="notes">', *items, "</ul>", "</section>"]
    return "\n".join(out)


def _footer(cmp: Comparison) -> str:
    files = "; ".join(f"{r.provenance.file} (sha256 {r.provenance.sha256[:12]})" for r in cmp.results)
    return f"<footer>\n<p>tariffsim {_e(__version__)} · {_e(files)}</p>\n</footer>"


def render(cmp: Comparison, warnings: Sequence[str] = (), paths: Sequence[PathTable] = ()) -> str:
    """The page: a comparison of one or more scenarios, the warnings of their runs, and the path tables to chart."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="tariffsim {_e(__version__)}">',
        f"<title>{_e(title(cmp))}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        _header(cmp),
        "<main>",
        _headline(cmp),
        _charts(cmp, paths),
        _measures(cmp),
        _notes(cmp, warnings),
        "</main>",
        _footer(cmp),
        "</body>",
        "</html>",
        "",
    ])


def write(path, page: str) -> None:
    """Write the page atomically (never a partial file)."""
    from ..atomic import write_atomic
    write_atomic(path, page)
