"""The measures in force month by month against what happened: Treasury's customs duties, Census imports.

The counterfactual is the same for every row: each realised series at its 2024 level (the mean of its 2024 months
in the data), moved by the change the model gives on 2024 trade with the measures in force on the 15th of the month
(of the previous month for duties, which are paid about a month after entry).
So a row compares the tariff-driven change a partial-equilibrium model claims with the realised change, which mixes
every cause; what the model leaves out is listed in the notes of every back-test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import api
from .data import catalog

PARTNERS = ("KOR", "CHN", "JPN", "DEU", "TWN")     # the partners with monthly Census series in the bundled data
DAY = 15                                             # the measures in force mid-month stand for the month

COUNTERFACTUAL = ("Counterfactual, the same for every row: the realised series at its 2024 level (the mean of its "
                  "2024 months in the data), times the model's change on 2024 trade with the measures in force on "
                  "the 15th of the month (revenue after substitution for duties, imports after substitution for "
                  "imports). Duties and the effective tariff answer the previous month's measures: duties are paid "
                  "about a month after entry (CBP's periodic monthly statement, by the 15th working day of the next "
                  "month). 'Realised - modelled' is what the model does not claim.")
LEFT_OUT = [
    "Left out by a partial-equilibrium model of tariffs on 2024 trade: growth of US demand and of prices since 2024, "
    "exchange rates, the AI investment boom (servers, chips and power equipment from Taiwan, Mexico and Korea), "
    "stockpiling before tariff dates (January to March 2025) and running stocks down after, the seasonal pattern "
    "of each month (the counterfactual is a monthly mean), and the lag between entry and collection of duties.",
    "Duties: Treasury records duties collected (cash) in the month, after refunds and drawback; the model's revenue "
    "is the statutory duty on the modelled flows, so the 2024 gap between them (preferences the data does not "
    "hold, de minimis entries, drawback, AD/CVD) is carried into the counterfactual level, not modelled.",
    "Census partner series are general imports (customs value); the model's flows are imports for consumption "
    "(chapters 01-97), so only the model's change is used, applied to the Census level.",
    "Korea's exports to the US by month (KCS) are not in the bundled data: the US import series from Korea (Census) "
    "stands in for them.",
]


@dataclass(frozen=True)
class Row:
    month: dt.date            # the first of the month
    series: str               # "US customs duties", "US imports", "US effective tariff", "US imports from KOR", ...
    unit: str                 # "US$ bn" or "%"
    level_2024: float         # the counterfactual level
    modelled: float
    realised: float | None    # None where the data has no figure for the month

    @property
    def difference(self) -> float | None:
        return None if self.realised is None else self.realised - self.modelled

    @property
    def difference_share(self) -> float | None:
        """Realised less modelled, as a share of the modelled figure (points for a rate)."""
        if self.realised is None or self.modelled == 0:
            return None
        return (self.realised - self.modelled) / self.modelled


@dataclass(frozen=True)
class Backtest:
    scenario: str
    file: str
    year: int
    rows: list[Row]
    notes: list[str]


@lru_cache(maxsize=1)
def _realised() -> tuple[dict, dict]:
    """Treasury duties and imports by (year, month) in US$ bn; Census imports by (partner, year, month)."""
    t = catalog.read_csv("realised-customs-duties-monthly")
    duties = {(int(y), int(m)): (float(d) / 1e3, float(v) / 1e3)
              for y, m, d, v in zip(t.year, t.month, t.customs_duties, t.imports_value)}
    c = catalog.read_csv("realised-census-monthly-5partners")
    census = {(p, int(y), int(m)): float(v) / 1e3 for p, y, m, v in zip(c.partner, c.year, c.month, c.us_general_imports_musd)}
    return duties, census


def _mean_2024(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def run(scenario: api.ScenarioFile | str | Path, year: int = 2025) -> tuple[Backtest, list[str]]:
    """The back-test of a scenario of measures in force, month by month through ``year``."""
    sf = scenario if isinstance(scenario, api.ScenarioFile) else api.load_scenario(scenario)
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    # duties are paid about a month after entry (CBP's periodic monthly statement: by the 15th working day of the
    # next month), so a month's collections answer the previous month's measures
    dates = [dt.date(year - 1, 12, DAY)] + [m.replace(day=DAY) for m in months]
    series_by_date, warnings = api.path(sf, dates)
    series = list(series_by_date)                       # thirteen dates
    duties, census = _realised()
    base_year = year - 1
    treasury_2024 = [duties[(base_year, m)] for m in range(1, 13) if (base_year, m) in duties]
    duty_level = _mean_2024([d for d, _ in treasury_2024])
    import_level = _mean_2024([v for _, v in treasury_2024])
    partner_level = {p: _mean_2024([v for (q, y, _), v in census.items() if q == p and y == base_year])
                     for p in PARTNERS}
    rows: list[Row] = []
    for month, (_, entered), (_, result) in zip(months, series[:-1], series[1:]):
        before, every = entered.effective_rates("USA").iloc[0], result.effective_rates("USA").iloc[0]
        duty_ratio = before.revenue_new / before.revenue_base
        import_ratio = every.value_new / every.value_base
        got = duties.get((year, month.month))
        modelled_duties, modelled_imports = duty_level * duty_ratio, import_level * import_ratio
        rows.append(Row(month, "US customs duties", "US$ bn", duty_level, modelled_duties, got[0] if got else None))
        rows.append(Row(month, "US imports", "US$ bn", import_level, modelled_imports, got[1] if got else None))
        rows.append(Row(month, "US effective tariff (duties / imports)", "%", 100 * duty_level / import_level,
                        100 * duty_level * duty_ratio / (import_level * before.value_new / before.value_base),
                        100 * got[0] / got[1] if got else None))
        pairs = result.pairs
        for p in PARTNERS:
            level = partner_level[p]
            pick = pairs[(pairs.exporter == p) & (pairs.importer == "USA")]
            ratio = float(pick.value_new.iloc[0] / pick.value_base.iloc[0]) if len(pick) else float("nan")
            rows.append(Row(month, f"US imports from {p}", "US$ bn", level, level * ratio,
                            census.get((p, year, month.month))))
    months_2024 = sorted({m for (q, y, m) in census if y == base_year})
    notes = [COUNTERFACTUAL,
             f"2024 levels: Treasury duties and imports, the mean of the 12 months of {base_year}; Census partner "
             f"imports, the mean of the {len(months_2024)} months of {base_year} in the data "
             f"({', '.join(dt.date(base_year, m, 1).strftime('%b') for m in months_2024)}).",
             *LEFT_OUT]
    return Backtest(sf.spec.name, sf.path.name, year, rows, notes), warnings


def full_year(bt: Backtest) -> list[Row]:
    """The year's totals of the dollar series (months with a realised figure only, both sides)."""
    out = []
    for name in dict.fromkeys(r.series for r in bt.rows if r.unit == "US$ bn"):
        rows = [r for r in bt.rows if r.series == name and r.realised is not None]
        realised = [r.realised for r in rows if r.realised is not None]   # all of them: the test narrows the type
        out.append(Row(dt.date(bt.year, 1, 1), name, "US$ bn", sum(r.level_2024 for r in rows),
                       sum(r.modelled for r in rows), sum(realised)))
    return out
