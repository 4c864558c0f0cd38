"""Named product lists a scenario can reference as ``"list:NAME"``.

A list is a bundled file (or the rows of one that match a filter, e.g. one Section 301 list), read once.
A ten-digit entry that is no HTS10 line of the 2025 schedule or the 2024 trade data, but whose eight digits are a
line, matches as that eight-digit prefix: an eight-digit code padded with zeros (as the IEEPA Annex II file writes
them), or a statistical suffix of a later HTS revision (the legal line is the eight-digit one).
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import hs
from . import cache, catalog, us_trade


@dataclass(frozen=True)
class ProductList:
    name: str
    catalog_id: str
    column: str | None   # None: a plain text file, one code per line
    description: str
    where: tuple[tuple[str, str], ...] = ()   # keep only rows whose column equals the value


def _pl(name, cid, column, description, **where):
    return ProductList(name, cid, column, description, tuple(where.items()))


_S301 = "us-s301-lists"
LISTS = {
    pl.name: pl
    for pl in [
        _pl("ieepa-annex-ii", "list-ieepa-annex-ii", "hts10",
            "IEEPA reciprocal tariff exemptions (EO 14257 Annex II as amended)"),
        _pl("s232-auto-parts", "list-s232-auto-parts", None, "Section 232 auto parts"),
        _pl("s232-copper", "list-s232-copper", "hts10", "Section 232 copper (from 2025-08-01)"),
        _pl("s232-steel-aluminum-derivatives", "list-s232-derivatives", "hts_prefix",
            "Section 232 steel and aluminium derivatives (inclusions effective 2025-08-18)"),
        _pl("s232-semiconductors", "list-s232-semiconductors", "hts10", "Section 232 semiconductors (2026)"),
        _pl("kor-civil-aircraft", "list-kor-civil-aircraft", "hts8",
            "Korean civil aircraft and parts exempt under 9903.02.81 (from 2025-11-14)"),
        _pl("s232-steel", "list-s232-steel", "hts_prefix", "Section 232 steel articles and derivatives (ch. 72-73)"),
        _pl("s232-aluminum", "list-s232-aluminum", "hts_prefix", "Section 232 aluminium articles and derivatives (ch. 76)"),
        _pl("s232-autos", "list-s232-autos", "hts_prefix", "Section 232 passenger vehicles and light trucks"),
        _pl("s232-mhd-parts", "us-s232-mhd-parts", None, "Section 232 medium and heavy truck parts (from 2025-11-01)"),
        _pl("s301-list-1", _S301, "hts8", "Section 301 List 1 (9903.88.01, 25%)", list="1"),
        _pl("s301-list-2", _S301, "hts8", "Section 301 List 2 (9903.88.02, 25%)", list="2"),
        _pl("s301-list-3", _S301, "hts8", "Section 301 List 3 (9903.88.03, 25%)", list="3"),
        _pl("s301-list-3-additional", _S301, "hts8", "Section 301 List 3 additional (9903.88.04, 25%)", list="3_addl"),
        _pl("s301-list-4a", _S301, "hts8", "Section 301 List 4A (9903.88.15, 7.5%)", list="4A"),
        _pl("s301-review-25", _S301, "hts8", "Section 301 four-year review increases to 25% (9903.91.01, 2024-09-27)",
            list="biden_25"),
        _pl("s301-review-50", _S301, "hts8", "Section 301 four-year review increases to 50% (9903.91.02, 2024-09-27)",
            list="biden_50"),
        _pl("s301-review-100", _S301, "hts8", "Section 301 four-year review increases to 100% (9903.91.03, 2024-09-27)",
            list="biden_100"),
        _pl("s301-review-25-2025", _S301, "hts8", "Section 301 review increases to 25% from 2025-01-01 (9903.91.11)",
            list="biden_25_jan25"),
        _pl("s301-review-50-2025", _S301, "hts8", "Section 301 review increases to 50% from 2025-01-01 (9903.91.05)",
            list="biden_50_jan25"),
        _pl("fentanyl-energy-canada", "us-fentanyl-carveouts", "hts8",
            "Canadian energy and critical minerals at 10% instead of the fentanyl rate (9903.01.13)", category="energy_ca"),
        _pl("fentanyl-potash-canada", "us-fentanyl-carveouts", "hts8", "Canadian potash at 10% (9903.01.15)",
            category="potash_ca"),
        _pl("fentanyl-potash-mexico", "us-fentanyl-carveouts", "hts8", "Mexican potash at 10% (9903.01.05)",
            category="potash_mx"),
        _pl("brazil-exempt-2025-08", "us-country-eo-exempt", "hts10",
            "Exempt from the Brazil IEEPA surcharge 9903.01.77 (EO 14323 Annex I, from 2025-08-06)",
            effective_date_start="2025-08-06"),
        _pl("brazil-exempt-2025-11", "us-country-eo-exempt", "hts10",
            "Added to the Brazil surcharge exemptions from 2025-11-13 (EO of 2025-11-20, Annex II)",
            effective_date_start="2025-11-13"),
        _pl("eu-floor-exempt-aircraft", "us-floor-exempt", "hts8", "EU civil aircraft outside the 15% floor (9903.02.76)",
            category="civil_aircraft", country_group="eu"),
        _pl("eu-floor-exempt-pharma", "us-floor-exempt", "hts8", "EU generic pharmaceuticals outside the floor (9903.02.77)",
            category="pharma", country_group="eu"),
        _pl("eu-floor-exempt-resources", "us-floor-exempt", "hts8",
            "EU unavailable natural resources outside the floor (9903.02.74)", category="ptaap", country_group="eu"),
        _pl("japan-floor-exempt-aircraft", "us-floor-exempt", "hts8", "Japanese civil aircraft outside the floor (9903.96.02)",
            category="civil_aircraft", country_group="japan"),
        _pl("swiss-floor-exempt-aircraft", "us-floor-exempt", "hts8", "Swiss civil aircraft outside the floor (9903.02.85)",
            category="civil_aircraft", country_group="swiss"),
        _pl("swiss-floor-exempt-pharma", "us-floor-exempt", "hts8", "Swiss generic pharmaceuticals outside the floor (9903.02.86)",
            category="pharma", country_group="swiss"),
        _pl("swiss-floor-exempt-resources", "us-floor-exempt", "hts8",
            "Swiss unavailable natural resources outside the floor (9903.02.84)", category="ptaap", country_group="swiss"),
    ]
}


@lru_cache(maxsize=1)
def _us_hts10_lines() -> tuple[frozenset[str], frozenset[str]]:
    """Every HTS10 code of the US schedule and of the 2024 trade data (what a real ten-digit entry is), and their
    eight-digit prefixes."""
    def build() -> cache.Arrays:
        sched = catalog.read_csv("us-hts-2025", usecols=["hts"]).hts
        trade = pd.Series(np.unique(us_trade.by_country().hs)).astype(str).str.zfill(10)
        return {"lines": np.array(sorted(set(sched[sched.str.len() == 10].tolist()) | set(trade.tolist())), dtype=str)}

    real = frozenset(cache.arrays("us-hts10-lines", build)["lines"].tolist())
    return real, frozenset(c[:8] for c in real)


@functools.cache
def _frame(catalog_id: str):
    """A list file, read once however many lists are cut from it (nine Section 301 lists share one file)."""
    return catalog.read_csv(catalog_id, comment="#" if catalog_id == "us-country-eo-exempt" else None)


@lru_cache(maxsize=1)
def _all_split() -> cache.Arrays:
    """Every list's codes and rejected entries, cleaned once per machine (``data.cache``)."""
    def build() -> cache.Arrays:
        out = {}
        for name in LISTS:
            good, bad = _clean(name)
            out[f"{name}.codes"], out[f"{name}.rejected"] = np.array(good, dtype=str), np.array(bad, dtype=str)
            out[f"{name}.unmatched"] = np.array(_unmatched(good), dtype=str)
        return out
    return cache.arrays("lists", build)


@functools.cache
def _split(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    a = _all_split()
    return tuple(a[f"{name}.codes"].tolist()), tuple(a[f"{name}.rejected"].tolist())


def _clean(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pl = LISTS[name]
    if pl.column is None:
        raw = pd.Series(catalog.read_lines(pl.catalog_id), dtype=object)
    else:
        df = _frame(pl.catalog_id)
        for col, value in pl.where:
            df = df[df[col] == value]
        raw = df[pl.column]
    real, eight = _us_hts10_lines()
    unique = dict.fromkeys(hs.clean(c) for c in raw.astype(str).tolist())
    cleaned = list(dict.fromkeys(c[:8] if len(c) == 10 and c not in real and c[:8] in eight else c
                                 for c in unique if c))
    ok = [hs.prefix_problem(c) is None for c in cleaned]
    return tuple(c for c, k in zip(cleaned, ok) if k), tuple(c for c, k in zip(cleaned, ok) if not k)


def codes(name: str) -> tuple[str, ...]:
    """The HS codes of a named list, as digit strings."""
    return _split(name)[0]


def rejected(name: str) -> tuple[str, ...]:
    """Entries of the source list that are not HS codes (skipped, and said so in the output)."""
    return _split(name)[1]


@lru_cache(maxsize=1)
def _all_lines() -> list[str]:
    """Every 8- and 10-digit line of the 2025 US schedule and every HTS10 code of the 2024 trade data, sorted."""
    real, _ = _us_hts10_lines()
    return sorted(real | set(catalog.read_csv("us-hts-2025", usecols=["hts"]).hts.tolist()))


@functools.cache
def unmatched(name: str) -> tuple[str, ...]:
    """Codes of a list that match no line of the 2025 US schedule or the 2024 US trade data: chapter 98-99 special
    provisions, and statistical suffixes of later HTS revisions. They cover nothing here, and runs say so."""
    return tuple(_all_split()[f"{name}.unmatched"].tolist())


def _unmatched(codes: tuple[str, ...]) -> tuple[str, ...]:
    lines = _all_lines()
    out = []
    for c in codes:
        i = bisect.bisect_left(lines, c)          # the first line >= c: a line under prefix c starts with c
        if not (i < len(lines) and lines[i].startswith(c)):
            out.append(c)
    return tuple(out)
