"""HS codes as integers.

A code of ``d`` digits is stored as ``int64`` with its digit count, so that leading zeros
(chapters 01-09) never get lost. A prefix of ``k`` digits covers every code of ``d >= k``
digits whose first ``k`` digits equal it; a rule more detailed than a flow's code does not
apply to that flow. ``*`` (zero digits) covers everything, including residual lines.

Matching is done on the unique codes once and gathered back through an inverse index.
"""

from __future__ import annotations

import re

import numpy as np

VALID_DIGITS = (2, 4, 6, 8, 10)
ALL = "*"
_DIGITS_RE = re.compile(r"^[0-9]+$")
_POW10 = 10 ** np.arange(11, dtype=np.int64)


def clean(text: str) -> str:
    """Strip the separators people type ('8703.23', '8703 23 01') from a code."""
    return re.sub(r"[.\s]", "", str(text).strip())


def prefix_problem(text: str) -> str | None:
    """Why ``text`` is not an HS prefix, or None if it is one."""
    if text == ALL:
        return None
    code = clean(text)
    if not _DIGITS_RE.match(code):
        return f"'{text}' is not an HS prefix (use 2, 4, 6, 8 or 10 digits, or \"*\")"
    if len(code) not in VALID_DIGITS:
        hint = " (a leading zero lost? chapters 01-09 need it)" if len(code) in (1, 3, 5, 7, 9) else ""
        return f"'{text}' is not an HS prefix (use 2, 4, 6, 8 or 10 digits){hint}"
    return None


def parse_prefix(text: str) -> tuple[int, int]:
    """``"0201"`` -> ``(201, 4)``; ``"*"`` -> ``(0, 0)``. Call ``prefix_problem`` first."""
    if text == ALL:
        return 0, 0
    code = clean(text)
    return int(code), len(code)


def format_code(code: int, digits: int) -> str:
    if digits == 0:
        return ALL
    return str(int(code)).zfill(int(digits))


def truncate(codes: np.ndarray, digits: np.ndarray, k: int) -> np.ndarray:
    """First ``k`` digits of each code (codes with fewer than ``k`` digits give -1)."""
    codes = np.asarray(codes, dtype=np.int64)
    digits = np.asarray(digits, dtype=np.int64)
    out = np.full(codes.shape, -1, dtype=np.int64)
    ok = digits >= k
    out[ok] = codes[ok] // _POW10[digits[ok] - k]
    return out


def chapter(codes: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """HS chapter (1-97) of each code; 0 for residual lines without a code."""
    ch = truncate(codes, digits, 2)
    ch[ch < 0] = 0
    return ch


def unique_codes(codes: np.ndarray, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (code, digits) pairs and the inverse index that gathers them back."""
    key = np.asarray(codes, dtype=np.int64) * 16 + np.asarray(digits, dtype=np.int64)
    uniq, inverse = np.unique(key, return_inverse=True)
    # int32 halves the memory read by every gather back to flows
    return uniq // 16, uniq % 16, inverse.reshape(key.shape).astype(np.int32)


class PrefixSet:
    """A set of HS prefixes, matched against many codes at once."""

    def __init__(self, prefixes: list[tuple[int, int]]):
        self.match_all = any(k == 0 for _, k in prefixes)
        self.by_length = {}
        for k in VALID_DIGITS:
            vals = np.unique(np.array([c for c, d in prefixes if d == k], dtype=np.int64))
            if vals.size:
                self.by_length[k] = vals

    def matches(self, codes: np.ndarray, digits: np.ndarray) -> np.ndarray:
        """Boolean mask: does any prefix cover each code?"""
        if self.match_all:
            return np.ones(np.shape(codes), dtype=bool)
        ucodes, udigits, inverse = unique_codes(codes, digits)
        return self.matches_unique(ucodes, udigits)[inverse]

    def matches_unique(self, ucodes: np.ndarray, udigits: np.ndarray) -> np.ndarray:
        """The same, for codes already made distinct (``unique_codes``)."""
        hit = np.full(ucodes.shape, self.match_all, dtype=bool)
        if self.match_all:
            return hit
        for k, vals in self.by_length.items():
            t = truncate(ucodes, udigits, k)
            pos = np.searchsorted(vals, t).clip(max=vals.size - 1)
            hit |= (vals[pos] == t) & (t >= 0)
        return hit


def longest_match(codes: np.ndarray, digits: np.ndarray, prefixes: list[tuple[int, int]]) -> np.ndarray:
    """Index into ``prefixes`` of the longest prefix covering each code, or -1."""
    ucodes, udigits, inverse = unique_codes(codes, digits)
    best = np.full(ucodes.shape, -1, dtype=np.int64)
    for k in (0, *VALID_DIGITS):  # ascending, so a longer prefix overwrites a shorter one
        idx = [i for i, (_, d) in enumerate(prefixes) if d == k]
        if not idx:
            continue
        if k == 0:
            best[:] = idx[-1]
            continue
        vals = np.array([prefixes[i][0] for i in idx], dtype=np.int64)
        order = np.argsort(vals, kind="stable")
        vals, ids = vals[order], np.array(idx, dtype=np.int64)[order]
        t = truncate(ucodes, udigits, k)
        pos = np.searchsorted(vals, t).clip(max=vals.size - 1)
        hit = (vals[pos] == t) & (t >= 0)
        best[hit] = ids[pos[hit]]
    return best[inverse]
