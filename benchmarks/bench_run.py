"""Speed of the main path on the bundled data. Run: python -m pytest benchmarks/bench_run.py --benchmark-only

Not part of the test suite (timings are recorded in RESULTS.md, never asserted).
"""

from pathlib import Path

import numpy as np

from simulator import api
from simulator.data import kor_usa, load_dataset
from simulator.markets import markets
from simulator.models.constant import solve
from simulator.parameters import Parameters
from simulator.schedule import compile_schedule

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "floor-15.toml"


def test_build_bundled_dataset(benchmark):
    def build():
        kor_usa.itemised.cache_clear()
        kor_usa.us_schedule.cache_clear()
        kor_usa.build.cache_clear()
        return load_dataset("kor-usa-2024", "census-2024")
    benchmark(build)


def test_schedule_and_constant_model(benchmark):
    sf = api.load_scenario(SCENARIO)
    ds = api.dataset_for(sf)
    plan = api.resolve(sf, ds.flows)
    n = len(ds.flows)
    params = Parameters(np.full(n, -1.0), np.full(n, 3.0), np.full(n, np.inf), np.zeros(n, np.int8))

    def step():
        s = compile_schedule(ds.flows, plan, sf.spec.as_of)
        return solve(ds.flows.value, s.t0, s.t1_static, params, markets(ds.flows))
    benchmark(step)


def test_full_run_warm(benchmark):
    sf = api.load_scenario(SCENARIO)
    benchmark(lambda: api.run(sf)[0].countries)
