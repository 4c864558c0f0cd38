"""Country codes: ISO 3166-1 alpha-3, or regions a dataset declares (ROW, EU27, RW...)."""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


def is_iso3(code: str) -> bool:
    return code in iso3_codes()


def name(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    if not country:
        return code
    return str(getattr(country, "common_name", None) or getattr(country, "name", code))
