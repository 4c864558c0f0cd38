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
        names = np.array(flows.countries, dtype=object)[flows.importer]
        code, digits = mk.product // 16, mk.product % 16
        sigma, source = bundled.substitution(names.astype(str), code, digits)
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


def describe(p: Parameters, flows: Flows, mask: np.ndarray | None = None) -> list[str]:
    """Notes on the elasticities used: sources of sigma and value-weighted summaries."""
    mask = np.ones(len(flows), bool) if mask is None else mask
    v = flows.value[mask]
    out = []
    total = v.sum()
    if total <= 0:
        return out
    parts = []
    for k, label in enumerate(SIGMA_SOURCES):
        share = v[p.sigma_source[mask] == k].sum() / total
        if share > 0:
            parts.append(f"{label} {share:.0%}")
    s = p.sigma[mask]
    order = np.argsort(s)
    cum = np.cumsum(v[order]) / total
    median = s[order][np.searchsorted(cum, 0.5)]
    out.append(f"Elasticity of substitution: trade-weighted median {median:.2f} (range {s.min():.2f} to {s.max():.2f}); "
               "sources by base value: " + ", ".join(parts) + ".")
    return out
