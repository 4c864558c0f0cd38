"""User-facing errors: every problem names its file and the key or row it concerns."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str | None
    where: str | None
    message: str

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.where) if p]
        return ": ".join([*parts, self.message])


class InputError(Exception):
    """Bad scenario or data. Carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'X'?)' for the nearest valid name, or ''."""
    choices = list(choices)
    best = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not best:
        best = difflib.get_close_matches(word.upper(), [c.upper() for c in choices], n=1, cutoff=0.6)
        best = [c for c in choices if best and c.upper() == best[0]][:1]
    return f" (did you mean '{best[0]}'?)" if best else ""
