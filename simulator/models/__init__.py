"""Economic models: pure numpy/scipy functions of base flows and (t0, t1). No I/O."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Outcome:
    """What every model returns, one element per flow."""

    quantity_ratio: np.ndarray   # m1 / m0 (quantities at base world prices, m0 = v0)
    price_ratio: np.ndarray      # rp: new / old world (factory-gate) price
    value_new: np.ndarray        # v1 = m1 * rp, at world prices
    consumer_surplus: np.ndarray  # change, attributed to the importer (USD)
    producer_surplus: np.ndarray  # change, attributed to the exporter (USD)


from . import constant  # noqa: E402

MODELS = {"constant": constant.solve}
DESCRIPTIONS = {"constant": "constant-elasticity import demand per flow, no substitution between sources (docs/MODELS.md)"}
