"""Elasticities of every flow: the scenario's values, the bundled estimates, and overrides.

Import demand (eta) and substitution (sigma) belong to a market (importer and product);
export supply (eps) to a supplier (exporter and product). Overrides apply in file order,
later ones winning where they overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import elasticities as bundled
from .flows import Flows
from .markets import Markets
from .schedule import Selector

SIGMA_SOURCES = ("scenario value", bundled.SOURCE_HTS10, bundled.SOURCE_HS3, "scenario default (no estimate)",
                 "scenario override")


@dataclass(frozen=True)
class ElasticityRule:
    where: Selector
    import_demand: float | None
    substitution: float | None
    export_supply: float | None


@dataclass(frozen=True)
class Parameters:
    eta: np.ndarray
    sigma: np.ndarray
    eps: np.ndarray
    sigma_source: np.ndarray     # index into SIGMA_SOURCES, per flow


def build(flows: Flows, mk: Markets, el, rules: list[ElasticityRule]) -> Parameters:
    n = len(flows)
    eta = np.full(n, el.import_demand, dtype=np.float64)
    eps = np.full(n, el.export_supply, dtype=np.float64)
    if el.substitution == "data":
        # an estimate depends on the importer and the product only: looked up once per market
        first = mk.first
        names = np.array(flows.countries, dtype=str)[flows.importer[first]]
        sigma, source = bundled.substitution(names, mk.product[first] // 16, mk.product[first] % 16)
        sigma, source = sigma[mk.market], source[mk.market]
        missing = np.isnan(sigma)
        sigma[missing] = el.substitution_default
        source = np.where(missing, 3, source).astype(np.int8)
    else:
        sigma = np.full(n, el.substitution, dtype=np.float64)
        source = np.zeros(n, np.int8)
    for rule in rules:
        m = rule.where.mask(flows)
        if rule.import_demand is not None:
            eta[m] = rule.import_demand
        if rule.substitution is not None:
            sigma[m] = rule.substitution
            source[m] = 4
        if rule.export_supply is not None:
            eps[m] = rule.export_supply
    return Parameters(eta, sigma, eps, source)


def describe(p: Parameters, flows: Flows) -> list[str]:
    """Notes on the elasticities used: sources of sigma and value-weighted summaries."""
    v = flows.value
    out: list[str] = []
    total = v.sum()
    if total <= 0:
        return out
    parts = []
    for k, label in enumerate(SIGMA_SOURCES):
        share = v[p.sigma_source == k].sum() / total
        if share > 0:
            parts.append(f"{label} {share:.0%}")
    s = p.sigma
    order = np.argsort(s)
    cum = np.cumsum(v[order]) / total
    median = s[order][np.searchsorted(cum, 0.5)]
    out.append(f"Elasticity of substitution: trade-weighted median {median:.2f} (range {s.min():.2f} to {s.max():.2f}); "
               "sources by base value: " + ", ".join(parts) + ".")
    return out
