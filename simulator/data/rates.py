"""Reading duty rates written as text in tariff schedules ("Free", "6.5%", "1.1¢/kg + 2.9%")."""

from __future__ import annotations

import re

import numpy as np

from ..flows import RATE_UNKNOWN, SPECIFIC_OMITTED

_NUM = r"\d+(?:\.\d+)?"
_AD_VALOREM = re.compile(rf"^({_NUM})\s*%$")
# A per-unit duty: "1.1¢/kg", "$1.189/kg", "16¢ each", "4.5¢/ liter", "62¢/pr."
_SPECIFIC = rf"(?:\$\s*{_NUM}|{_NUM}\s*¢)\s*(?:/|each|per\b)[^+%]*"
_PURE_SPECIFIC = re.compile(rf"^{_SPECIFIC}$")
_COMPOUND = re.compile(rf"^{_SPECIFIC}\+\s*({_NUM})\s*%$")


def parse_rate(text) -> tuple[float, int]:
    """Ad valorem fraction and flags for one rate text.

    Specific duties cannot become ad valorem equivalents without a unit value, so their
    per-unit part is dropped and flagged; text rules ("the rate applicable to each garment")
    are flagged as unknown. Missing text gives NaN.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return float("nan"), 0
    t = str(text).strip()
    if not t:
        return float("nan"), 0
    if t.lower() == "free":
        return 0.0, 0
    if m := _AD_VALOREM.match(t):
        return float(m.group(1)) / 100.0, 0
    if m := _COMPOUND.match(t):
        return float(m.group(1)) / 100.0, SPECIFIC_OMITTED
    if _PURE_SPECIFIC.match(t):
        return 0.0, SPECIFIC_OMITTED
    return 0.0, RATE_UNKNOWN
