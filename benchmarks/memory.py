"""Peak memory of a 10-million-flow run: python benchmarks/memory.py [armington|constant|schedule]

Prints the process's peak resident memory after the data are built (flows, market index, distinct HS codes)
and after the timed step, in GB. Each step runs in a fresh process (ru_maxrss only grows).
"""

import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import cases  # noqa: E402
from synthetic import generate  # noqa: E402

from simulator.markets import markets  # noqa: E402
from simulator.models import armington, constant  # noqa: E402
from simulator.schedule import compile_schedule  # noqa: E402


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6     # kB on Linux


def main(step: str) -> None:
    flows = generate(10_000_000)
    markets(flows)
    _ = flows.hs_unique
    plan = cases.scenario_plan(flows)
    sched = compile_schedule(flows, plan) if step != "schedule" else None
    before = peak_gb()
    t = time.perf_counter()
    if step == "schedule":
        compile_schedule(flows, plan)
    else:
        model = {"armington": armington, "constant": constant}[step]
        cases.tariffsim_model(model, flows, sched.t0, sched.t1_static, cases.parameters(flows))
    print(f"{step}: {time.perf_counter() - t:.2f} s; peak resident memory {peak_gb():.2f} GB "
          f"(data and indexes: {before:.2f} GB)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "armington")
