"""Country codes: ISO 3166-1 alpha-3, or regions a dataset declares (ROW, EU27, RW...)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

import pycountry

from .errors import suggest as suggest_name

# Names people write for a country that ISO 3166 (and so pycountry) does not know, in capitals.
OTHER_NAMES = {
    "UK": "GBR", "BRITAIN": "GBR", "GREAT BRITAIN": "GBR", "ENGLAND": "GBR",
    "KOREA": "KOR", "ROK": "KOR", "REPUBLIC OF KOREA": "KOR", "NORTH KOREA": "PRK", "DPRK": "PRK",
    "AMERICA": "USA", "UNITED STATES OF AMERICA": "USA", "PRC": "CHN", "MAINLAND CHINA": "CHN",
    "RUSSIA": "RUS", "TURKEY": "TUR", "HOLLAND": "NLD", "BRUNEI": "BRN", "MACAU": "MAC", "IVORY COAST": "CIV",
    "BURMA": "MMR", "SWAZILAND": "SWZ", "CAPE VERDE": "CPV", "EAST TIMOR": "TLS", "VATICAN": "VAT",
}
# Names of a group of countries, with the codes that may stand for it, the first found in the choices suggested.
GROUP_NAMES = {"EU": ("EU27", "EU28", "EUN"), "EUROPEAN UNION": ("EU27", "EU28", "EUN")}


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


@lru_cache(maxsize=1024)
def alias(word: str) -> str | None:
    """The ISO3 code another name of a country stands for: its ISO 3166 two-letter or numeric code ('US', 'KR',
    '410'), its English name ('South Korea', 'Viet Nam') or a usual short name ('UK', 'Korea'); None for none."""
    key = " ".join(word.split()).upper()
    if not key or is_iso3(key):
        return None
    if key in OTHER_NAMES:
        return OTHER_NAMES[key]
    try:
        return str(pycountry.countries.lookup(key).alpha_3)
    except LookupError:
        return None


def suggest(code: str, choices: Iterable[str], valid: Callable[[str], bool] | None = None) -> str:
    """' (did you mean 'X'?)' for a country code that is not one: the code it stands for where it is another name
    of a country ('US', 'UK', 'KR', 'Korea') or of the EU ('EU': the EU27 group or the data's EU region), among the
    ``choices`` (or ``valid``); else the choice nearest in spelling, or ''. Never a code that merely looks alike:
    'US' is not 'AUS', nor 'EU' 'DEU'."""
    choices = list(choices)
    key = " ".join(code.split()).upper()
    if key in GROUP_NAMES:
        by_case = {c.upper(): c for c in choices}
        for group in GROUP_NAMES[key]:
            if group in by_case and by_case[group] != code:
                return f" (did you mean '{by_case[group]}'?)"
        return " (the EU is no single country here: give a member state's code, e.g. 'DEU')"
    target = alias(code)
    if target is not None:
        if target in choices or (valid is not None and valid(target)):
            return f" (did you mean '{target}'?)"
        return f" ({name(target)} is '{target}', not in this data)"
    return suggest_name(code, choices)
