"""Progress of long work (elasticity draws, a large flows file, the dates of a path), told to a plain callback.

``progress(task, done, total)``: ``task`` names the work ("exemption.toml: draws"), ``done`` counts the steps
finished so far (0 when the task starts), ``total`` the steps in all. The callback only hears of the work: it is
called between steps, never with data, so a run with one gives the same results, to the bit, as a run without.
Nothing here draws anything; the command line turns the calls into bars on a terminal.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


class Steps:
    """A task of ``total`` steps told to ``progress`` (if any) as they finish."""

    def __init__(self, progress: Progress | None, task: str, total: int):
        self.progress, self.task, self.total, self.done = progress, task, max(total, 1), 0
        self._tell()

    def advance(self, steps: int = 1) -> None:
        self.done = min(self.done + steps, self.total)
        self._tell()

    def finish(self) -> None:
        self.advance(self.total - self.done)

    def _tell(self) -> None:
        if self.progress is not None:
            self.progress(self.task, self.done, self.total)
