"""Markets and suppliers as integer indices, for grouped sums with ``np.bincount``.

A market is one importer and one product: the HS6 heading of a flow's code (its own code
where the data is coarser, and a market of its own for a residual line). A supplier is one
exporter of one product (HS6), across every market it sells into.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import hs
from .flows import Flows


@dataclass(frozen=True)
class Markets:
    market: np.ndarray        # market index of each flow
    n_markets: int
    supplier: np.ndarray      # exporter-product index of each flow
    n_suppliers: int
    product: np.ndarray       # product code of each flow's market (code * 16 + digits)
    imp_country: np.ndarray   # importer index of each flow
    exp_country: np.ndarray   # exporter index of each flow

    def sum(self, weights: np.ndarray) -> np.ndarray:
        """Per market."""
        return np.bincount(self.market, weights=weights, minlength=self.n_markets)

    def supplier_sum(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.supplier, weights=weights, minlength=self.n_suppliers)


def product_key(flows: Flows) -> np.ndarray:
    digits = np.minimum(flows.hs_digits.astype(np.int64), 6)
    code = hs.truncate(flows.hs, flows.hs_digits, 6)
    coarse = flows.hs_digits < 6
    code[coarse] = flows.hs[coarse]
    return code * 16 + digits


def supplier_country(flows: Flows) -> np.ndarray:
    """The exporter of each flow as a supplier: a market-specific region (the rest of the world of each
    importer) becomes a separate supplier per importer, numbered after the real countries."""
    exp = flows.exporter.astype(np.int64)
    n_c = len(flows.countries)
    local = [i for i, c in enumerate(flows.countries) if c in flows.market_specific]
    if local:
        hit = np.isin(exp, local)
        exp = np.where(hit, n_c + exp * n_c + flows.importer, exp)
    return exp


def markets(flows: Flows) -> Markets:
    product = product_key(flows)
    n_c = len(flows.countries)
    exp = supplier_country(flows)
    _, market = np.unique(product * n_c + flows.importer, return_inverse=True)
    _, supplier = np.unique(product * (n_c * (n_c + 1) + n_c) + exp, return_inverse=True)
    return Markets(market.ravel(), int(market.max()) + 1 if len(flows) else 0,
                   supplier.ravel(), int(supplier.max()) + 1 if len(flows) else 0, product,
                   flows.importer.astype(np.int64), exp)
