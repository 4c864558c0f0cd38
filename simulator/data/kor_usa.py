"""The bundled US-Korea baseline: real flows both ways, with each market's other suppliers.

Korea -> US: Census 2024 imports for consumption by HTS10, with the US market's other
suppliers by HS6 and partner group. US -> Korea: the Korea Customs Service detail that
exists (23 key HS6 products and 20 HS10 farm and fish lines, 2025) with Korea's other main
suppliers. Each direction is benchmarked to an official total by one labelled residual line
("other goods, not itemised"), never spread over invented products.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import hs
from ..flows import (MFN_ASSUMED, RATE_AVERAGED, RATE_OTHER_YEAR, RATE_UNKNOWN, RESIDUAL, TRQ_RATE,
                     Flows)
from . import catalog
from .rates import parse_rate

DATASET_ID = "kor-usa-2024"
REGIONS = frozenset({"EU27", "ROW"})
DEFAULT_BASIS = "census-2024"


@dataclass(frozen=True)
class Total:
    """An official total, located by its row in the trade-totals file."""

    year: str
    reporter: str
    flow: str
    partner: str
    basis_starts: str

    def value_usd(self) -> float:
        t = catalog.read_csv("kor-usa-trade-totals")
        row = t[(t.year == self.year) & (t.reporter == self.reporter) & (t.flow == self.flow)
                & (t.partner == self.partner) & t.basis.str.startswith(self.basis_starts)]
        if len(row) != 1:
            raise RuntimeError(f"trade totals: expected one row for {self}, found {len(row)}")
        return float(row.value_usd_bn.iloc[0]) * 1e9


@dataclass(frozen=True)
class Basis:
    name: str
    label: str
    kor_to_usa: str                 # how the Korea -> US total is defined
    usa_to_kor: str


BASES = {
    "census-2024": Basis(
        "census-2024",
        "US Census Bureau 2024: US general imports from Korea (customs value) and US exports to Korea (FAS)",
        "Census 2024 US general imports from Korea, customs value",
        "Census 2024 US exports to Korea, FAS"),
    "kcs-2024": Basis(
        "kcs-2024",
        "Korea Customs Service 2024: Korea's exports to the US (FOB) and imports from the US (CIF) = exports - surplus",
        "KCS/MOTIE 2024 Korean exports to the US, FOB",
        "KCS 2024 Korean imports from the US, CIF (exports minus the KCS surplus of the same year)"),
    "itemised": Basis(
        "itemised", "no benchmark: only the itemised product lines (the US -> Korea direction then covers about half of trade)",
        "itemised lines only", "itemised lines only"),
}


def direction_totals(basis: str) -> tuple[float, float] | None:
    """(Korea -> US, US -> Korea) official totals in USD for a basis; None for 'itemised'."""
    if basis == "census-2024":
        return (Total("2024", "USA", "imports", "KOR", "Census general imports").value_usd(),
                Total("2024", "USA", "exports", "KOR", "Census goods exports").value_usd())
    if basis == "kcs-2024":
        exports = Total("2024", "KOR", "exports", "USA", "KITA/MOTIE").value_usd()
        surplus = Total("2024", "KOR", "balance", "USA", "KCS customs basis").value_usd()
        return exports, exports - surplus
    return None


# ---------------------------------------------------------------------------------------------
# US tariff schedule


@lru_cache(maxsize=1)
def us_schedule() -> pd.DataFrame:
    """HTS lines with parsed MFN and KORUS ad valorem rates and flags."""
    h = catalog.read_csv("us-hts-2025")
    mfn = h.mfn_general_raw.map(parse_rate)
    kr = h.kr_special_rate.map(parse_rate)
    out = pd.DataFrame({
        "hs": h.hts.astype("int64"), "digits": h.hts.str.len(),
        "mfn": [r for r, _ in mfn], "mfn_flag": [f for _, f in mfn],
        "kr": [r for r, _ in kr], "kr_flag": [f for _, f in kr],
    })
    # KR not named on a line: the general rate applies to Korean goods.
    unnamed = out.kr.isna()
    out.loc[unnamed, "kr"] = out.loc[unnamed, "mfn"]
    out.loc[unnamed, "kr_flag"] = out.loc[unnamed, "mfn_flag"]
    return out


def _hs6_average(sched: pd.DataFrame) -> pd.DataFrame:
    """Simple average of MFN ad valorem rates of the tariff lines under each HS6."""
    hs6 = hs.truncate(sched.hs.to_numpy(), sched.digits.to_numpy(), 6)
    mfn = sched.mfn.groupby(hs6).mean()
    order = np.argsort(hs6, kind="stable")
    starts = np.flatnonzero(np.r_[True, hs6[order][1:] != hs6[order][:-1]])
    # every flag raised on any line of the HS6 (bitwise or, group by group)
    flag = np.bitwise_or.reduceat(sched.mfn_flag.to_numpy()[order], starts)
    return pd.DataFrame({"mfn": mfn.to_numpy(), "flag": flag}, index=pd.Index(hs6[order][starts], name="hs6"))


def _us_market() -> pd.DataFrame:
    sched = us_schedule()
    avg = _hs6_average(sched)

    kor = catalog.read_csv("us-imports-kor-hs10-2024")
    kor = pd.DataFrame({"importer": "USA", "exporter": "KOR", "hs": kor.hs10.astype("int64"), "digits": 10,
                        "value": kor.value_usd.astype(float)})
    line = hs.longest_match(kor.hs.to_numpy(), kor.digits.to_numpy(),
                            list(zip(sched.hs.tolist(), sched.digits.tolist())))
    found = line >= 0
    rate = np.where(found, sched.kr.to_numpy()[line.clip(0)], np.nan)
    mfn = np.where(found, sched.mfn.to_numpy()[line.clip(0)], np.nan)
    flag = np.where(found, sched.kr_flag.to_numpy()[line.clip(0)], 0).astype(np.uint8)
    # HS10 codes of 2024 missing from the 2025 schedule: fall back to the HS6 average.
    hs6 = kor.hs.to_numpy() // 10_000
    fallback = ~found & np.isin(hs6, avg.index.to_numpy())
    rate[fallback] = avg.mfn.reindex(hs6[fallback]).to_numpy()
    mfn[fallback] = rate[fallback]
    flag[fallback] = avg.flag.reindex(hs6[fallback]).to_numpy() | RATE_AVERAGED
    unknown = ~found & ~fallback
    rate[unknown] = 0.0
    mfn[unknown] = 0.0
    flag[unknown] |= RATE_UNKNOWN
    kor["base_rate"], kor["mfn_rate"], kor["flags"] = rate, mfn, flag

    others = catalog.read_csv("us-imports-hs6-partner-2024")
    others = others[~others.partner.isin(["KOR", "WORLD"])]
    others = pd.DataFrame({"importer": "USA", "exporter": others.partner.to_numpy(),
                           "hs": others.hs6.astype("int64").to_numpy(), "digits": 6,
                           "value": others.value_usd.astype(float).to_numpy()})
    others = others[others.value > 0]
    known = others.hs.isin(avg.index)
    others["base_rate"] = np.where(known, avg.mfn.reindex(others.hs).to_numpy(), 0.0)
    others["mfn_rate"] = others["base_rate"]
    others["flags"] = np.where(known, avg.flag.reindex(others.hs).fillna(0).to_numpy().astype(np.uint8)
                               | RATE_AVERAGED | MFN_ASSUMED, RATE_UNKNOWN).astype(np.uint8)
    return pd.concat([kor, others], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Korea's market


def _korean_rate(pct: float, flags: int) -> tuple[float, int]:
    """Korean statutory rates of 100% or more are out-of-quota TRQ rates: not what is paid."""
    if np.isnan(pct):
        return 0.0, flags | RATE_UNKNOWN
    if pct >= 100:
        return 0.0, flags | TRQ_RATE
    return pct / 100.0, flags


def _num(text: str) -> float:
    return float(text) if str(text).strip() else float("nan")


def _korea_market() -> pd.DataFrame:
    rows = []
    staging = catalog.read_csv("kor-korus-staging-hs10")
    for r in staging.itertuples():
        code = int(r.hs10)
        world, us = _num(r.kor_imports_world_2025_usd_m) * 1e6, _num(r.kor_imports_from_us_2025_usd_m) * 1e6
        mfn_rate, mfn_flag = _korean_rate(_num(r.mfn_2024_pct), MFN_ASSUMED)
        if us > 0:
            rate, flag = _korean_rate(_num(r.us_korus_2024_pct), 0)
            rows.append(("KOR", "USA", code, 10, us, rate, mfn_rate, flag))
        rest = world - (us if us > 0 else 0.0)
        if rest > 0 and not np.isnan(us):
            rows.append(("KOR", "ROW", code, 10, rest, mfn_rate, mfn_rate, mfn_flag))
    covered_hs6 = {int(c) // 10_000 for c in staging.hs10}

    key = catalog.read_csv("kor-imports-key-products-2025")
    for r in key.itertuples():
        code = int(r.hs6)
        if code in covered_hs6:  # the HS10 lines above already carry this product
            continue
        origins = _top_origins(r.top5_origins_usd_bn)
        us_rate, us_flag = _korean_rate(_num(r.us_korus_2026_pct_main_line), RATE_OTHER_YEAR)
        mfn_rate, mfn_flag = _korean_rate(_num(r.mfn_2026_pct_main_line), RATE_OTHER_YEAR | MFN_ASSUMED)
        us = _num(r.kor_imports_from_us_2025_usd_bn) * 1e9
        if us > 0:
            rows.append(("KOR", "USA", code, 6, us, us_rate, mfn_rate, us_flag))
        listed = 0.0
        for origin, value in origins:
            listed += value
            if origin != "USA":
                rows.append(("KOR", origin, code, 6, value, mfn_rate, mfn_rate, mfn_flag))
        world = _num(r.kor_imports_world_2025_usd_bn) * 1e9
        if world - listed > 0:
            rows.append(("KOR", "ROW", code, 6, world - listed, mfn_rate, mfn_rate, mfn_flag))
    return pd.DataFrame(rows, columns=["importer", "exporter", "hs", "digits", "value", "base_rate", "mfn_rate", "flags"])


_ORIGIN = re.compile(r"^([A-Z]{3})\s+([0-9.]+)$")


def _top_origins(text: str) -> list[tuple[str, float]]:
    """'SAU 25.7; USA 12.9 (note)' -> [('SAU', 25.7e9), ('USA', 12.9e9)]."""
    out = []
    for part in re.sub(r"\(.*?\)", "", text).split(";"):
        if m := _ORIGIN.match(part.strip()):
            out.append((m.group(1), float(m.group(2)) * 1e9))
    return out


# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def itemised() -> pd.DataFrame:
    return pd.concat([_us_market(), _korea_market()], ignore_index=True)


@lru_cache(maxsize=4)
def build(basis: str) -> tuple[Flows, tuple[str, ...]]:
    """Flows for one basis, and notes saying how each direction was benchmarked."""
    df = itemised().copy()
    notes = []
    totals = direction_totals(basis)
    if totals is not None:
        extra = []
        for (exp, imp), target, label in ((("KOR", "USA"), totals[0], BASES[basis].kor_to_usa),
                                          (("USA", "KOR"), totals[1], BASES[basis].usa_to_kor)):
            mask = (df.exporter == exp) & (df.importer == imp)
            listed = df.loc[mask, "value"].sum()
            if listed <= target:
                extra.append((imp, exp, 0, 0, target - listed, 0.0, 0.0, RESIDUAL | RATE_UNKNOWN))
                notes.append(f"{exp} -> {imp}: itemised lines ${listed / 1e9:,.2f} bn plus one residual line "
                             f"'other goods, not itemised' of ${(target - listed) / 1e9:,.2f} bn (base rate unknown, 0 used) "
                             f"= {label}, ${target / 1e9:,.2f} bn.")
            else:
                df.loc[mask, "value"] *= target / listed
                notes.append(f"{exp} -> {imp}: itemised lines (${listed / 1e9:,.2f} bn) exceed {label} "
                             f"(${target / 1e9:,.2f} bn); every line scaled by {target / listed:.4f} to match.")
        df = pd.concat([df, pd.DataFrame(extra, columns=df.columns)], ignore_index=True)
    flows = Flows.build(df.importer, df.exporter, df.hs, df.digits, df.value, df.base_rate, mfn_rate=df.mfn_rate,
                        flags=df["flags"].astype(np.uint8), regions=REGIONS, market_specific={"ROW"},
                        description="US-Korea 2024 baseline")
    return flows, tuple(notes)


DATA_NOTES = [
    "Korea -> US lines: US Census imports for consumption by HTS10, 2024, chapters 01-97. Other suppliers of the US market "
    "(CHN, JPN, TWN, VNM, MEX, CAN, EU27, ROW) by HS6, 2024, with the simple average of MFN rates of the HS6's lines "
    "(USMCA, Section 301 and other preferences or duties of those partners are not in the bundled data).",
    "US base rates: HTS 2025 KORUS ('KR') rate, else the general rate; specific duties' per-unit parts are omitted "
    "(no quantities to convert them) and flagged.",
    "US -> Korea lines: Korea Customs Service 2025 imports (CIF) for 23 key HS6 products and 20 HS10 farm and fish lines, "
    "with Korea's other main suppliers as published (top five origins; the rest as ROW). Korean rates: 2024 for the HS10 "
    "lines, 2026 (the only year published) for the HS6 products; rates of 100% or more are out-of-quota TRQ rates and are "
    "replaced by 0 and flagged, as in-quota rates and fill are not in the data.",
    "Country totals cover only the flows in the data: the US row counts all US imports of chapters 01-97 by HS6 "
    "(plus Korea's residual line); the Korea row counts only the itemised Korean markets and the US residual line.",
    "Not in the bundled data: a complete US -> Korea table by product, Korea's FTA rates for partners other than the US, "
    "quantities (so no ad valorem equivalents of specific duties), and 2024 values for the Korean side.",
]
