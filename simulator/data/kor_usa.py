"""The bundled US-Korea baseline: real flows both ways, with each market's other suppliers.

Korea -> US: Census 2024 imports for consumption by HTS10, with the US market's other
suppliers by HS6 and partner group. US -> Korea: the Korea Customs Service detail that
exists (23 key HS6 products and 20 HS10 farm and fish lines, 2025) with Korea's other main
suppliers. Each direction is benchmarked to an official total by one labelled residual line
("other goods, not itemised"), never spread over invented products.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .. import hs, markets
from ..flows import MFN_ASSUMED, RATE_AVERAGED, RATE_UNKNOWN, RESIDUAL, Flows
from . import cache, catalog, korea_market, shares, us_trade
from .rates import parse_rate

DATASET_ID = "kor-usa-2024"
REGIONS = frozenset({"ROW"})   # the rest of each Korean line's world; country groups are [groups]
DEFAULT_BASIS = "census-2024"
# Trade is 2024's: measures in force at the end of 2024 (Section 301, Section 232 of 2018) are in its base rates.
BASE_DATE = dt.date(2024, 12, 31)


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


def _line_rates(codes: np.ndarray, korus: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base rate, MFN rate, flags) of HTS10 codes: the schedule line that covers each code (KORUS where
    ``korus``), else the simple average of the MFN lines of its HS6, else unknown (0, flagged)."""
    sched = us_schedule()
    avg = _hs6_average(sched)
    ucodes, inverse = np.unique(codes, return_inverse=True)
    line = hs.longest_match(ucodes, np.full(ucodes.shape, 10), list(zip(sched.hs.tolist(), sched.digits.tolist())))
    ufound = line >= 0
    pick = lambda col: np.where(ufound, sched[col].to_numpy()[line.clip(0)], np.nan)[inverse]  # noqa: E731
    found = ufound[inverse]
    mfn = pick("mfn")
    rate = np.where(korus, pick("kr"), mfn)
    flag = np.where(found, np.where(korus, pick("kr_flag"), pick("mfn_flag")), 0).astype(np.uint8)
    # HS10 codes of 2024 missing from the 2025 schedule: the HS6 average.
    hs6 = codes // 10_000
    fallback = ~found & np.isin(hs6, avg.index.to_numpy())
    rate[fallback] = avg.mfn.reindex(hs6[fallback]).to_numpy()
    mfn[fallback] = rate[fallback]
    flag[fallback] = avg.flag.reindex(hs6[fallback]).to_numpy() | RATE_AVERAGED
    unknown = ~found & ~fallback
    rate[unknown] = 0.0
    mfn[unknown] = 0.0
    flag[unknown] |= RATE_UNKNOWN
    return rate, mfn, flag


@lru_cache(maxsize=1)
def usmca_claim_shares() -> pd.Series:
    """Share of 2025 US imports claiming USMCA, by (exporter ISO3, HTS10 code)."""
    t = us_trade.usmca_claims()
    return pd.Series(t.share.to_numpy(), index=pd.MultiIndex.from_arrays([t.exporter, t.hs], names=["exporter", "hs"]))


def _us_market() -> pd.DataFrame:
    """Every supplier of the US market by HTS10 (Census 2024): Korea from its own file, every other country
    from the all-country file, each line at its own HTS rate."""
    kor = catalog.read_csv("us-imports-kor-hs10-2024")
    kor = pd.DataFrame({"exporter": "KOR", "hs": kor.hs10.astype("int64"), "value": kor.value_usd.astype(float)})
    world = us_trade.by_country()
    df = pd.concat([kor, world[(world.exporter != "KOR") & (world.value > 0)]], ignore_index=True)
    df.insert(0, "importer", "USA")
    df.insert(3, "digits", 10)
    rate, mfn, flag = _line_rates(df.hs.to_numpy(), (df.exporter == "KOR").to_numpy())
    # Canada and Mexico: the USMCA rate (free) on the share of each line entered claiming it in 2025.
    usmca = df.exporter.isin(["CAN", "MEX"]).to_numpy()
    claim = usmca_claim_shares().reindex(pd.MultiIndex.from_arrays([df.exporter[usmca], df.hs[usmca]])).fillna(0.0)
    rate[usmca] = rate[usmca] * (1.0 - claim.to_numpy())
    other = ~usmca & (df.exporter != "KOR").to_numpy()
    flag[other] |= MFN_ASSUMED
    df["base_rate"], df["mfn_rate"], df["flags"] = rate, mfn, flag
    return df


@lru_cache(maxsize=1)
def itemised() -> pd.DataFrame:
    return pd.concat([_us_market(), korea_market.korea_market()], ignore_index=True)


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


_FLOW_ARRAYS = ("importer", "exporter", "hs", "hs_digits", "value", "base_rate", "mfn_rate", "quantity", "flags")


@dataclass(frozen=True)
class Prepared:
    """What a run reads of the bundled data: the flows, the notes on their totals, the share of each flow in every
    share table, and the ten-digit make-up of coarse codes."""

    flows: Flows
    notes: tuple[str, ...]
    table_shares: dict[str, np.ndarray]
    composition: hs.Composition

    def share(self, name: str, flows: Flows) -> np.ndarray:
        return self.table_shares[name] if flows is self.flows else shares.table_shares(name, flows)


def _arrays(basis: str) -> cache.Arrays:
    flows, notes = build(basis)
    out = {f"flows.{k}": getattr(flows, k) for k in _FLOW_ARRAYS}
    out["countries"] = np.array(flows.countries, dtype=str)
    out["notes"] = np.array(notes, dtype=str)
    out.update({f"share.{name}": shares.table_shares(name, flows) for name in shares.TABLES})
    comp = shares.us_composition()
    out["composition.codes"], out["composition.weights"] = comp.codes, comp.weights
    for name, parts in flows.indexes().items():
        out.update({f"index.{name}.{i}": a for i, a in enumerate(parts)})
    out.update({f"markets.{k}": a for k, a in markets.as_arrays(markets.markets(flows)).items()})
    return out


@lru_cache(maxsize=4)
def prepared(basis: str) -> Prepared:
    """The bundled data for one basis, built once per machine and read from the cache after (``data.cache``)."""
    a = cache.arrays(f"{DATASET_ID}-{basis}", lambda: _arrays(basis))
    arrays: dict[str, Any] = {k: a[f"flows.{k}"] for k in _FLOW_ARRAYS}
    flows = Flows(tuple(a["countries"].tolist()), **arrays, regions=REGIONS,
                  description="US-Korea 2024 baseline", market_specific=frozenset({"ROW"}))
    flows.with_indexes({name: tuple(a[k] for k in sorted((k for k in a if k.startswith(f"index.{name}.")),
                                                         key=lambda k: int(k.rsplit(".", 1)[1])))
                        for name in Flows.INDEXES})
    markets.remember(flows, {k.split(".", 1)[1]: a[k] for k in a if k.startswith("markets.")})
    tables = {name: a[f"share.{name}"] for name in shares.TABLES}
    for t in tables.values():
        t.flags.writeable = False
    return Prepared(flows, tuple(a["notes"].tolist()), tables,
                    hs.Composition(a["composition.codes"], a["composition.weights"]))


DATA_NOTES = [
    "US market: US Census imports for consumption 2024 by HTS10 and country of origin (232 countries, chapters 01-97; "
    "Korea from its own HTS10 file), each line at its HTS 2025 rate: KORUS ('KR') for Korea; for Canada and Mexico "
    "the MFN rate on the share of the line not entered under USMCA in 2025 (Census claim shares), free on the rest; "
    "MFN for every other country (their other preferences, e.g. FTAs and GSP, are not in the bundled data).",
    "US base rates: specific duties' per-unit parts are omitted (no quantities to convert them) and flagged; HTS10 "
    "codes of 2024 missing from the 2025 schedule take the simple average of their HS6's MFN lines.",
    "Korea's market: Korea Customs Service 2025 imports (CIF, by origin) for every HSK10 line of 79 chapters "
    "(8,718 lines, $609.0 bn of $631.7 bn) with the three largest origins of each line and the rest as ROW; US values "
    "where the US ranks lower taken from the key-product pages (LNG, processors, crude oil); chapters 52-68 "
    "(textiles, apparel, footwear, stone: about $23 bn) are not yet itemised. Korean rates: 2026 MFN and KORUS rates "
    "(2024 for the 20 beef, pork, dairy and fish lines); rates of 100% or more are out-of-quota TRQ rates, replaced "
    "by 0 and flagged, as in-quota rates and fill are not in the data. Korea's other FTAs are not in the data (MFN used).",
    "Country totals cover only the flows in the data: the US row counts all US imports of chapters 01-97 by HTS10 "
    "(plus Korea's residual line); the Korea row counts only the itemised Korean markets and the US residual line.",
    "Not in the bundled data: Korea's chapters 52-68 by line, Korea's FTA rates for partners other than the US, "
    "quantities (so no ad valorem equivalents of specific duties), and 2024 values for the Korean side.",
]
