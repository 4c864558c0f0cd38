"""Calibration of the import demand elasticity to what was collected in 2025, fitted on some months and evaluated on
the others.

The Budget Lab's Tariff-Model calibrates its response to Treasury's collections; here the figure fitted is the US
effective tariff, duties over imports (Treasury, Census), month by month, in the back-test's counterfactual (the 2024
level moved by the model's change; duties answer the previous month's measures). The effective tariff rather than
the dollars: dollars carry 2025's growth of imports, which is no tariff response, while the rate falls as buyers move
from highly taxed goods, which the import demand elasticity governs (with substitution between suppliers, held at its
default). The fit minimises the squared log gap over the fitting months; its standard error comes from the curvature
of that sum at the minimum (nonlinear least squares); the evaluation months are not used to fit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import api, backtest

GRID = (-0.25, -0.5, -0.75, -1.0, -1.25, -1.5, -2.0, -2.5, -3.0)
SERIES = "US effective tariff (duties / imports)"
FIT = tuple(range(4, 9))         # April to August 2025: the months the new tariffs reached collections
EVALUATE = tuple(range(9, 13))   # September to December 2025


@dataclass(frozen=True)
class Calibration:
    eta: float                         # fitted import demand elasticity
    se: float                          # its standard error
    fit_months: tuple[int, ...]
    evaluate_months: tuple[int, ...]
    grid: list[tuple[float, float]]    # (eta, sum of squared log gaps over the fitting months)
    rmse_fit: dict[str, float]         # root mean squared log gap over the fitting months: "default", "fitted"
    rmse_evaluate: dict[str, float]    # the same over the evaluation months
    default: float                     # the scenario's own import demand elasticity
    notes: list[str]


def _with_eta(sf, eta: float):
    el = sf.spec.elasticities.model_copy(update={"import_demand": eta})
    return dataclasses.replace(sf, spec=sf.spec.model_copy(update={"elasticities": el}))


def _gaps(sf, eta: float, months: tuple[int, ...], year: int) -> np.ndarray:
    """log(realised / modelled) effective tariff, month by month, at this import demand elasticity."""
    bt, _ = backtest.run(_with_eta(sf, eta), year)
    rows = {r.month.month: r for r in bt.rows if r.series == SERIES}
    gaps = []
    for m in months:
        realised = rows[m].realised
        if realised is None:
            raise ValueError(f"{SERIES}: no realised figure for {year}-{m:02d}")
        gaps.append(np.log(realised / rows[m].modelled))
    return np.array(gaps)


def run(scenario: str | Path, year: int = 2025, fit: tuple[int, ...] = FIT,
        evaluate: tuple[int, ...] = EVALUATE) -> Calibration:
    sf = api.load_scenario(scenario)
    default = sf.spec.elasticities.import_demand
    months = tuple(sorted(set(fit) | set(evaluate)))
    gaps = {eta: _gaps(sf, eta, months, year) for eta in sorted(set(GRID) | {default})}
    pick = lambda g, which: g[[months.index(m) for m in which]]  # noqa: E731
    sse = {eta: float((pick(g, fit) ** 2).sum()) for eta, g in gaps.items()}
    grid = sorted(sse.items())
    etas = np.array([e for e, _ in grid])
    values = np.array([v for _, v in grid])
    k = int(np.argmin(values))
    notes = []
    if k in (0, len(etas) - 1):
        eta, se = float(etas[k]), float("nan")
        notes.append(f"The best fit is at the end of the grid ({eta:g}): the data put the elasticity at or beyond it.")
    else:
        # a parabola through the minimum and its neighbours: its vertex and curvature
        a, b, _ = np.polyfit(etas[k - 1:k + 2], values[k - 1:k + 2], 2)
        eta = float(-b / (2 * a))
        s2 = float(values[k]) / max(len(fit) - 1, 1)          # residual variance of the log gaps
        se = float(np.sqrt(2 * s2 / (2 * a))) if a > 0 else float("nan")
    fitted = _gaps(sf, eta, months, year)
    rms = lambda g, which: float(np.sqrt(np.mean(pick(g, which) ** 2)))  # noqa: E731
    notes += [
        f"Fitted on {', '.join(dt.date(year, m, 1).strftime('%b') for m in fit)} {year}; evaluated on "
        f"{', '.join(dt.date(year, m, 1).strftime('%b') for m in evaluate)} {year}, which the fit does not see.",
        "Target: the US effective tariff (Treasury duties / Census imports) in the back-test's counterfactual "
        "(tariffsim backtest); substitution and export supply held at the scenario's values.",
        "The standard error is that of a nonlinear least-squares fit of the log gaps, treating the months as "
        "independent; the months share shocks (stockpiling, the AI boom), so it understates the uncertainty.",
    ]
    return Calibration(eta, se, fit, evaluate, grid,
                       {"default": rms(gaps[default], fit), "fitted": rms(fitted, fit)},
                       {"default": rms(gaps[default], evaluate), "fitted": rms(fitted, evaluate)}, default, notes)
