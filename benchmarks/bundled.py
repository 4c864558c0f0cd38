"""The speed targets on the bundled world data, from process start: each command run several times in a fresh
process (wall time and peak resident memory of the process), the median and the range printed as Markdown rows.

Run: python benchmarks/bundled.py [--repeat N] [NAME ...]   (names: see TARGETS; default all but the Dask rows)

Every command writes its output to /dev/null; the cache of the built data is warmed by one run first
(docs/DATA.md, Built once per machine). Nothing here asserts a time; the results are recorded in RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
S = "scenarios/"
FOUR = [S + f for f in ("baseline.toml", "reciprocal-25.toml", "floor-15.toml", "exemption.toml")]

# name: (the command after `tariffsim`, the target in seconds or None, default repeats)
TARGETS: dict[str, tuple[list[str], float | None, int]] = {
    "one": (["run", S + "exemption.toml"], 1.0, 7),
    "compare4": (["compare", *FOUR], 2.0, 5),
    "path": (["run", S + "in-force.toml", "--path", "2025-01-01:2025-12-01:monthly"], 3.0, 3),
    "draws1000": (["run", S + "floor-15.toml", "--draws", "1000", "--seed", "1"], 5.0, 1),
    "draws200": (["run", S + "floor-15.toml", "--draws", "200", "--seed", "1"], None, 1),
    "draws200-dask": (["run", S + "floor-15.toml", "--draws", "200", "--seed", "1", "--dask", "local"], None, 1),
    "compare4-dask": (["compare", *FOUR, "--dask", "local"], None, 1),
}
DEFAULT = ["one", "compare4", "path", "draws1000"]


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident GB of one fresh process running ``tariffsim ARGS``."""
    exe = shutil.which("tariffsim") or sys.exit("tariffsim is not installed in this environment")
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen([exe, "--no-progress", *args], cwd=ROOT, stdout=null, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"tariffsim {' '.join(args)} failed: {err[-500:]}")
    return wall, usage.ru_maxrss / 1024 ** 2          # ru_maxrss is in kB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(TARGETS)}; default {' '.join(DEFAULT)}")
    ap.add_argument("--repeat", type=int, help="runs of each command (default: per command)")
    opts = ap.parse_args()
    measure(TARGETS["one"][0])                       # warm the cache of the built data
    print("| what | command | runs | median | range | peak memory | target |")
    print("|---|---|---:|---:|---:|---:|---|")
    unknown = [n for n in opts.names if n not in TARGETS]
    if unknown:
        ap.error(f"unknown {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    for name in opts.names or DEFAULT:
        args, target, repeats = TARGETS[name]
        runs = [measure(args) for _ in range(opts.repeat or repeats)]
        walls = [w for w, _ in runs]
        med = statistics.median(walls)
        verdict = ("" if target is None else
                   f"< {target:g} s: **met**" if med < target else f"< {target:g} s: **missed** by {med / target:.1f}x")
        print(f"| {name} | `tariffsim {' '.join(args)}` | {len(runs)} | {med:.2f} s | {min(walls):.2f}-{max(walls):.2f} s "
              f"| {max(m for _, m in runs):.2f} GB | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
