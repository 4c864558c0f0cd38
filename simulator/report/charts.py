"""Charts of results as matplotlib Figures: the effective tariff through time (a step chart per partner), the HS
chapters that move most across every partner, and the bilateral balance before and after each scenario (with the
5-95% bands of the draws when there are any).

The figures are drawn on Agg, never on a screen, in matplotlib's default style whatever the user's matplotlibrc,
and saved through :func:`to_bytes`, which fixes what would otherwise change from one save to the next (the SVG id
salt, the date in the metadata): the same inputs give the same bytes. Every chart names its data source, the
scenario files and the tariffsim version on its bottom line. The figures plot the result's own tables
(``Headline.balances``, ``Result.chapters``, the path table of ``report.explain.path_frame``); nothing is computed
here but what to show.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, cast

import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .. import __version__
from ..comparison import Comparison
from ..errors import InputError, Problem, printable
from ..headline import PATH_PARTNERS, TOP_CHAPTERS
from ..records import Provenance
from ..results import Result
from . import tables

KINDS = ("path", "chapters", "balance")
SUFFIXES = {".png": "png", ".svg": "svg"}

# matplotlib's defaults, then these; "text.parse_math": a '$' in a scenario's name is a dollar sign, not TeX
STYLE: dict[str, Any] = {
    "svg.hashsalt": "tariffsim", "svg.fonttype": "path", "text.parse_math": False,
    "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold", "axes.titlelocation": "left",
    "axes.spines.top": False, "axes.spines.right": False, "axes.axisbelow": True,
    "legend.fontsize": 8, "legend.frameon": False, "savefig.dpi": 150,
}
SOURCE_SIZE = 7           # points: the source line at the bottom
BASE_COLOUR, NEW_COLOUR, BAND_COLOUR = "#9aa5b1", "#1f5f99", "#222222"
RISE_COLOUR, FALL_COLOUR = "#1f5f99", "#b8422e"


@contextmanager
def _style() -> Iterator[None]:
    """Build and save in one fixed style; a glyph the font lacks (a name in Hangul) is drawn as a box, silently."""
    with matplotlib.style.context("default"), matplotlib.rc_context(cast(Any, STYLE)), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from", category=UserWarning)
        yield


def _figure(width: float, height: float, title: str) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)                      # Agg, whatever backend pyplot would pick
    fig.set_label(" ".join(title.split()))    # the saved file's title (SVG <title>, PNG text chunk), one line
    return fig


def _text(s: str) -> str:
    return printable(str(s))


def _unique(items) -> list:
    return list(dict.fromkeys(items))


def source_line(provenances: Sequence[Provenance]) -> str:
    """The data sources, the scenario files and the version, as the bottom line of a chart says them."""
    data = _unique(f"{p.basis_label} (dataset {p.dataset}, basis {p.basis})" for p in provenances)
    files = _unique(p.file for p in provenances)
    version = provenances[0].tariffsim_version if provenances else __version__
    return _text(f"Source: {'; '.join(data)}. Scenario{'s' if len(files) > 1 else ''}: {', '.join(files)}. "
                 f"tariffsim {version}.")


def _finish(fig: Figure, title: str, source: str) -> None:
    """The title along the top and the source line along the bottom, both from the left edge and wrapped to the
    figure's width, with the axes laid out between them."""
    width, height = fig.get_size_inches()
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    lines = textwrap.wrap(source, width=max(40, int(width * 72 / (SOURCE_SIZE * 0.55))))
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=SOURCE_SIZE, color="#555555", ha="left", va="bottom")
    bottom = (len(lines) * SOURCE_SIZE * 1.3 + 8) / (height * 72)
    fig.set_layout_engine("constrained", rect=(0, bottom, 1, 1 - bottom))


def _money_axis(ax: Axes, axis: Literal["x", "y"], label: str) -> None:
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)
    ax.grid(True, axis=axis, alpha=0.3)


# -- balance -------------------------------------------------------------------------------------

def _balance_pairs(results: Sequence[Result]) -> list[tuple[str, str]]:
    """Each pair of countries once (as its first country states it: 'KOR vs USA', not also 'USA vs KOR')."""
    seen: dict[frozenset[str], tuple[str, str]] = {}
    for r in results:
        for c, p in zip(r.headline.balances.country, r.headline.balances.partner):
            seen.setdefault(frozenset((c, p)), (str(c), str(p)))
    return list(seen.values())


def balance_data(results: Sequence[Result]) -> pd.DataFrame:
    """What the balance chart plots: per scenario and pair, the balance before and after (``Headline.balances``,
    US dollars) and, with draws, its 5th and 95th percentiles."""
    labels = Comparison(list(results)).labels
    rows = []
    for label, r in zip(labels, results):
        b = r.headline.balances
        both = {(c, p): (float(v0), float(v1))
                for c, p, v0, v1 in zip(b.country, b.partner, b.balance_base, b.balance_new)}
        bands = {band.of: band for band in r.bands if band.figure == "balance"}
        for c, p in _balance_pairs(results):
            base, new = both.get((c, p), (np.nan, np.nan))
            band = bands.get(f"{c} vs {p}")
            rows.append({"scenario": label, "of": f"{c} vs {p}", "balance_base": base, "balance_new": new,
                         "p5": np.nan if band is None else band.p5, "p95": np.nan if band is None else band.p95})
    return pd.DataFrame(rows, columns=["scenario", "of", "balance_base", "balance_new", "p5", "p95"])


def balance_figure(results: Sequence[Result], size: tuple[float, float] | None = None) -> Figure:
    """The bilateral balance (exports − imports) before and after each scenario: a group of bars per scenario, a
    pair of bars (base, scenario) per pair of countries; the 5-95% band of the draws as an error bar."""
    results = list(results)
    data = balance_data(results)
    if data.empty:
        raise InputError(Problem(results[0].provenance.file, None, "its data has no two countries that trade both "
                                 "ways, so there is no bilateral balance to plot; try 'plot chapters'"))
    div, unit = tables.money_unit(results[0])
    labels = _unique(data.scenario)
    pairs = _unique(data["of"])
    title = "Bilateral trade balance before and after " + ("the scenario" if len(labels) == 1 else "each scenario")
    with _style():
        fig = _figure(*(size or (max(6.0, 1.6 + 1.5 * len(labels) * len(pairs)), 4.6)), title)
        ax = fig.add_subplot()
        width = 0.8 / (2 * len(pairs))
        x = np.arange(len(labels))
        drawn_band = False
        for j, of in enumerate(pairs):
            d = data[data["of"] == of].set_index("scenario").loc[labels]
            for k, (column, colour, what) in enumerate((("balance_base", BASE_COLOUR, "base"),
                                                         ("balance_new", NEW_COLOUR, "scenario"))):
                values = d[column].to_numpy(dtype=float) / div
                at = x - 0.4 + width * (2 * j + k + 0.5)
                ax.bar(at, np.nan_to_num(values), width * 0.95, color=colour, alpha=1.0 if j == 0 else 0.6,
                       label=_text(f"{of}: {what}"), hatch=None if j == 0 else "//")
                lo = hi = values
                if column == "balance_new" and d.p5.notna().any():
                    lo, hi = d.p5.to_numpy(dtype=float) / div, d.p95.to_numpy(dtype=float) / div
                    ax.errorbar(at, (lo + hi) / 2, yerr=(hi - lo) / 2, fmt="none", ecolor=BAND_COLOUR, capsize=3,
                                lw=1, label=None if drawn_band else _band_label(results))
                    drawn_band = True
                for xi, v, low, high in zip(at, values, lo, hi):    # each value beyond its bar and its band
                    if v == v:
                        up = v >= 0
                        ax.annotate(f"{v:,.1f}", (xi, np.nanmax([v, high]) if up else np.nanmin([v, low])),
                                    xytext=(0, 2 if up else -2), textcoords="offset points", ha="center",
                                    va="bottom" if up else "top", fontsize=7)
        ax.axhline(0, color="#333333", lw=0.8)
        ax.set_xticks(x, [textwrap.fill(_text(s), 22) for s in labels])
        ax.set_xlabel("Scenario")
        _money_axis(ax, "y", f"Balance, exports − imports ({unit})")
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
        _finish(fig, title, source_line([r.provenance for r in results]))
    return fig


def _band_label(results: Sequence[Result]) -> str:
    d = next((r.provenance.draws for r in results if r.provenance.draws is not None), None)
    return "5–95% band" + (f", {d.n} draws (seed {d.seed})" if d else "")


# -- chapters ------------------------------------------------------------------------------------

def chapters_data(results: Sequence[Result], top: int = TOP_CHAPTERS) -> pd.DataFrame:
    """What the chapters chart plots: the ``top`` HS chapters (of any exporter and importer) whose trade changes
    most in any scenario, largest first, with each scenario's change (``Result.chapters``, US dollars). For one
    scenario these are the rows of ``Headline.chapters``."""
    results = list(results)
    labels = Comparison(results).labels
    keys = ["exporter", "importer", "chapter", "chapter_name"]
    if len(results) == 1:
        one = results[0].headline.chapters if top == TOP_CHAPTERS else results[0].chapters.head(top)
        return one[keys + ["change"]].rename(columns={"change": labels[0]}).reset_index(drop=True)
    wide = pd.concat([r.chapters.set_index(keys).change.rename(label) for label, r in zip(labels, results)],
                     axis=1).fillna(0.0)
    largest = wide.abs().max(axis=1).sort_values(ascending=False, kind="stable")
    return wide.loc[largest.index[:top]].reset_index()


def _chapter_label(row) -> str:
    name = row.chapter_name if len(row.chapter_name) <= 32 else row.chapter_name[:31] + "…"
    return _text(f"{row.exporter} → {row.importer}, HS {row.chapter}") + "\n" + _text(name)


def chapters_figure(results: Sequence[Result], top: int = TOP_CHAPTERS,
                    size: tuple[float, float] | None = None) -> Figure:
    """The HS chapters whose trade moves most, across every exporter and importer: a horizontal bar of the change
    in value per chapter and flow (one per scenario when there are several), largest at the top."""
    results = list(results)
    data = chapters_data(results, top)
    labels = Comparison(results).labels
    div, unit = tables.money_unit(results[0])
    title = f"HS chapters that move most (top {len(data)}, every exporter and importer)"
    with _style():
        fig = _figure(*(size or (9.0, 1.5 + max(1, len(data)) * (0.38 + 0.1 * (len(labels) - 1)))), title)
        ax = fig.add_subplot()
        y = np.arange(len(data))[::-1].astype(float)
        height = 0.8 / len(labels)
        for k, label in enumerate(labels):
            values = data[label].to_numpy(dtype=float) / div
            at = y + 0.4 - height * (k + 0.5)
            colour: str | list[str] = ([RISE_COLOUR if v >= 0 else FALL_COLOUR for v in values] if len(labels) == 1
                                       else f"C{k}")
            bars = ax.barh(at, values, height * 0.92, color=colour, label=_text(label))
            ax.bar_label(bars, labels=[f"{round(v, 1) + 0.0:+,.1f}" for v in values],
                         fontsize=7 if len(labels) < 3 else 6, padding=2)
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_yticks(y, [_chapter_label(r) for r in data.itertuples()])
        ax.tick_params(axis="y", labelsize=8)
        ax.set_ylabel("Exporter → importer, HS chapter")
        _money_axis(ax, "x", f"Change in trade value ({unit})")
        ax.margins(x=0.15)
        if len(labels) > 1:
            wide = fig.get_size_inches()[0] >= 8
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(4 if wide else 2, len(labels)))
        if data.empty:
            ax.text(0.5, 0.5, "no trade in the data", ha="center", va="center", transform=ax.transAxes)
        _finish(fig, title, source_line([r.provenance for r in results]))
    return fig


# -- path ----------------------------------------------------------------------------------------

RATE_COLUMN = "tariff_rate_new_base_weights"     # the statutory rate: the scenario's tariffs at base-year weights


def path_series(table: pd.DataFrame,
                partners: int = PATH_PARTNERS) -> list[tuple[str, list[dt.date], np.ndarray, bool]]:
    """What the path chart plots: per flow of the path table (``report.explain.path_frame``), in its order, the
    label, the dates, the effective tariff in percent (at base-year weights) and whether it is a headline pair.
    The headline pairs and the importer's tariff on all its imports always; its largest partners up to
    ``partners``."""
    if table.empty:
        return []
    flows = _unique(zip(table.exporter, table.importer))
    headline = {(e, i) for e, i in flows if (i, e) in set(flows)}
    out, others = [], 0
    for exporter, importer in flows:
        if exporter != "all" and (exporter, importer) not in headline:
            others += 1
            if others > partners:
                continue
        rows = table[(table.exporter == exporter) & (table.importer == importer)]
        label = f"all imports → {importer}" if exporter == "all" else f"{exporter} → {importer}"
        out.append((_text(label), [dt.date.fromisoformat(d) for d in rows.date],
                    rows[RATE_COLUMN].to_numpy(dtype=float) * 100, (exporter, importer) in headline))
    return out


def _styles(series_lists) -> dict[str, dict[str, object]]:
    """One look per flow, the same in every panel: the importer's tariff on all its imports in bold black, the
    headline pairs bold, the largest partners thinner; colours in the order the flows first appear."""
    looks: dict[str, dict[str, object]] = {}
    for series in series_lists:
        for label, _, _, headline in series:
            if label in looks:
                continue
            k = sum(1 for v in looks.values() if v["color"] != "#111111")
            looks[label] = ({"color": "#111111", "lw": 2.4} if label.startswith("all imports")
                            else {"color": f"C{k % 10}", "lw": 2.0 if headline else 1.1,
                                  "linestyle": "-" if k < 10 else "--"})
    return looks


def _draw_path(ax: Axes, series, looks: dict[str, dict[str, object]]) -> None:
    import matplotlib.dates as mdates
    for label, dates, rates, headline in series:
        ax.step(dates, rates, where="post", label=label, marker="o", markersize=2.5, zorder=3 if headline else 2,
                **looks[label])   # type: ignore[arg-type]
    if not series:
        ax.text(0.5, 0.5, "no tariff on these dates", ha="center", va="center", transform=ax.transAxes)
    dates = [d for _, ds, _, _ in series for d in ds]
    if dates and max(dates) - min(dates) < dt.timedelta(days=7):      # one date, or days: a week either side
        ax.set_xlim(min(dates) - dt.timedelta(days=7), max(dates) + dt.timedelta(days=7))
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    ax.grid(True, alpha=0.3)


PATH_YLABEL = "Effective tariff, % (trade-weighted at base-year values)"


def path_figure(table: pd.DataFrame, name: str, provenance: Provenance | None = None,
                partners: int = PATH_PARTNERS) -> Figure:
    """The effective tariff through time: a step chart per flow of a path table (``report.explain.path_frame``:
    the headline pairs, the importer's tariff on all its imports and on its largest partners by base-year trade)."""
    title = textwrap.fill(_text(f"Effective tariff by date: {name}"), 90)
    series = path_series(table, partners)
    with _style():
        fig = _figure(9.0, 5.0, title)
        ax = fig.add_subplot()
        _draw_path(ax, series, _styles([series]))
        ax.set_ylim(bottom=0)
        ax.set_xlabel("Date")
        ax.set_ylabel(PATH_YLABEL)
        if series:
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
        _finish(fig, title, source_line([provenance]) if provenance else _text(f"tariffsim {__version__}."))
    return fig


def paths_figure(paths: Sequence[tuple[str, pd.DataFrame, Provenance | None]],
                 partners: int = PATH_PARTNERS, size: tuple[float, float] | None = None) -> Figure:
    """Several scenarios' paths as small multiples, one panel each (name, path table, provenance), on one
    rate axis, each flow drawn alike in every panel, with one legend."""
    n = len(paths)
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    title = "Effective tariff by date" + ("" if n == 1 else ", each scenario") + " (trade-weighted at base-year values)"
    every = [path_series(table, partners) for _, table, _ in paths]
    looks = _styles(every)
    with _style():
        fig = _figure(*(size or (9.0, 1.3 + 2.7 * rows)), title)
        axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
        for ax, (name, _, _), series in zip(axes, paths, every):
            _draw_path(ax, series, looks)
            ax.set_title(textwrap.fill(_text(name), 46), fontsize=8.5)
        axes[0].set_ylim(bottom=0)                       # shared: after every panel is drawn
        for ax in axes[n:]:
            ax.set_visible(False)
        for ax in axes[::cols]:
            ax.set_ylabel("Effective tariff, %")
        for ax in axes[max(0, n - cols):n]:
            ax.set_xlabel("Date")
        handles: dict[str, Artist] = {}
        for ax in axes[:n]:
            for h, label in zip(*ax.get_legend_handles_labels()):
                handles.setdefault(label, h)
        if handles:
            fig.legend(list(handles.values()), list(handles), loc="outside right center")
        _finish(fig, title, source_line([p for _, _, p in paths if p is not None]))
    return fig


# -- the notebook's entry point and saving -------------------------------------------------------

def figure(kind: str, results: Sequence[Result]) -> Figure:
    """A chart of one or more results: ``balance`` or ``chapters`` (a path is drawn from its table: path_figure)."""
    if kind == "balance":
        return balance_figure(results)
    if kind == "chapters":
        return chapters_figure(results)
    raise InputError(Problem(None, "kind", f"unknown chart '{_text(kind)}'; choose balance or chapters "
                                           "(a time path: simulator.path(...).plot())"))


def to_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure as a PNG or SVG file; the same figure gives the same bytes (no date, a fixed id salt)."""
    if fmt not in SUFFIXES.values():
        raise ValueError(f"to_bytes: unsupported format {fmt}")
    title = str(fig.get_label() or "")
    metadata: dict[str, str | None] = (
        {"Date": None, "Type": None, "Creator": f"tariffsim {__version__}", "Title": title or None}
        if fmt == "svg" else {"Software": f"tariffsim {__version__}", "Title": title})
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()


def write(path: Path, fig: Figure, fmt: str) -> None:
    """Save a chart atomically (never a partial file)."""
    from ..atomic import write_atomic
    content = to_bytes(fig, fmt)
    write_atomic(path, lambda tmp: Path(tmp).write_bytes(content))


def inline_svg(fig: Figure, prefix: str) -> str:
    """The figure as an ``<svg>`` element to place in an HTML page: no XML prolog or metadata, every id prefixed
    (two charts on one page share none), scaled to the width of its container."""
    svg = to_bytes(fig, "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', svg, count=1)
    return svg.rstrip()
