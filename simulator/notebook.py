"""The Python API for notebooks: ``simulator.run``, ``compare``, ``path`` and ``explain`` return objects whose
tables are pandas DataFrames, with ``to_excel`` and ``plot`` methods. It sits on top, beside the command line:
it renders, so nothing below imports it. docs/API.md documents it with a worked example.

Money is in US dollars, rates are fractions, as in the JSON output; errors are ``simulator.errors.InputError``
with one problem per line (``str(error)``), naming the file and key, or the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import api, comparison
from .records import Provenance
from .results import Result

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        from .errors import InputError, Problem
        raise InputError(Problem(None, name, f"'{value}' is not a date (use YYYY-MM-DD)"))


def _draws(draws: int | None, seed: int):
    if draws is None:
        return None
    from .uncertainty import Draws
    return Draws(draws, seed)


def _scenario(scenario: str | Path, basis: str | None):
    return api.with_basis(api.load_scenario(Path(scenario)), basis)


@dataclass(frozen=True, eq=False)
class RunResult:
    """One scenario's result: ``result`` (the typed result), ``warnings``, and every table as a DataFrame."""

    result: Result
    warnings: list[str]

    @property
    def name(self) -> str:
        return self.result.provenance.name

    @cached_property
    def headline(self) -> pd.DataFrame:
        """The headline figures: ``figure`` (balance, trade, tariff, ...), ``of``, ``value`` (after the scenario)."""
        return pd.DataFrame([(f.kind, f.of, f.value) for f in self.result.headline.figures],
                            columns=["figure", "of", "value"])

    @property
    def countries(self) -> pd.DataFrame:
        return self.result.countries

    @property
    def pairs(self) -> pd.DataFrame:
        return self.result.pairs

    @property
    def balances(self) -> pd.DataFrame:
        return self.result.balances

    @property
    def chapters(self) -> pd.DataFrame:
        return self.result.chapters

    @property
    def products(self) -> pd.DataFrame:
        return self.result.products

    @property
    def effective_rates(self) -> pd.DataFrame:
        """The effective tariff of the headline importer (the US where it imports): all imports, then each partner."""
        imp = self.result.headline.rate_importer
        return self.result.effective_rates(imp) if imp is not None else pd.DataFrame()

    @cached_property
    def measures(self) -> pd.DataFrame:
        """Each measure: id, kind, rate, legal reference, in force on the date, flows and base value covered."""
        return pd.DataFrame([m.to_dict() for m in self.result.measures],
                            columns=["id", "kind", "rate", "reference", "in_force", "flows", "value_base"])

    @cached_property
    def bands(self) -> pd.DataFrame:
        """With ``draws``: the 5/50/95 percentiles of each headline figure."""
        return pd.DataFrame([b.to_dict() for b in self.result.bands], columns=["figure", "of", "p5", "p50", "p95"])

    @property
    def notes(self) -> list[str]:
        return self.result.notes

    def to_excel(self, path: str | Path, detail: str | None = None) -> Path:
        """Write the workbook ``tariffsim run -o FILE.xlsx`` writes; returns its path."""
        from .report import check_finite, excel
        check_finite(self.result, detail)
        excel.write(Path(path), excel.result_workbook(self.result, self.warnings, detail))
        return Path(path)

    def plot(self, kind: str = "chapters") -> Figure:
        """A chart of this result: ``chapters`` (the HS chapters that move most) or ``balance``."""
        from .report import charts
        return charts.figure(kind, [self.result])


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """Several scenarios side by side: ``runs`` (each a RunResult), the headline with deltas, and long tables."""

    comparison: comparison.Comparison
    warnings: list[str]

    @property
    def runs(self) -> list[RunResult]:
        return [RunResult(r, []) for r in self.comparison.results]

    @property
    def labels(self) -> list[str]:
        return self.comparison.labels

    @cached_property
    def headline(self) -> pd.DataFrame:
        """One row per headline figure, one column per scenario (US dollars; rates as fractions)."""
        return self.comparison.headline()

    @property
    def chapters_that_differ(self) -> pd.DataFrame:
        return self.comparison.chapters_that_differ()

    def long(self, table: str) -> pd.DataFrame:
        """``countries``, ``pairs``, ``balances`` or ``chapters`` of every scenario, with ``<field>_vs_first``."""
        return self.comparison.long(table)

    def to_excel(self, path: str | Path) -> Path:
        """Write the workbook ``tariffsim compare -o FILE.xlsx`` writes; returns its path."""
        from .report import check_finite, excel
        for r in self.comparison.results:
            check_finite(r, None)
        excel.write(Path(path), excel.comparison_workbook(self.comparison, self.warnings))
        return Path(path)

    def plot(self, kind: str = "balance") -> Figure:
        """A chart of the scenarios: ``balance`` (before and after, per scenario) or ``chapters``."""
        from .report import charts
        return charts.figure(kind, self.comparison.results)


@dataclass(frozen=True, eq=False)
class PathResult:
    """A scenario on a series of dates: ``table``, a row per date and headline pair (effective tariff, trade,
    balance), as ``tariffsim run --path`` prints it."""

    name: str
    table: pd.DataFrame
    warnings: list[str]
    provenance: Provenance | None = None      # the first date's: the chart's source line names its data

    def plot(self) -> Figure:
        """The effective tariff through time, a step chart per partner."""
        from .report import charts
        return charts.path_figure(self.table, self.name, self.provenance)


@dataclass(frozen=True, eq=False)
class ExplainResult:
    """The steps that set the rate of the flows of one importer, exporter and HS prefix."""

    explanation: api.Explanation

    @cached_property
    def flows(self) -> pd.DataFrame:
        """A row per flow (largest first): importer, exporter, hs, value, rate_base, rate_scenario, wedge_ntm."""
        return pd.DataFrame([{k: v for k, v in f.items() if k != "steps"} for f in self.explanation.flows])

    @cached_property
    def steps(self) -> pd.DataFrame:
        """A row per step of each flow: hs, order, step (what it is), rate after it (None: it sets none), detail."""
        rows = [{"hs": f["hs"], "order": i + 1, **step}
                for f in self.explanation.flows for i, step in enumerate(f["steps"])]
        return pd.DataFrame(rows)


def run(scenario: str | Path, *, as_of: dt.date | str | None = None, basis: str | None = None,
        draws: int | None = None, seed: int = 0) -> RunResult:
    """Run one scenario file (as ``tariffsim run``); ``draws`` adds percentile bands (seeded by ``seed``)."""
    result, warnings = api.run(_scenario(scenario, basis), as_of=_date(as_of, "as_of"), draws=_draws(draws, seed))
    return RunResult(result, warnings)


def compare(scenarios: Sequence[str | Path], *, as_of: dt.date | str | None = None, basis: str | None = None,
            draws: int | None = None, seed: int = 0) -> ComparisonResult:
    """Run several scenario files side by side, deltas against the first (as ``tariffsim compare``)."""
    if isinstance(scenarios, (str, Path)) or len(scenarios) < 2:
        from .errors import InputError, Problem
        raise InputError(Problem(None, "scenarios", "give a list of at least two scenario files"))
    cmp, warnings = api.compare([Path(s) for s in scenarios], as_of=_date(as_of, "as_of"), basis=basis,
                                draws=_draws(draws, seed))
    return ComparisonResult(cmp, warnings)


def path(scenario: str | Path, start: dt.date | str, end: dt.date | str, step: str = "monthly", *,
         basis: str | None = None) -> PathResult:
    """The scenario on each date from ``start`` to ``end`` (``step``: daily, weekly, monthly, quarterly, yearly)."""
    from .report.explain import FirstDate, path_frame
    sf = _scenario(scenario, basis)
    begin, last = _date(start, "start"), _date(end, "end")
    assert begin is not None and last is not None, "dates are required arguments"
    series, warnings = api.path(sf, api.dates(begin, last, step))
    first = FirstDate()
    table = path_frame(first.reading(series))
    return PathResult(sf.spec.name, table, warnings, first.provenance)


def explain(scenario: str | Path, importer: str, exporter: str, hs: str, *,
            as_of: dt.date | str | None = None) -> ExplainResult:
    """Every preference, measure, exemption and stacking rule that set the rate of these flows, in order."""
    return ExplainResult(api.explain(Path(scenario), importer, exporter, hs, as_of=_date(as_of, "as_of")))
