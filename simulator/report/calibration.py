"""The calibration as a terminal table and JSON. No economics here."""

from __future__ import annotations

import dataclasses
import json
import math

from rich.console import Group
from rich.text import Text

from ..calibrate import Calibration
from .plain import PlainTable as Table


def renderable(c: Calibration):
    se = "n/a" if math.isnan(c.se) else f"{c.se:.2f}"
    head = Text(f"Import demand elasticity fitted to the US effective tariff of 2025: {c.eta:.2f} (standard error {se}); "
                f"the scenario's value {c.default:g}", style="bold")
    grid = Table(title="Sum of squared log gaps over the fitting months, by import demand elasticity", title_justify="left")
    grid.add_column("Import demand", justify="right")
    grid.add_column("Squared log gaps", justify="right")
    for eta, sse in c.grid:
        grid.add_row(f"{eta:g}", f"{sse:.4f}")
    fit = Table(title="Root mean squared log gap of the effective tariff", title_justify="left")
    for col in ("", "fitting months", "evaluation months"):
        fit.add_column(col, justify="left" if not col else "right")
    fit.add_row(f"the scenario's value ({c.default:g})", f"{c.rmse_fit['default']:.4f}", f"{c.rmse_evaluate['default']:.4f}")
    fit.add_row(f"fitted ({c.eta:.2f})", f"{c.rmse_fit['fitted']:.4f}", f"{c.rmse_evaluate['fitted']:.4f}")
    return Group(head, grid, fit, Text("\n".join(f"- {n}" for n in c.notes), style="dim"))


def to_json(c: Calibration) -> str:
    doc = dataclasses.asdict(c)
    doc["se"] = None if math.isnan(c.se) else c.se
    return json.dumps(doc, indent=2) + "\n"
