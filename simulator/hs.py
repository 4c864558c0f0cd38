"""HS codes as integers.

A code of ``d`` digits is stored as ``int64`` with its digit count, so that leading zeros
(chapters 01-09) never get lost. A prefix of ``k`` digits covers every code of ``d >= k``
digits whose first ``k`` digits equal it; a prefix set does not match a flow's code shorter than
its prefixes, and ``Composition`` gives the share of such a code that finer prefixes cover.
``*`` (zero digits) covers everything, including residual lines.

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


def code_problem(code: str) -> str | None:
    """Why ``code`` (a data file's code, separators stripped) is not an HS code of 2-10 digits, or None: the one
    check of the flows files and of every importer."""
    if not code.isdigit() or not code.isascii():
        return f"'{code}' is not an HS code (digits only)"
    if len(code) % 2 or not 2 <= len(code) <= 10:
        hint = (" (a leading zero lost? the file has been through a spreadsheet or was read as numbers: "
                "take the codes as text from the original download)") if len(code) % 2 else ""
        return f"'{code}' has {len(code)} digits, not 2, 4, 6, 8 or 10{hint}"
    return None


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
        self.max_digits = max((k for _, k in prefixes), default=0)
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


class Composition:
    """What a coarse code is made of: ten-digit codes with a weight each (e.g. 2024 import values).

    A rule written at a finer level than a flow (a list of HTS10 codes, a flow at HS6) covers the share of
    the flow's code that the matching ten-digit codes carry: with cumulative weights over the sorted codes,
    the share of every distinct code is two ``searchsorted`` calls."""

    def __init__(self, codes10: np.ndarray, weights: np.ndarray):
        order = self._order = np.argsort(codes10, kind="stable")
        self.codes = np.asarray(codes10, dtype=np.int64)[order]
        self.weights = np.asarray(weights, dtype=np.float64)[order]
        self._cum = np.concatenate([[0.0], np.cumsum(self.weights)])

    def _ranges(self, ucodes: np.ndarray, udigits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scale = _POW10[(10 - np.clip(udigits, 0, 10)).astype(np.int64)]
        lo = np.searchsorted(self.codes, ucodes * scale)
        hi = np.searchsorted(self.codes, (ucodes + 1) * scale)
        return lo, hi

    def weighted_mean(self, values: np.ndarray, ucodes: np.ndarray, udigits: np.ndarray) -> np.ndarray:
        """Weighted mean of ``values`` (one per ten-digit code, in the order given) under each code (NaN where
        nothing is under it)."""
        cum_v = np.concatenate([[0.0], np.cumsum(self.weights * np.asarray(values, dtype=np.float64)[self._order])])
        lo, hi = self._ranges(ucodes, udigits)
        total = self._cum[hi] - self._cum[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, (cum_v[hi] - cum_v[lo]) / np.where(total > 0, total, 1.0), np.nan)

    def share_covered(self, prefixes: PrefixSet, ucodes: np.ndarray, udigits: np.ndarray) -> np.ndarray:
        """Share of each code's weight under ``prefixes`` (0 where the composition has nothing under it)."""
        hit = np.empty(self.codes.shape)
        hit[self._order] = prefixes.matches_unique(self.codes, np.full(self.codes.shape, 10, dtype=np.int64))
        return np.nan_to_num(self.weighted_mean(hit, ucodes, udigits), nan=0.0)
