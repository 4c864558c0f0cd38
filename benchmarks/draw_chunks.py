"""Finite-supply draws one a chunk against stacked: python benchmarks/draw_chunks.py [own|stacked] [draws]

On the 41,698 flows of the bundled ``kor-usa-2024`` data (two draws a chunk at the default chunk size), the armington
model with finite export supply on ``tests/scenarios/universal-25-korea-exempt.toml``. ``own`` is what tariffsim
does (a draw that Newton solves is a chunk of its own); ``stacked`` forces the chunk's draws back into one stacked
Newton solve. Prints the seconds the draws took (after a warm-up run) and the first band, which is the same either way.
Run each in a fresh process; results are recorded in benchmarks/RESULTS.md.
"""

import sys
import tempfile
import time
from pathlib import Path

from simulator import api
from simulator import uncertainty as unc
from simulator.uncertainty import Draws

ROOT = Path(__file__).resolve().parent.parent


def main(how: str, n: int) -> None:
    if how == "stacked":
        unc.DrawProblem.stacks = property(lambda self: True)  # type: ignore[method-assign, assignment]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "finite-supply.toml"
        base = ROOT / "tests" / "scenarios" / "universal-25-korea-exempt.toml"
        path.write_text(f'name = "finite supply"\nextends = "{base.as_posix()}"\n[model]\nname = "armington"\n')
        api.run(path, draws=Draws(5, 1))
        start = time.perf_counter()
        result, _ = api.run(path, draws=Draws(n, 1))
        print(f"{how}: {n} draws {time.perf_counter() - start:.2f} s; {result.bands[0]}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "own", int(sys.argv[2]) if len(sys.argv) > 2 else 200)
