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


def _forget_bundled():
    for cached in (kor_usa.itemised, kor_usa.us_schedule, kor_usa.build, kor_usa.prepared):
        cached.cache_clear()


def test_build_bundled_dataset_from_files(benchmark, monkeypatch):
    monkeypatch.setenv("TARIFFSIM_CACHE", "off")

    def build():
        _forget_bundled()
        return load_dataset("kor-usa-2024", "census-2024")
    benchmark(build)


def test_read_bundled_dataset_from_cache(benchmark, tmp_path, monkeypatch):
    monkeypatch.setenv("TARIFFSIM_CACHE", str(tmp_path))
    load_dataset("kor-usa-2024", "census-2024")        # the first read builds the entry

    def read():
        kor_usa.prepared.cache_clear()
        return load_dataset("kor-usa-2024", "census-2024")
    benchmark(read)


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
