"""Korea's import market from the KCS 2025 HSK10 file: totals, carve-outs, rates and flags.

Published figures are from the data README (row korea_imports_2025_hsk10.csv): $609.0 bn world over
8,718 lines, $62.7 bn from the US on the 3,140 lines where the US is a top-three origin, of KCS totals
$631.7 bn and $73.4 bn. They are stated to $0.1 bn, hence the $0.05 bn tolerances.
"""

import numpy as np
import pandas as pd
import pytest

from simulator.data import catalog
from simulator.data.korea_market import COLUMNS, korea_coverage, korea_market, us_carve_outs
from simulator.flows import MFN_ASSUMED, RATE_OTHER_YEAR, RATE_UNKNOWN, TRQ_RATE

BN = 1e9
HALF_TENTH = 0.05 * BN          # a figure published to $0.1 bn
LINE_ROUNDING = 20_000          # four values per line, each rounded to $10k


@pytest.fixture(scope="module")
def m() -> pd.DataFrame:
    return korea_market()


@pytest.fixture(scope="module")
def src() -> pd.DataFrame:
    return catalog.read_csv("kor-imports-hsk10-2025", dtype={"hs10": str}, na_values=[""], keep_default_na=False)


def row(m, exporter, code):
    hit = m[(m.exporter == exporter) & (m.hs == code)]
    assert len(hit) == 1, (exporter, code, len(hit))
    return hit.iloc[0]


def test_shape(m):
    assert list(m.columns) == COLUMNS
    assert (m.importer == "KOR").all()
    assert m.hs.dtype == np.int64 and m["flags"].dtype == np.uint8
    assert set(m.digits) <= {6, 10}
    assert (m.value > 0).all()
    assert not m.duplicated(["exporter", "hs"]).any()
    assert m.exporter.str.fullmatch(r"[A-Z]{3}").all()


def test_published_totals(m, src):
    assert len(src) == 8718 and src.hs10.is_unique
    assert m.value.sum() == pytest.approx(609.0 * BN, abs=HALF_TENTH)
    # Carve-outs move value and add none; on 178 lines the three origins' rounded values exceed the rounded
    # world value by $10k (no ROW row there), so the rows exceed the file's world total by $1.78 m.
    excess = m.value.sum() - src.imports_world_usd.sum()
    assert 0 <= excess <= 2e6
    top3 = src.us_value_usd.notna()
    assert top3.sum() == 3140
    assert src.us_value_usd.sum() == pytest.approx(62.7 * BN, abs=HALF_TENTH)


def test_lines_reconcile(m, src):
    hs10 = m[m.digits == 10].groupby("hs").value.sum()
    hs6 = m[m.digits == 6].set_index("hs").value              # HS6 carve-out rows belong to their lines' total
    world = src.set_index(src.hs10.astype("int64")).imports_world_usd
    diff = hs10.reindex(world.index, fill_value=0) - world
    hs6_of = diff.index // 10_000
    carved6 = np.isin(hs6_of, hs6.index)
    assert diff[~carved6].abs().max() <= LINE_ROUNDING
    per6 = diff[carved6].groupby(hs6_of[carved6]).sum() + hs6.reindex(np.unique(hs6_of[carved6]))
    assert per6.abs().max() <= LINE_ROUNDING * 50


def test_us_itemised(m, src):
    cov = korea_coverage()
    carved = us_carve_outs()
    us = m[m.exporter == "USA"]
    assert cov.us_itemised_usd == pytest.approx(us.value.sum())
    # US on its top-three lines, exactly as in the file, plus the carve-outs (documented: $5.17 bn)
    assert cov.us_top3_usd == pytest.approx(src.us_value_usd.sum())
    assert cov.us_carved_usd == pytest.approx(carved.carved_usd.sum())
    assert cov.us_carved_usd == pytest.approx(5.17 * BN, abs=0.01 * BN)
    assert cov.us_itemised_usd == pytest.approx(62.7 * BN + cov.us_carved_usd, abs=HALF_TENTH)
    assert cov.us_itemised_usd < cov.us_total_usd == pytest.approx(73.4 * BN)
    assert set(carved.index) == {40690, 270900, 271111, 300490, 854231, 854239}
    # Each carved product now carries its published US value (crude 12.9, LNG 2.4, processors 1.6 ...);
    # medicaments fall short: the US cannot exceed the third origin on the line it is missing from.
    full = carved.drop(index=300490)
    assert (full.us_top3_usd + full.carved_usd).to_numpy() == pytest.approx(full.us_key_usd.to_numpy(), abs=1e3)
    assert (carved.carved_usd <= carved.row_pool_usd).all()


def test_lng_us_once(m):
    lng = m[(m.exporter == "USA") & ((m.hs == 271111) | (m.hs // 10_000 == 271111))]
    assert len(lng) == 1
    assert lng.hs.iloc[0] == 2711110000 and lng.digits.iloc[0] == 10
    assert lng.value.iloc[0] == pytest.approx(2.4 * BN)
    assert m[m.hs == 2711110000].value.sum() == pytest.approx(26.01593 * BN)
    assert row(m, "ROW", 2711110000).value == pytest.approx((9.605 - 2.4) * BN, abs=1e4)


def test_crude_us_total(m):
    crude = m[(m.exporter == "USA") & ((m.hs == 270900) | (m.hs // 10_000 == 270900))]
    assert crude.value.sum() == pytest.approx(12.9 * BN, abs=HALF_TENTH)
    assert (crude.digits == 6).sum() == 1


def test_trq_lines(m, src):
    trq = (m["flags"] & TRQ_RATE) > 0
    assert (m.base_rate[trq] == 0).all()
    assert (m.base_rate < 1).all() and (m.mfn_rate < 1).all()
    for exporter, code in [("USA", 1006201000), ("USA", 1201909000), ("USA", 402101010), ("ROW", 1005901000)]:
        r = row(m, exporter, code)
        assert r.base_rate == 0 and r["flags"] & TRQ_RATE, (exporter, code)
    # US feed corn and oil-crushing soybeans enter at 0% under KORUS: a real rate, not a TRQ stand-in
    for code in (1005901000, 1201901000):
        r = row(m, "USA", code)
        assert r.base_rate == 0 and not r["flags"] & TRQ_RATE
    # every row whose own source rate is >= 100% is flagged
    s = src.set_index(src.hs10.astype("int64"))
    pct = np.where(m.exporter == "USA", s.us_rate_2026.reindex(m.hs), s.mfn_rate.reindex(m.hs))
    staging = set(catalog.read_csv("kor-korus-staging-hs10").hs10.astype("int64"))
    ten = (m.digits == 10) & ~m.hs.isin(staging)
    assert np.array_equal(trq[ten], (pct >= 100)[ten.to_numpy()])


def test_rates_and_flags(m):
    # staging lines: 2024 rates, the dataset's base year, so not flagged as another year
    beef = row(m, "USA", 201300000)
    assert beef.base_rate == pytest.approx(0.053) and beef.mfn_rate == pytest.approx(0.40)
    assert not beef["flags"] & RATE_OTHER_YEAR
    assert row(m, "AUS", 201300000).base_rate == pytest.approx(0.40)
    assert row(m, "USA", 303670000).base_rate == pytest.approx(0.12)
    # elsewhere 2026 rates, flagged
    staging = set(catalog.read_csv("kor-korus-staging-hs10").hs10.astype("int64"))
    other = ~m.hs.isin(staging)
    assert (m["flags"][other] & RATE_OTHER_YEAR).all()
    # MFN assumed for every origin but the US
    us = m.exporter == "USA"
    assert (m["flags"][~us] & MFN_ASSUMED).all() and not (m["flags"][us] & MFN_ASSUMED).any()
    assert (m.base_rate[~us] == m.mfn_rate[~us]).all()
    # the two lines with cut rate text
    for code in (8423202000, 8540899000):
        hit = m[m.hs == code]
        assert len(hit) and (hit["flags"] & RATE_UNKNOWN).all() and (hit.base_rate == 0).all()


def test_coverage():
    cov = korea_coverage()
    assert cov.missing_chapters == tuple(range(52, 69))
    assert cov.lines == 8718
    assert cov.world_total_usd == pytest.approx(631.7 * BN)
    assert cov.world_share == pytest.approx(0.964, abs=0.001)
    assert 0.90 < cov.us_share < 0.93
