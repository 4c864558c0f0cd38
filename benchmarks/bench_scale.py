"""BACI scale: 10 million flows. Run: python -m pytest benchmarks/bench_scale.py --benchmark-only
(pip install '.[test,bench]'). Each group times tariffsim, a pandas version and the bandwidth floor in one run.
Results and the machine are recorded in benchmarks/RESULTS.md; nothing here asserts a time.
"""

import cases
import numpy as np
import pytest
from synthetic import generate, generate_regions

from simulator.markets import markets
from simulator.models import armington, constant, gsim
from simulator.schedule import compile_schedule

N = 10_000_000


@pytest.fixture(scope="module")
def world():
    flows = generate(N)
    mk = markets(flows)                 # built once per dataset, as the API does
    _ = mk.pairs                        # the (supplier, market) pairs of the finite-supply solve, likewise
    _ = flows.hs_unique
    plan = cases.scenario_plan(flows)
    sched = compile_schedule(flows, plan)
    return flows, plan, sched


@pytest.fixture(scope="module")
def frame(world):
    flows, _, sched = world
    return cases.pandas_frame(flows, sched.t0, sched.t1_static, cases.parameters(flows))


def run(benchmark, fn, *args, rounds=5):
    return benchmark.pedantic(fn, args=args, rounds=rounds, iterations=1, warmup_rounds=0)


@pytest.mark.benchmark(group="schedule: 10M flows")
def test_schedule_tariffsim(benchmark, world):
    flows, plan, _ = world
    run(benchmark, compile_schedule, flows, plan)


@pytest.mark.benchmark(group="schedule: 10M flows")
def test_schedule_pandas(benchmark, world, frame):
    flows, plan, sched = world
    got = run(benchmark, cases.pandas_schedule, frame, flows, plan, rounds=1)
    np.testing.assert_allclose(got, sched.t1_static)       # same rates as tariffsim


@pytest.mark.benchmark(group="schedule: 10M flows")
def test_schedule_floor(benchmark, world):
    flows, _, _ = world
    run(benchmark, cases.floor_read, flows.hs, flows.hs_digits, flows.importer, flows.exporter, flows.base_rate)


@pytest.mark.benchmark(group="armington, price takers: 10M flows")
def test_armington_tariffsim(benchmark, world):
    flows, _, sched = world
    run(benchmark, cases.tariffsim_model, armington, flows, sched.t0, sched.t1_static, cases.parameters(flows))


@pytest.mark.benchmark(group="armington, price takers: 10M flows")
def test_armington_pandas(benchmark, world, frame):
    flows, _, sched = world
    got = run(benchmark, cases.pandas_armington, frame, rounds=1)
    want = cases.tariffsim_model(armington, flows, sched.t0, sched.t1_static, cases.parameters(flows))
    np.testing.assert_allclose(got.sum(), want.sum(), rtol=1e-9)


@pytest.mark.benchmark(group="armington, price takers: 10M flows")
def test_armington_floor(benchmark, world):
    flows, _, sched = world
    mk = markets(flows)
    p = cases.parameters(flows)
    run(benchmark, cases.floor_read, flows.value, sched.t0, sched.t1_static, p.sigma, p.eta, mk.market,
        flows.importer, flows.exporter)


@pytest.mark.benchmark(group="armington, price takers: 10M flows")
def test_armington_floor_transcendental(benchmark, world):
    flows, _, sched = world
    x = 1.0 + sched.t1_static
    run(benchmark, cases.floor_transcendental, x, np.empty_like(x))


@pytest.mark.benchmark(group="constant, price takers: 10M flows")
def test_constant_tariffsim(benchmark, world):
    flows, _, sched = world
    run(benchmark, cases.tariffsim_model, constant, flows, sched.t0, sched.t1_static, cases.parameters(flows))


@pytest.mark.benchmark(group="constant, price takers: 10M flows")
def test_constant_pandas(benchmark, world, frame):
    run(benchmark, cases.pandas_constant, frame, rounds=1)


@pytest.mark.benchmark(group="constant, price takers: 10M flows")
def test_constant_floor(benchmark, world):
    flows, _, sched = world
    run(benchmark, cases.floor_read, flows.value, sched.t0, sched.t1_static, flows.importer, flows.exporter)


@pytest.mark.benchmark(group="armington, finite supply: 10M flows")
def test_armington_finite_supply(benchmark, world):
    flows, _, sched = world
    run(benchmark, cases.tariffsim_model, armington, flows, sched.t0, sched.t1_static,
        cases.parameters(flows, eps=2.0), rounds=1)


@pytest.fixture(scope="module")
def regions():
    flows = generate_regions()
    markets(flows)
    t0 = flows.base_rate
    t1 = np.where(flows.exporter != flows.importer, t0 + 0.10, t0)       # everyone raises external tariffs by 10 points
    return flows, t0, t1


@pytest.mark.benchmark(group="gsim: 5,000 products x 50 regions")
def test_gsim_tariffsim(benchmark, regions):
    flows, t0, t1 = regions
    p = cases.parameters(flows, eps=2.0, sigma=3.0, eta=-1.0)
    run(benchmark, gsim.solve, flows.value, t0, t1, p, markets(flows))


@pytest.mark.benchmark(group="gsim: 5,000 products x 50 regions")
def test_gsim_pandas(benchmark, regions):
    flows, t0, t1 = regions
    df = cases.pandas_frame(flows, t0, t1, cases.parameters(flows)).assign(importer=lambda d: d.importer.astype(str),
                                                                          exporter=lambda d: d.exporter.astype(str))
    got = run(benchmark, cases.pandas_gsim, df, rounds=1)
    p = cases.parameters(flows, eps=2.0, sigma=3.0, eta=-1.0)
    want = gsim.solve(flows.value, t0, t1, p, markets(flows)).value_new.sum()
    np.testing.assert_allclose(got.to_numpy().sum(), want, rtol=1e-6)


@pytest.mark.benchmark(group="gsim: 5,000 products x 50 regions")
def test_gsim_floor(benchmark, regions):
    flows, t0, t1 = regions
    run(benchmark, cases.floor_read, flows.value, t0, t1, flows.importer, flows.exporter, markets(flows).market)
