"""Validation of the simulated world against published trackers and Treasury's collections.

Each published figure, its source and the allowed difference live in tests/validation/published_2025.toml;
docs/VALIDATION.md explains every difference. This compares tariffsim with figures others published, not with
its own earlier output.
"""

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from simulator import api
from simulator.data import catalog

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = tomllib.loads((ROOT / "tests" / "validation" / "published_2025.toml").read_text())
IN_FORCE = ROOT / "scenarios" / "in-force.toml"


@pytest.fixture(scope="module")
def rates():
    dates = sorted({r["date"] for r in PUBLISHED["rate"]})
    return api.statutory_rates(IN_FORCE, dates)


@pytest.mark.parametrize("row", PUBLISHED["rate"], ids=lambda r: f"{r['of']}-{r['date']}")
def test_statutory_rate_within_allowed_difference(rates, row):
    ours = rates[row["date"]][row["of"]] * 100
    assert abs(ours - row["published"]) <= row["allowed"], (
        f"{row['of']} on {row['date']}: tariffsim {ours:.2f}% vs published {row['published']}% ({row['source']})")


def test_revenue_within_allowed_share_of_treasury():
    row = PUBLISHED["revenue"][0]
    duties = catalog.read_csv("realised-customs-duties-monthly")
    q4 = duties[duties.date.isin(["2025-10-01", "2025-11-01", "2025-12-01"])].customs_duties.astype(float).sum()
    assert abs(q4 * 4 / 1e3 - row["published"]) < 0.5          # the stored figure is the data's
    result, _ = api.run(IN_FORCE, as_of=dt.date(2025, 12, 1))
    usa = result.countries[result.countries.country == "USA"].iloc[0]
    ours = usa.tariff_revenue_new / 1e9
    assert abs(ours / row["published"] - 1) <= row["allowed_share"], f"revenue {ours:.1f} bn vs {row['published']} bn"


def test_foreign_exporters_absorb_a_share_within_the_evidence():
    row = PUBLISHED["pass_through"][0]
    result, _ = api.run(IN_FORCE, as_of=dt.date(2025, 12, 1))
    absorbed = result.absorbed_share("USA")
    assert row["low"] <= absorbed <= row["high"], f"exporters absorb {absorbed:.1%} ({row['source']})"


@pytest.mark.parametrize("row", PUBLISHED["korea"], ids=lambda r: r["scenario"])
def test_korea_estimates_agree_in_sign_and_order_of_magnitude(row):
    result, _ = api.run(ROOT / "scenarios" / row["scenario"])
    pair = result.pairs[(result.pairs.exporter == "KOR") & (result.pairs.importer == "USA")].iloc[0]
    ours = 100 * (pair.value_new / pair.value_base - 1)
    for published in row["published"]:
        assert ours * published > 0, f"{row['case']}: tariffsim {ours:+.1f}% vs {published:+.1f}% ({row['source']})"
        assert 1 / 3 <= ours / published <= 3, f"{row['case']}: tariffsim {ours:+.1f}% vs {published:+.1f}%"
