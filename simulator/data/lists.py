"""Named product lists a scenario can reference as ``"list:NAME"``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .. import hs
from . import catalog


@dataclass(frozen=True)
class ProductList:
    name: str
    catalog_id: str
    column: str | None   # None: a plain text file, one code per line
    description: str


LISTS = {
    pl.name: pl
    for pl in [
        ProductList("ieepa-annex-ii", "list-ieepa-annex-ii", "hts10",
                    "IEEPA reciprocal tariff exemptions (EO 14257 Annex II as amended)"),
        ProductList("s232-auto-parts", "list-s232-auto-parts", None, "Section 232 auto parts"),
        ProductList("s232-copper", "list-s232-copper", "hts10", "Section 232 copper (from 2025-08-01)"),
        ProductList("s232-steel-aluminum-derivatives", "list-s232-derivatives", "hts_prefix",
                    "Section 232 steel and aluminium derivatives (inclusions effective 2025-08-18)"),
        ProductList("s232-semiconductors", "list-s232-semiconductors", "hts10", "Section 232 semiconductors (2026)"),
        ProductList("kor-civil-aircraft", "list-kor-civil-aircraft", "hts8",
                    "Korean civil aircraft and parts exempt under 9903.02.81 (from 2025-11-14)"),
        ProductList("s232-steel", "list-s232-steel", "hts_prefix", "Section 232 steel articles and derivatives (ch. 72-73)"),
        ProductList("s232-aluminum", "list-s232-aluminum", "hts_prefix", "Section 232 aluminium articles and derivatives (ch. 76)"),
        ProductList("s232-autos", "list-s232-autos", "hts_prefix", "Section 232 passenger vehicles and light trucks"),
    ]
}


@lru_cache(maxsize=None)
def _split(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pl = LISTS[name]
    if pl.column is None:
        raw = catalog.read_lines(pl.catalog_id)
    else:
        raw = catalog.read_csv(pl.catalog_id)[pl.column].tolist()
    cleaned = list(dict.fromkeys(hs.clean(c) for c in raw if c.strip()))
    ok = [hs.prefix_problem(c) is None for c in cleaned]
    return tuple(c for c, k in zip(cleaned, ok) if k), tuple(c for c, k in zip(cleaned, ok) if not k)


def codes(name: str) -> tuple[str, ...]:
    """The HS codes of a named list, as digit strings."""
    return _split(name)[0]


def rejected(name: str) -> tuple[str, ...]:
    """Entries of the source list that are not HS codes (skipped, and said so in the output)."""
    return _split(name)[1]
