"""Figures as text, shared by every output format: money in a readable unit, rates, instruments and bands.
Which figures are the headline is the result's choice (``Result.headline``); this only formats them."""

from __future__ import annotations

from ..headline import RATE_KINDS
from ..records import CommitmentOutcome
from ..results import Result


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


def pct(x: float) -> str:
    return "n/a" if x is None or x != x else f"{x * 100:.1f}%"


def instruments(result: Result) -> list[list[str]]:
    """Rows describing how each quota and purchase commitment was solved."""
    div, _ = money_unit(result)
    rows = []
    for ins in result.instruments:
        if isinstance(ins, CommitmentOutcome):
            rows.append([ins.id, "purchase commitment", ins.regime, f"wedge {ins.wedge * 100:+.2f}%",
                         f"target {money(ins.target, div)}; purchases {money(ins.purchases_base, div)} -> "
                         f"{money(ins.purchases_new, div)}; diversion from others {money(ins.diversion_from_others, div)}; "
                         f"cost {money(ins.cost, div)}"])
        else:
            fill = "" if ins.fill is None else f"fill {ins.fill * 100:.1f}%"
            rows.append([ins.id, ins.kind, ins.regime, f"marginal {ins.marginal_rate * 100:.2f}%",
                         f"{fill}; rent {money(ins.rent, div)} to the {ins.rent_holder}"])
    return rows


def draws_title(result: Result) -> str:
    d = result.provenance.draws
    n, seed = (d.n, d.seed) if d else (None, None)
    return f"Uncertainty: {n} draws of the elasticities (seed {seed})"


def band_rows(result: Result) -> list[list[str]]:
    """The percentile bands as text rows: figure, of, 5%, 50%, 95%."""
    div, _ = money_unit(result)
    rows = []
    for b in result.bands:
        rate = b.figure in RATE_KINDS

        def fmt(x: float) -> str:
            return "n/a" if x != x else (f"{x * 100:.2f}%" if rate else money(x, div))
        rows.append([b.figure, b.of, fmt(b.p5), fmt(b.p50), fmt(b.p95)])
    return rows


TOP_MEASURES = 10


def measures_title(result: Result) -> str:
    n = sum(m.in_force for m in result.measures)
    return f"Measures in force that cover most trade (top {min(TOP_MEASURES, n)} of {n})"


def measure_rows(result: Result) -> list[list[str]]:
    """The measures in force that cover most base-year trade: id, kind, rate, trade covered, legal reference."""
    div, _ = money_unit(result)
    live = sorted((m for m in result.measures if m.in_force), key=lambda m: (-m.value_base, m.id))[:TOP_MEASURES]
    return [[m.id, m.kind, "" if m.rate is None else pct(m.rate), money(m.value_base, div),
             m.reference if len(m.reference) <= 60 else m.reference[:59] + "…"] for m in live]
