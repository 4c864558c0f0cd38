"""User-facing errors: every problem names its file and the key or row it concerns."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

# Characters a terminal acts on rather than shows: C0 and C1 controls (ESC starts colour, cursor and title
# sequences), DEL, and the bidirectional overrides that reorder what is shown. Tab and newline are layout.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_LAYOUT = re.compile(f"{_CONTROL.pattern}|[\t\n]")


def _escape(m: re.Match) -> str:
    c = m.group(0)
    return {"\n": "\\n", "\t": "\\t"}.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def printable(text: str, lines: bool = False) -> str:
    """``text`` safe to print: control characters, terminal escapes and bidirectional overrides written as
    escapes (ESC as \\x1b), never sent raw. With ``lines``, newlines and tabs are kept; otherwise they are escaped
    too, so that a message stays on one line."""
    return (_CONTROL if lines else _CONTROL_OR_LAYOUT).sub(_escape, text)


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character :func:`printable` would escape (newlines and tabs aside)."""
    return _CONTROL.search(text) is not None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str | None
    where: str | None
    message: str

    def __str__(self) -> str:
        """One line: the file, the key or row, the message; anything a terminal would act on escaped."""
        parts = [p for p in (self.file, self.where) if p]
        return printable(": ".join([*parts, self.message]))


class InputError(Exception):
    """Bad scenario or data. Carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: a swap of two neighbours ('KRO' for 'KOR') counts once."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'X'?)' for the nearest valid name, or ''."""
    choices = list(choices)
    if not choices:
        return ""
    if len(word) <= 5:  # codes: count typos, since similarity ratios mislead on three letters
        # on a tie, a code with the same letters wins: a swap ('KRO' for 'KOR') is likelier than a wrong letter
        scored = sorted(choices, key=lambda c: (_edit_distance(word.upper(), c.upper()),
                                                sorted(word.upper()) != sorted(c.upper()), c))
        best = scored[0]
        if _edit_distance(word.upper(), best.upper()) <= max(1, len(word) // 3):
            return f" (did you mean '{best}'?)"
        starts = [c for c in choices if len(c) >= 3 and word.upper().startswith(c.upper())]  # 'KOREA' -> 'KOR'
        return f" (did you mean '{starts[0]}'?)" if starts else ""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
