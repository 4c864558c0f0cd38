"""The speed targets on the bundled world data, from process start: each command run several times in a fresh
process (wall time and peak resident memory of the process), the median and the range printed as Markdown rows.

Run: python benchmarks/bundled.py [--repeat N] [NAME ...]   (names: see TARGETS; default all but the Dask rows)
     python benchmarks/bundled.py floors                   (the floors under the targets, in-process)

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


def _median_time(fn, *args, repeat: int = 30) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floors() -> None:
    """The floors under the targets on this machine: the interpreter and the libraries a run imports (from process
    start), and for the draws the work no exact solve can skip: each evaluation of the model reads every flow's
    arrays once (the bandwidth floor) and takes one ``log`` and one ``exp`` per flow (the transcendental floor),
    times the evaluations a draw's Newton solve takes, over the machine's cores."""
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import cases

    import simulator
    from simulator.models import armington

    libraries = "import numpy, pandas, typer, pydantic"
    walls = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", libraries], check=True)
        walls.append(time.perf_counter() - start)
    print(f"| interpreter and libraries | `python -c \"{libraries}\"` | 7 | {statistics.median(walls):.2f} s "
          f"| {min(walls):.2f}-{max(walls):.2f} s | | floor of every command above |")

    calls = {"n": 0}
    at = armington._Demand.at

    def counted(self, *args, **kw):
        calls["n"] += 1
        return at(self, *args, **kw)

    armington._Demand.at = counted                   # count the model's evaluations (this process only)
    scenario, draws = ROOT / S / "floor-15.toml", 40
    point = simulator.run(scenario)
    point_calls = calls["n"]
    calls["n"] = 0
    simulator.run(scenario, draws=draws, seed=1)
    per_draw = (calls["n"] - point_calls) / draws
    armington._Demand.at = at

    flows = point.result.flows
    n = len(flows)
    x, out = np.full(n, 1.1), np.empty(n)
    transcendental = _median_time(cases.floor_transcendental, x, out)
    arrays = [flows.value, x, x.copy(), x.copy(), x.copy(), flows.importer.astype(np.int64),
              flows.exporter.astype(np.int64)]          # value, t0, t1, sigma, eta, market, supplier
    bandwidth = _median_time(cases.floor_read, *arrays)
    cores = os.cpu_count() or 1
    for name, per_eval in (("bandwidth", bandwidth), ("transcendental", transcendental)):
        total = 1000 * per_draw * per_eval / cores
        print(f"| 1,000 draws, {name} floor | {per_draw:.2f} evaluations a draw (floor-15, {draws} draws, seed 1) x "
              f"{per_eval * 1e3:.2f} ms an evaluation ({n:,} flows) / {cores} cores | | {total:.2f} s | | | "
              f"{'above' if total > 5 else 'below'} the 5 s target |", flush=True)


def main() -> None:
    if sys.argv[1:] == ["floors"]:
        print("| what | how | runs | median | range | peak memory | note |")
        print("|---|---|---:|---:|---:|---:|---|")
        floors()
        return
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
