"""The figures docs/VALIDATION.md quotes for tariffsim are what its commands print (regression of the page's
own numbers; the comparison with published figures is tests/test_validation_world.py)."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from simulator import api


def _basis(path, basis):
    sf = api.load_scenario(path)
    return dataclasses.replace(sf, spec=sf.spec.model_copy(update={"data": sf.spec.data.model_copy(update={"basis": basis})}))


@pytest.fixture(scope="module")
def doc(root):
    return (root / "docs" / "VALIDATION.md").read_text("utf-8")


def test_us_2024(root, doc):
    r, _ = api.run(root / "scenarios" / "baseline.toml")
    total = r.effective_rates("USA").iloc[0]
    assert f"${total.revenue_base / 1e9:.2f} bn on ${total.value_base / 1e9:,.1f} bn ({total.tariff_rate_base * 100:.2f}%)" in doc
    usa_kor = r.pairs.set_index(["exporter", "importer"]).loc[("USA", "KOR")].tariff_rate_base
    assert f"| {usa_kor * 100:.2f}% (the same on the itemised lines only)" in doc
    item, _ = api.run(_basis(root / "scenarios" / "baseline.toml", "itemised"))
    assert item.pairs.set_index(["exporter", "importer"]).loc[("USA", "KOR")].tariff_rate_base == pytest.approx(usa_kor)


def test_revenue_and_rate_on_1_december(root, doc):
    r, _ = api.run(root / "scenarios" / "in-force.toml", as_of=dt.date(2025, 12, 1))
    total = r.effective_rates("USA").iloc[0]
    assert f"${total.revenue_new / 1e9:.2f} bn (the default model's revenue" in doc
    assert f"({total.tariff_rate_new_base_weights * 100:.2f}%)" in doc
    assert f"{(total.revenue_new / 1e9 / 360.0 - 1) * 100:+.1f}%" in doc


def test_rate_mix(root, doc):
    r, _ = api.run(root / "scenarios" / "floor-15.toml")
    p = r.products
    k = p[(p.exporter == "KOR") & (p.importer == "USA") & (p.hs != "other")]
    edges = [0, 0.005, 0.125, 0.175, 0.45, np.inf]
    shares = [f"{100 * ((k.rate_new >= lo) & (k.rate_new < hi)).mean():.1f}%" for lo, hi in zip(edges, edges[1:])]
    assert "| " + " | ".join(shares) + " |" in doc
    assert len(k) == 8283


def test_2025_path(root, doc):
    from simulator.report.explain import path_frame
    days = api.dates(dt.date(2025, 1, 1), dt.date(2025, 12, 1), "monthly")
    series, _ = api.path(_basis(root / "scenarios" / "in-force.toml", "kcs-2024"), days)
    df = path_frame(series)
    kor = (df.exporter == "KOR") & (df.importer == "USA")
    surplus = df[kor].exporter_balance_new.mean() / 1e9
    series, _ = api.path(root / "scenarios" / "in-force.toml", days)
    df = path_frame(series)
    kor = (df.exporter == "KOR") & (df.importer == "USA")
    jan_nov = df[kor].value_new.iloc[:11].sum() / 12 / 1e9
    assert f"${surplus:.2f} bn (average of the monthly path)" in doc
    assert f"${jan_nov:.2f} bn (sum of the monthly path" in doc
