"""Markets and suppliers as integer indices, for grouped sums with ``np.bincount``.

A market is one importer and one product: the HS6 heading of a flow's code (its own code
where the data is coarser, and a market of its own for a residual line). A supplier is one
exporter of one product (HS6), across every market it sells into.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from . import hs
from .flows import Flows


@dataclass(frozen=True, eq=False)
class Markets:
    market: np.ndarray        # market index of each flow
    n_markets: int
    supplier: np.ndarray      # exporter-product index of each flow
    n_suppliers: int
    product: np.ndarray       # product code of each flow's market (code * 16 + digits)
    imp_country: np.ndarray   # importer index of each flow
    exp_country: np.ndarray   # exporter index of each flow
    order: np.ndarray         # flows sorted by market, for per-market reductions other than sums
    starts: np.ndarray        # first position of each market in that order

    @property
    def first(self) -> np.ndarray:
        """One flow of each market (market-level parameters are read from it)."""
        return self.order[self.starts]

    @cached_property
    def supplier_first(self) -> np.ndarray:
        """One flow of each supplier."""
        return _first_flow(self.supplier, self.n_suppliers)

    @cached_property
    def supplier_market(self) -> tuple[np.ndarray, int]:
        """Index of each flow's (supplier, market) pair, and how many pairs: a supplier's lines in one market."""
        _, idx = np.unique(self.supplier.astype(np.int64) * max(self.n_markets, 1) + self.market, return_inverse=True)
        idx = idx.ravel()
        return idx, int(idx.max()) + 1 if idx.size else 0

    @cached_property
    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per (supplier, market) pair: its supplier, its market and one of its flows."""
        line = _first_flow(*self.supplier_market)
        return self.supplier[line].astype(np.int64), self.market[line].astype(np.int64), line

    def subset(self, flows: np.ndarray) -> tuple[Markets, np.ndarray]:
        """The markets of the given flows (whole markets), renumbered; and each new supplier's old index."""
        market_ids, market = np.unique(self.market[flows], return_inverse=True)
        supplier_ids, supplier = np.unique(self.supplier[flows], return_inverse=True)
        market, supplier = market.ravel(), supplier.ravel()
        order = np.argsort(market, kind="stable")
        starts = np.searchsorted(market[order], np.arange(market_ids.size))
        sub = Markets(market, market_ids.size, supplier, supplier_ids.size, self.product[flows],
                      self.imp_country[flows], self.exp_country[flows], order, starts)
        return sub, supplier_ids

    def on_lines(self, lines: np.ndarray) -> Markets:
        """The same markets and suppliers, numbered as here, on some of the lines (ascending, at least one of every
        market and supplier): e.g. one line for each group of lines that nothing can tell apart."""
        market = self.market[lines]
        order = np.argsort(market, kind="stable")
        return Markets(market, self.n_markets, self.supplier[lines], self.n_suppliers, self.product[lines],
                       self.imp_country[lines], self.exp_country[lines], order,
                       np.searchsorted(market[order], np.arange(self.n_markets)))

    def max(self, values: np.ndarray) -> np.ndarray:
        """Per market maximum (``np.maximum.reduceat`` over the market-sorted order)."""
        if self.n_markets == 0:
            return np.zeros(0)
        return np.maximum.reduceat(values[self.order], self.starts)

    def sum(self, weights: np.ndarray) -> np.ndarray:
        """Per market."""
        return np.bincount(self.market, weights=weights, minlength=self.n_markets)

    def supplier_sum(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.supplier, weights=weights, minlength=self.n_suppliers)


def dense_groups(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` for integer keys in [0, size): a table instead of a sort."""
    if size > 4 * max(key.size, 1):                  # a sparse key range: the sort is cheaper than the table
        uniq, inverse = np.unique(key, return_inverse=True)
        return uniq, inverse.ravel()
    present = np.zeros(size, dtype=bool)
    present[key] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present), rank[key]


def _first_flow(group: np.ndarray, n_groups: int) -> np.ndarray:
    """The first flow of each group (flows numbered by position; every group has one)."""
    out = np.zeros(n_groups, dtype=np.int64)
    out[group[::-1]] = np.arange(group.size)[::-1]
    return out


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


_CACHE: weakref.WeakKeyDictionary[Flows, Markets] = weakref.WeakKeyDictionary()


def markets(flows: Flows) -> Markets:
    """The market structure of a dataset, built once per Flows and kept while the Flows lives."""
    if flows not in _CACHE:
        _CACHE[flows] = _build(flows)
    return _CACHE[flows]


FIELDS = ("market", "n_markets", "supplier", "n_suppliers", "product", "imp_country", "exp_country", "order", "starts")


def as_arrays(mk: Markets) -> dict[str, np.ndarray]:
    """The structure as arrays, with the (supplier, market) pairs every model run uses, to store beside the flows
    (``data.cache``)."""
    out = {name: np.atleast_1d(np.asarray(getattr(mk, name))) for name in FIELDS}
    idx, n_pairs = mk.supplier_market
    out.update({"pair": idx, "n_pairs": np.array([n_pairs]), "supplier_first": mk.supplier_first})
    out.update({f"pairs.{i}": a for i, a in enumerate(mk.pairs)})
    return out


def remember(flows: Flows, arrays: dict[str, np.ndarray]) -> None:
    """Use a structure read back from ``as_arrays`` for these flows instead of building it."""
    fields: dict[str, Any] = {name: int(arrays[name][0]) if name.startswith("n_") else arrays[name] for name in FIELDS}
    mk = Markets(**fields)
    # what the cached properties would have stored
    mk.__dict__.update(supplier_market=(arrays["pair"], int(arrays["n_pairs"][0])),
                       supplier_first=arrays["supplier_first"], pairs=tuple(arrays[f"pairs.{i}"] for i in range(3)))
    _CACHE[flows] = mk


def _build(flows: Flows) -> Markets:
    product = product_key(flows)
    n_c = len(flows.countries)
    exp = supplier_country(flows)
    _, market = np.unique(product * n_c + flows.importer, return_inverse=True)
    _, supplier = np.unique(product * (n_c * (n_c + 1) + n_c) + exp, return_inverse=True)
    market = market.ravel()
    n_markets = int(market.max()) + 1 if len(flows) else 0
    order = np.argsort(market, kind="stable")
    starts = np.searchsorted(market[order], np.arange(n_markets))
    return Markets(market, n_markets, supplier.ravel(), int(supplier.max()) + 1 if len(flows) else 0, product,
                   flows.importer.astype(np.int64), exp, order, starts)
