"""The headline tables of a result, in US dollars, shared by every output format."""

from __future__ import annotations

import pandas as pd

from ..results import Result

TOP_CHAPTERS = 10


def money(x: float, div: float, sign: bool = False) -> str:
    """A money figure in the chosen unit, two decimals, never '-0.00'."""
    if x is None or x != x:
        return "n/a"
    v = round(x / div, 2) + 0.0
    return f"{v:+,.2f}" if sign else f"{v:,.2f}"


def money_unit(result: Result) -> tuple[float, str]:
    """Divisor and label that keep the headline figures readable (billions for national data,
    plain units for a textbook example)."""
    top = float(abs(result.value_base).max()) if len(result.flows) else 0.0
    for div, label in ((1e9, "US$ billion"), (1e6, "US$ million"), (1e3, "US$ thousand")):
        if top >= div:
            return div, label
    return 1.0, "US$"


def headline_countries(result: Result) -> list[str]:
    """Countries with trade both ways in the data (their balances are meaningful)."""
    names = sorted(set(result.balances.country))
    return names or list(result.flows.countries)


def bilateral(result: Result) -> pd.DataFrame:
    keep = set(headline_countries(result))
    p = result.pairs
    p = p[p.exporter.isin(keep) & p.importer.isin(keep)].copy()
    p["change"] = p.value_new - p.value_base
    return p.reset_index(drop=True)


def balances(result: Result) -> pd.DataFrame:
    b = result.balances.copy()
    b["change"] = b.balance_new - b.balance_base
    return b


def countries(result: Result) -> pd.DataFrame:
    c = result.countries
    return c[c.country.isin(headline_countries(result))].reset_index(drop=True)


TOP_PARTNERS = 12


def rate_importer(result: Result) -> str | None:
    """The importer whose tariffs the headline rates describe: the US where it imports, else the largest importer."""
    c = result.countries
    if not len(c):
        return None
    if "USA" in set(c.country) and float(c[c.country == "USA"].imports_base.iloc[0]) > 0:
        return "USA"
    return str(c.sort_values("imports_base", ascending=False).country.iloc[0])


def effective_rates(result: Result, top: int = TOP_PARTNERS) -> tuple[str | None, pd.DataFrame]:
    """All imports and the ``top`` largest partners of the rate importer (by base-year imports)."""
    imp = rate_importer(result)
    if imp is None:
        return None, pd.DataFrame()
    return imp, result.effective_rates(imp).head(top + 1)


def pct(x: float) -> str:
    return "n/a" if x is None or x != x else f"{x * 100:.1f}%"


def chapters(result: Result, top: int = TOP_CHAPTERS) -> pd.DataFrame:
    return result.chapters.head(top)


def instruments(result: Result) -> list[list[str]]:
    """Rows describing how each quota and purchase commitment was solved."""
    div, _ = money_unit(result)
    rows = []
    for ins in result.instruments:
        if ins["kind"] == "commitment":
            rows.append([ins["id"], "purchase commitment", ins["regime"], f"wedge {ins['wedge'] * 100:+.2f}%",
                         f"target {money(ins['target'], div)}; purchases {money(ins['purchases_base'], div)} -> "
                         f"{money(ins['purchases_new'], div)}; diversion from others {money(ins['diversion_from_others'], div)}; "
                         f"cost {money(ins['cost'], div)}"])
        else:
            fill = "" if ins["fill"] is None else f"fill {ins['fill'] * 100:.1f}%"
            rows.append([ins["id"], ins["kind"], ins["regime"], f"marginal {ins['marginal_rate'] * 100:.2f}%",
                         f"{fill}; rent {money(ins['rent'], div)} to the {ins['rent_holder']}"])
    return rows


def draws_title(result: Result) -> str:
    d = result.scenario.get("draws", {})
    return f"Uncertainty: {d.get('n')} draws of the elasticities (seed {d.get('seed')})"


def band_rows(result: Result) -> list[list[str]]:
    """The percentile bands as text rows: figure, of, 5%, 50%, 95%."""
    div, _ = money_unit(result)
    rows = []
    for b in result.bands:
        fmt = (lambda x: f"{x * 100:.2f}%") if b["figure"] == "tariff" else (lambda x: money(x, div))
        rows.append([b["figure"], b["of"], fmt(b["p5"]), fmt(b["p50"]), fmt(b["p95"])])
    return rows
