"""Economic models: pure numpy/scipy functions of base flows and (tau0, tau1). No I/O.

Every model takes the base values at world prices, the landed-price wedges before and after
(tariffs plus any non-tariff, quota or commitment wedge), the elasticities of every flow and the
market structure, and returns an ``Outcome``, one element per flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class SolverReport:
    """How a model was solved, where it needed a solve: the method, and for an iterative solve its steps, unknowns,
    largest residual and tolerance (or, for SMART, the cells of its formulas)."""

    method: str
    iterations: int | None = None
    unknowns: int | None = None
    residual: float | None = None
    tolerance: float | None = None
    cells: int | None = None

    def to_dict(self) -> dict[str, object]:
        """The fields the solve has, in order."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Outcome:
    quantity_ratio: np.ndarray     # m1 / m0 (quantities at base world prices, m0 = v0)
    price_ratio: np.ndarray        # rp: new / old world (factory-gate) price of the flow's supplier
    value_new: np.ndarray          # v1 = m1 * rp, at world prices
    consumer_surplus: np.ndarray   # change, attributed to the importer (USD; NaN where the model has none)
    producer_surplus: np.ndarray   # change, attributed to the exporter (USD; NaN where the model has none)
    solver: SolverReport | None = None   # None where no solve was needed (constant model, price takers)
    notes: tuple[str, ...] = ()


from . import armington, constant, gsim, smart  # noqa: E402

# Each is solve(v0, tau0, tau1, params, markets, ...) -> Outcome; armington takes solver options too.
MODELS: dict[str, Callable[..., Outcome]] = {"armington": armington.solve, "constant": constant.solve,
                                             "smart": smart.solve, "gsim": gsim.solve}
DESCRIPTIONS = {
    "armington": "exact two-stage CES (Armington) in every market: substitution between sources, then total import "
                 "demand (docs/MODELS.md)",
    "constant": "constant-elasticity import demand per flow, no substitution between sources (docs/MODELS.md)",
    "smart": "WITS-SMART compatibility: the Laird-Yeats first-order trade creation and diversion formulas (docs/MODELS.md)",
    "gsim": "GSIM compatibility: linearised multi-region market clearing (Francois & Hall 2003; docs/MODELS.md)",
}
