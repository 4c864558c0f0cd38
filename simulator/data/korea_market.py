"""Korea's import market (importer KOR) by HSK10 line, from Korea Customs Service 2025 records.

Sources (KCS trade statistics, KOGL Type 1, via pilsunchoi/KoreaTariffAtlas; see catalog.toml):

* ``kor-imports-hsk10-2025``: 8,718 HSK10 lines, 79 of the 96 chapters (52-68 not transcribed),
  world value, the three largest origins, 2026 MFN rate and rate for US goods. Values rounded to $10k.
* ``kor-imports-key-products-2025``: the US value of 23 HS6 products, also where the US ranks
  below third on a line (LNG, processors, crude oil on some lines).
* ``kor-korus-staging-hs10``: 2011-2026 rates of 20 beef, pork, dairy and fish lines.

Rows. For each HSK10 line: one row per listed origin (up to three) and one "ROW" row for the world
minus those three, kept only where positive: on 178 lines the three rounded values exceed the rounded
world value by $10k, so the rows total $1.78 m more than the file's $609.04 bn.
Rows of value 0 (an origin rounded to nothing) are dropped.

US carve-outs. Where the key-products file gives a US value for an HS6 larger than the US value
already itemised on its HSK10 lines (by more than the published rounding of that value), the gap is
US trade hidden in the ROW rows of the lines where the US is not in the top three. It is taken out of
those ROW rows in proportion to their value (on each line at most its ROW value and its third
origin's value, since the US ranks below that origin there) and put on one USA row: on the
HSK10 code if it came from a single line (LNG 2711110000), else on the HS6 code (digits 6), which is
the same HS6 market. Nothing is counted twice and line totals stay equal to the file's world value.

Rates and flags (``simulator.flows``):

* USA rows get the rate for US goods (KORUS where lower); other origins and ROW get the MFN rate,
  flagged MFN_ASSUMED (Korea's other FTAs, e.g. with China, ASEAN, the EU, are not in the data).
* Trade is 2025 but the file's rates are 2026, the only year it gives: RATE_OTHER_YEAR.
* The 20 staging lines keep their 2024 rates (beef 5.3% for US goods, pollock 12%), not flagged
  RATE_OTHER_YEAR: 2024 is the bundled dataset's base year (``kor-usa-2024``) and the scenario
  files apply Korea's 2025 and 2026 KORUS cuts to those lines as dated measures; a 2026 base rate
  would count those cuts twice. Trade values stay 2025, the only year published.
* Rates of 100% or more are out-of-quota TRQ rates (rice 513%, soybeans 487%, feed corn 328%, milk
  powder 176%): in-quota rates and fill are unknown, so 0 is used, and the row is flagged TRQ_RATE
  where its own base rate is such a rate (the MFN column is zeroed likewise).
* No rate (the two lines the source marks ``incomplete``): 0 and RATE_UNKNOWN.
* The MFN column is used as given although it shows 0 for some steel, ferro-alloy and chemical lines
  whose basic-rate text says 2-8%; those lines cannot be told apart in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
import pandas as pd

from ..flows import MFN_ASSUMED, RATE_AVERAGED, RATE_OTHER_YEAR, RATE_UNKNOWN, TRQ_RATE
from . import catalog

FILE_ID = "kor-imports-hsk10-2025"
COLUMNS = ["importer", "exporter", "hs", "digits", "value", "base_rate", "mfn_rate", "flags"]
RESERVED_CHAPTERS = frozenset({77})      # reserved in the HS: never a missing chapter


def _rate(pct: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Percent -> (fraction, flags): out-of-quota TRQ rates (>= 100%) and missing rates become 0."""
    pct = np.asarray(pct, dtype=float)
    unknown, trq = np.isnan(pct), pct >= 100
    rate = np.where(unknown | trq, 0.0, pct / 100.0)
    flags = np.where(unknown, RATE_UNKNOWN, 0) | np.where(trq, TRQ_RATE, 0)
    return rate, flags.astype(np.uint8)


def _lines() -> pd.DataFrame:
    """The HSK10 file, with the staging lines' 2024 rates swapped in."""
    d = catalog.read_csv(FILE_ID, dtype={"hs10": str}, na_values=[""], keep_default_na=False)
    for c in ("origin1_iso3", "origin2_iso3", "origin3_iso3", "flag"):
        d[c] = d[c].astype(object).where(d[c].notna(), None)
    st = catalog.read_csv("kor-korus-staging-hs10", usecols=["hs10", "mfn_2024_pct", "us_korus_2024_pct"],
                          na_values=[""], keep_default_na=False).set_index("hs10")
    d["rate_2024"] = d.hs10.isin(st.index)
    d["mfn_pct"] = d.mfn_rate.where(~d.rate_2024, d.hs10.map(st.mfn_2024_pct).astype(float))
    d["us_pct"] = d.us_rate_2026.where(~d.rate_2024, d.hs10.map(st.us_korus_2024_pct).astype(float))
    d["hs"] = d.hs10.astype("int64")
    d["us_top3"] = (d[["origin1_iso3", "origin2_iso3", "origin3_iso3"]] == "USA").any(axis=1)
    return d


def _rows(d: pd.DataFrame) -> pd.DataFrame:
    """Origin and ROW rows per line, with rates and flags."""
    parts = [pd.DataFrame({"line": d.index, "exporter": d[f"origin{i}_iso3"], "value": d[f"origin{i}_usd"]})
             for i in (1, 2, 3)]
    listed = d[["origin1_usd", "origin2_usd", "origin3_usd"]].fillna(0).sum(axis=1)
    parts.append(pd.DataFrame({"line": d.index, "exporter": "ROW", "value": d.imports_world_usd - listed}))
    r = pd.concat(parts, ignore_index=True)
    r = r[r.exporter.notna() & (r.value > 0)].reset_index(drop=True)
    line = d.loc[r.line]
    is_us = (r.exporter == "USA").to_numpy()
    base, bflag = _rate(np.where(is_us, line.us_pct, line.mfn_pct))
    mfn, _ = _rate(line.mfn_pct)
    r["hs"], r["digits"] = line.hs.to_numpy(), 10
    r["base_rate"], r["mfn_rate"] = base, mfn
    r["flags"] = (bflag | np.where(is_us, 0, MFN_ASSUMED)
                  | np.where(line.rate_2024.to_numpy(), 0, RATE_OTHER_YEAR)).astype(np.uint8)
    return r


def _half_unit(text: pd.Series) -> np.ndarray:
    """Half the last published digit of a $ bn figure ('12.9' -> 0.05e9): its rounding error."""
    decimals = text.str.partition(".")[2].str.len()
    return 0.5 * 10.0 ** (-decimals.to_numpy(float)) * 1e9


def _carve_us(d: pd.DataFrame, r: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move key-product US value hidden in ROW rows onto USA rows; returns (rows, carve-out table)."""
    key = catalog.read_csv("kor-imports-key-products-2025", usecols=["hs6", "kor_imports_from_us_2025_usd_bn"])
    key = key[key.kor_imports_from_us_2025_usd_bn.str.strip() != ""]
    hs6 = key.hs6.astype("int64").to_numpy()
    us_key = key.kor_imports_from_us_2025_usd_bn.astype(float).to_numpy() * 1e9
    r_hs6 = r.hs.to_numpy() // 10_000
    us_listed = r[r.exporter == "USA"].groupby(r_hs6[r.exporter == "USA"]).value.sum()
    gap = us_key - us_listed.reindex(hs6, fill_value=0.0).to_numpy()
    # A gap within the key value's rounding is not evidence of hidden US trade: no value is invented.
    gap = pd.Series(np.where(gap > _half_unit(key.kor_imports_from_us_2025_usd_bn), gap, 0.0), index=hs6)
    gap = gap[gap > 0]

    # ROW rows of lines where the US is not in the top three hold the US value (if anywhere).
    src = (r.exporter == "ROW") & np.isin(r_hs6, gap.index) & ~d.us_top3.to_numpy()[r.line]
    pool = r[src].groupby(r_hs6[src]).value.sum()
    take = cast(pd.Series, np.minimum(gap.reindex(pool.index), pool))   # a ufunc keeps the Series
    share = r.loc[src, "value"] / pool.reindex(r_hs6[src]).to_numpy()
    # The US ranks below third on these lines, so it cannot have more there than the third origin.
    cap = d.origin3_usd.fillna(0).to_numpy()[r.line[src]]
    cut = np.minimum(share * take.reindex(r_hs6[src]).to_numpy(), cap)
    r.loc[src, "value"] -= cut

    # One USA row per HS6, rates weighted by the value taken from each line.
    s = pd.DataFrame({"hs6": r_hs6[src], "hs": r.loc[src, "hs"], "cut": cut,
                      "us_pct": d.us_pct.to_numpy()[r.line[src]], "mfn_pct": d.mfn_pct.to_numpy()[r.line[src]]})
    s["base"], s["bflag"] = _rate(s.us_pct)
    s["mfn"], _ = _rate(s.mfn_pct)
    g = s.groupby("hs6")
    w = lambda col: (s[col] * s.cut).groupby(s.hs6).sum() / g.cut.sum()  # noqa: E731
    one_line = g.hs.nunique() == 1
    us = pd.DataFrame({
        "line": -1, "exporter": "USA",
        "value": g.cut.sum(),
        "hs": np.where(one_line, g.hs.first(), g.hs.first().index),
        "digits": np.where(one_line, 10, 6),
        "base_rate": w("base"), "mfn_rate": w("mfn"),
        "flags": (g.bflag.agg(np.bitwise_or.reduce) | RATE_OTHER_YEAR
                  | np.where(g.base.min() != g.base.max(), RATE_AVERAGED, 0)).astype(np.uint8),
    })
    table = pd.DataFrame({"us_key_usd": pd.Series(us_key, index=hs6).reindex(us.index),
                          "us_top3_usd": us_listed.reindex(us.index, fill_value=0.0),
                          "carved_usd": us.value, "row_pool_usd": pool.reindex(us.index)})
    return pd.concat([r, us.reset_index(drop=True)], ignore_index=True), table


@lru_cache(maxsize=1)
def _build() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    d = _lines()
    r, carved = _carve_us(d, _rows(d))
    r = r[r.value > 0]
    r.insert(0, "importer", "KOR")
    out = r[COLUMNS].astype({"exporter": str, "hs": "int64", "digits": int, "value": float, "base_rate": float,
                             "mfn_rate": float, "flags": np.uint8})
    return out.reset_index(drop=True), carved, d


def korea_market() -> pd.DataFrame:
    """One row per flow into Korea: importer, exporter (ISO3 or ROW), hs, digits, value (USD),
    base_rate, mfn_rate (fractions) and flags (uint8, ``simulator.flows`` bits)."""
    return _build()[0].copy()


def us_carve_outs() -> pd.DataFrame:
    """Per key HS6: its published US value, the US value on lines where the US is in the top three,
    the value carved out of ROW rows onto a USA row, and the ROW pool it came from (USD)."""
    return _build()[1].copy()


@dataclass(frozen=True)
class KoreaCoverage:
    """How much of Korea's 2025 imports (KCS, CIF) the rows itemise."""

    world_itemised_usd: float        # all rows (= the file's world total)
    world_total_usd: float           # KCS total, all chapters
    us_itemised_usd: float           # all USA rows
    us_top3_usd: float               # of which on lines where the US is one of the three largest origins
    us_carved_usd: float             # of which carved out of ROW rows from the key-products file
    us_total_usd: float              # KCS imports from the US
    lines: int                       # HSK10 lines
    flows: int
    missing_chapters: tuple[int, ...]

    @property
    def us_share(self) -> float:
        return self.us_itemised_usd / self.us_total_usd

    @property
    def world_share(self) -> float:
        return self.world_itemised_usd / self.world_total_usd


def _kcs_total(partner: str) -> float:
    t = catalog.read_csv("kor-usa-trade-totals")
    row = t[(t.year == "2025") & (t.reporter == "KOR") & (t.flow == "imports") & (t.partner == partner)]
    if len(row) != 1:
        raise RuntimeError(f"trade totals: expected one 2025 KOR imports row for {partner}, found {len(row)}")
    return float(row.value_usd_bn.iloc[0]) * 1e9


def korea_coverage() -> KoreaCoverage:
    m, carved, d = _build()
    present = set((d.hs // 100_000_000).tolist())
    missing = tuple(c for c in range(1, 98) if c not in present and c not in RESERVED_CHAPTERS)
    return KoreaCoverage(
        world_itemised_usd=float(m.value.sum()), world_total_usd=_kcs_total("WORLD"),
        us_itemised_usd=float(m.value[m.exporter == "USA"].sum()),
        us_top3_usd=float(d.us_value_usd.sum()), us_carved_usd=float(carved.carved_usd.sum()),
        us_total_usd=_kcs_total("USA"), lines=len(d), flows=len(m), missing_chapters=missing)
