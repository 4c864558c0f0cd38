"""A seeded generator of BACI-scale synthetic trade: real ISO3 countries and HS6 codes, made-up values.

About 200 countries, 5,000 HS6 products and 10 million exporter-importer-product flows, as in a
year of CEPII BACI. Like real trade, it is sparse (a few percent of the possible flows exist) and
heavy-tailed: country and product sizes are lognormal, larger countries trade more products, and
a flow's value is the product of its exporter's, importer's and product's sizes times lognormal noise,
so a small share of flows carries most of the value. The numbers are synthetic, for timing only.
"""

from __future__ import annotations

import numpy as np
import pycountry

from simulator.data import catalog
from simulator.flows import Flows


def hs6_codes(n: int) -> np.ndarray:
    """Real HS6 codes, from the bundled US tariff schedule."""
    hts = catalog.read_csv("us-hts-2025").hts
    codes = np.unique(hts.str[:6].astype(np.int64))
    if n > codes.size:
        raise ValueError(f"only {codes.size} HS6 codes available")
    return codes[np.linspace(0, codes.size - 1, n).astype(int)]


def generate(n_flows: int = 10_000_000, n_countries: int = 200, n_products: int = 5_000, seed: int = 0) -> Flows:
    rng = np.random.default_rng(seed)
    countries = np.array(sorted(c.alpha_3 for c in pycountry.countries)[:n_countries], dtype=object)
    products = hs6_codes(n_products)
    country_size = rng.normal(0.0, 1.5, n_countries)
    product_size = rng.normal(0.0, 1.2, n_products)

    def draw(size, weight, k):
        p = np.exp(weight * size)
        return rng.choice(size.size, size=k, p=p / p.sum())

    flows_key = np.zeros(0, dtype=np.int64)
    while flows_key.size < n_flows:
        k = int((n_flows - flows_key.size) * 1.3) + 1000
        e, i, g = draw(country_size, 0.9, k), draw(country_size, 0.7, k), draw(product_size, 0.5, k)
        keep = e != i                          # BACI has no trade of a country with itself
        key = (e[keep].astype(np.int64) * n_countries + i[keep]) * n_products + g[keep]
        flows_key = np.unique(np.concatenate([flows_key, key]))
    flows_key = rng.permutation(flows_key)[:n_flows]
    g = flows_key % n_products
    i = (flows_key // n_products) % n_countries
    e = flows_key // (n_products * n_countries)
    log_value = 12.0 + country_size[e] + country_size[i] + product_size[g] + rng.normal(0.0, 2.0, n_flows)
    value = np.exp(log_value)
    value *= 20e12 / value.sum()               # about world goods trade, in US dollars
    base = np.where(rng.random(n_flows) < 0.35, 0.0, np.clip(rng.lognormal(np.log(0.05), 0.8, n_flows), 0, 3))
    return Flows(countries=tuple(countries), importer=i.astype(np.int32), exporter=e.astype(np.int32),
                 hs=products[g].astype(np.int64), hs_digits=np.full(n_flows, 6, np.int8), value=value,
                 base_rate=base, mfn_rate=base.copy(), quantity=np.full(n_flows, np.nan),
                 flags=np.zeros(n_flows, np.uint8), description="synthetic BACI-scale flows")


def generate_regions(n_regions: int = 50, n_products: int = 5_000, density: float = 0.6, seed: int = 0) -> Flows:
    """A GSIM-style world: every region imports each product from a share of the regions, itself included."""
    rng = np.random.default_rng(seed)
    regions = np.array(sorted(c.alpha_3 for c in pycountry.countries)[:n_regions], dtype=object)
    products = hs6_codes(n_products)
    size = rng.normal(0.0, 1.5, n_regions)
    e, i, g = np.meshgrid(np.arange(n_regions), np.arange(n_regions), np.arange(n_products), indexing="ij")
    keep = (rng.random(e.shape) < density) | (e == i)
    e, i, g = e[keep], i[keep], g[keep]
    value = np.exp(10.0 + size[e] + size[i] + rng.normal(0.0, 1.5, e.size))
    base = np.where(e == i, 0.0, np.clip(rng.lognormal(np.log(0.05), 0.8, e.size), 0, 3))
    n = e.size
    return Flows(countries=tuple(regions), importer=i.astype(np.int32), exporter=e.astype(np.int32),
                 hs=products[g].astype(np.int64), hs_digits=np.full(n, 6, np.int8), value=value, base_rate=base,
                 mfn_rate=base.copy(), quantity=np.full(n, np.nan), flags=np.zeros(n, np.uint8),
                 description="synthetic GSIM-style regions")
