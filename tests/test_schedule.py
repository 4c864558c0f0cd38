"""From measures and exemptions to t1, against hand-computed rates."""

import datetime as dt

import numpy as np
import pytest
from numpy.testing import assert_allclose

from simulator.flows import Flows
from simulator.schedule import ExemptionRule, MeasureRule, Selector, compile_schedule


@pytest.fixture()
def flows():
    # USA imports 8703 cars and 0201 beef from KOR and JPN; KOR imports beef from USA.
    return Flows.build(
        importer=["USA", "USA", "USA", "USA", "KOR"],
        exporter=["KOR", "KOR", "JPN", "JPN", "USA"],
        hs_codes=[8703231010, 201300000, 8703231010, 201300000, 201300000],
        hs_digits=[10, 10, 10, 10, 10],
        value=[10.0, 1.0, 20.0, 2.0, 3.0],
        base_rate=[0.0, 0.0, 0.025, 0.04, 0.053],
    )


def sel(flows, importers=None, exporters=None, products=((0, 0),)):
    idx = lambda cs: None if cs is None else frozenset(flows.index(c) for c in cs)  # noqa: E731
    return Selector(idx(importers), idx(exporters), tuple(products))


def test_add_and_set(flows):
    ms = [MeasureRule("add25", "add", 0.25, sel(flows, ["USA"])),
          MeasureRule("cars-set", "set", 0.15, sel(flows, ["USA"], ["KOR"], [(8703, 4)]))]
    s = compile_schedule(flows, ms, [])
    # KOR car: set 0.15 then +0.25; KOR beef: 0 + 0.25; JPN: base + 0.25; KOR importer untouched
    assert_allclose(s.t1, [0.40, 0.25, 0.275, 0.29, 0.053])
    assert_allclose(s.t0, flows.base_rate)


def test_exemption_lifts_named_measure_only(flows):
    ms = [MeasureRule("a", "add", 0.25, sel(flows, ["USA"])), MeasureRule("b", "add", 0.10, sel(flows, ["USA"]))]
    ex = [ExemptionRule(("a",), sel(flows, None, ["KOR"]))]
    s = compile_schedule(flows, ms, ex)
    assert_allclose(s.t1, [0.10, 0.10, 0.375, 0.39, 0.053])


def test_exemption_by_product(flows):
    ms = [MeasureRule("a", "add", 0.25, sel(flows, ["USA"]))]
    ex = [ExemptionRule(("a",), sel(flows, None, None, [(201, 4)]))]
    s = compile_schedule(flows, ms, ex)
    assert_allclose(s.t1, [0.25, 0.0, 0.275, 0.04, 0.053])


def test_highest_set_wins_regardless_of_order(flows):
    a = MeasureRule("a", "set", 0.10, sel(flows, ["USA"]))
    b = MeasureRule("b", "set", 0.30, sel(flows, ["USA"]))
    s1 = compile_schedule(flows, [a, b], [])
    s2 = compile_schedule(flows, [b, a], [])
    assert_allclose(s1.t1, [0.30, 0.30, 0.30, 0.30, 0.053])
    assert_allclose(s1.t1, s2.t1)


def test_dates(flows):
    m = MeasureRule("a", "add", 0.25, sel(flows, ["USA"]), effective=dt.date(2025, 4, 5), expires=dt.date(2025, 8, 7))
    assert_allclose(compile_schedule(flows, [m], [], dt.date(2025, 4, 4)).t1, flows.base_rate)
    assert_allclose(compile_schedule(flows, [m], [], dt.date(2025, 4, 5)).t1[:4], flows.base_rate[:4] + 0.25)
    assert_allclose(compile_schedule(flows, [m], [], dt.date(2025, 8, 7)).t1, flows.base_rate)
    assert_allclose(compile_schedule(flows, [m], [], None).t1[:4], flows.base_rate[:4] + 0.25)
