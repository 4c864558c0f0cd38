"""The figures docs/VALIDATION.md quotes for tariffsim are what its commands print."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from simulator import api


def _basis(path, basis):
    sf = api.load_scenario(path)
    return dataclasses.replace(sf, spec=sf.spec.model_copy(update={"data": sf.spec.data.model_copy(update={"basis": basis})}))


def _us_rate(result, field, weights="value_base"):
    us = result.pairs[result.pairs.importer == "USA"]
    return float((us[field] * us[weights]).sum() / us[weights].sum())


@pytest.fixture(scope="module")
def doc(root):
    return (root / "docs" / "VALIDATION.md").read_text("utf-8")


def test_us_2024(root, doc):
    r, _ = api.run(root / "scenarios" / "baseline.toml")
    assert f"{_us_rate(r, 'tariff_rate_base') * 100:.2f}%" == "2.05%"
    assert f"${r.countries.set_index('country').loc['USA'].tariff_revenue_base / 1e9:.2f} bn" in doc
    usa_kor = r.pairs.set_index(["exporter", "importer"]).loc[("USA", "KOR")].tariff_rate_base
    assert f"{usa_kor * 100:.2f}%" == "0.17%"
    item, _ = api.run(_basis(root / "scenarios" / "baseline.toml", "itemised"))
    assert f"{item.pairs.set_index(['exporter', 'importer']).loc[('USA', 'KOR')].tariff_rate_base * 100:.2f}%" == "0.32%"


def test_us_2025_rates(root, doc):
    r, _ = api.run(root / "scenarios" / "in-force.toml", as_of=dt.date(2025, 11, 17))
    assert f"{_us_rate(r, 'tariff_rate_new_base_weights') * 100:.2f}%" == "11.79%"
    r, _ = api.run(root / "scenarios" / "in-force.toml", as_of=dt.date(2025, 12, 1))
    kor = r.pairs.set_index(["exporter", "importer"]).loc[("KOR", "USA")].tariff_rate_new_base_weights
    assert f"{kor * 100:.2f}%" == "12.54%"
    for figure in ("11.79%", "12.54%"):
        assert figure in doc


def test_rate_mix(root, doc):
    r, _ = api.run(root / "scenarios" / "floor-15.toml")
    p = r.products
    k = p[(p.exporter == "KOR") & (p.importer == "USA") & (p.hs != "other")]
    edges = [0, 0.005, 0.125, 0.175, 0.45, np.inf]
    shares = [f"{100 * ((k.rate_new >= lo) & (k.rate_new < hi)).mean():.1f}%" for lo, hi in zip(edges, edges[1:])]
    assert shares == ["16.9%", "0.0%", "74.7%", "0.0%", "8.4%"]
    assert len(k) == 8283


def test_2025_path(root, doc):
    from simulator.report.explain import path_frame
    days = api.dates(dt.date(2025, 1, 1), dt.date(2025, 12, 1), "monthly")
    series, _ = api.path(_basis(root / "scenarios" / "in-force.toml", "kcs-2024"), days)
    df = path_frame(series)
    surplus = df[df.exporter == "KOR"].exporter_balance_new.mean() / 1e9
    assert f"${surplus:.2f} bn" == "$45.92 bn"
    series, _ = api.path(root / "scenarios" / "in-force.toml", days)
    df = path_frame(series)
    jan_nov = df[df.exporter == "KOR"].value_new.iloc[:11].sum() / 12 / 1e9
    assert f"${jan_nov:.2f} bn" == "$111.55 bn"
    assert "$45.92 bn" in doc and "$111.55 bn" in doc
