"""From instruments to rates, against hand-computed numbers."""

import datetime as dt

import numpy as np
import pytest
from numpy.testing import assert_allclose

from simulator.flows import Flows
from simulator.schedule import ExemptionRule, MeasureRule, Plan, PreferenceRule, Selector, compile_schedule
from simulator.trace import ScheduleTracer


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
        mfn_rate=[0.025, 0.04, 0.025, 0.04, 0.40],
    )


def sel(flows, importers=None, exporters=None, products=((0, 0),), exclude=()):
    idx = lambda cs: None if cs is None else frozenset(flows.index(c) for c in cs)  # noqa: E731
    return Selector(idx(importers), idx(exporters), tuple(products), tuple(exclude))


def rates(flows, *measures, exemptions=(), preferences=(), as_of=None):
    s = compile_schedule(flows, Plan(tuple(measures), tuple(exemptions), tuple(preferences)), as_of)
    return s


def test_add_and_set(flows):
    s = rates(flows, MeasureRule("add25", "add", 0.25, sel(flows, ["USA"])),
              MeasureRule("cars-set", "set", 0.15, sel(flows, ["USA"], ["KOR"], [(8703, 4)])))
    # KOR car: set 0.15 then +0.25; KOR beef: 0 + 0.25; JPN: base + 0.25; KOR importer untouched
    assert_allclose(s.t1_static, [0.40, 0.25, 0.275, 0.29, 0.053])
    assert_allclose(s.t0, flows.base_rate)


def test_exemption_lifts_named_measure_only(flows):
    s = rates(flows, MeasureRule("a", "add", 0.25, sel(flows, ["USA"])), MeasureRule("b", "add", 0.10, sel(flows, ["USA"])),
              exemptions=[ExemptionRule(("a",), sel(flows, None, ["KOR"]))])
    assert_allclose(s.t1_static, [0.10, 0.10, 0.375, 0.39, 0.053])


def test_exemption_by_product_and_by_share(flows):
    a = MeasureRule("a", "add", 0.25, sel(flows, ["USA"]))
    s = rates(flows, a, exemptions=[ExemptionRule(("a",), sel(flows, None, None, [(201, 4)]))])
    assert_allclose(s.t1_static, [0.25, 0.0, 0.275, 0.04, 0.053])
    # 40% of the car flows exempt (e.g. by end use): 0.25 on the other 60%
    s = rates(flows, a, exemptions=[ExemptionRule(("a",), sel(flows, None, None, [(8703, 4)]), share=0.4)])
    assert_allclose(s.t1_static, [0.15, 0.25, 0.025 + 0.15, 0.29, 0.053])


def test_exclude_products(flows):
    s = rates(flows, MeasureRule("a", "add", 0.10, sel(flows, ["USA"], None, [(0, 0)], [(2, 2)])))
    assert_allclose(s.t1_static, [0.10, 0.0, 0.125, 0.04, 0.053])


def test_customs_entry_stacks_additively(flows):
    # MFN 2.9% + Section 301 25% + Section 232 50% = 77.9%
    one = Flows.build(["USA"], ["CHN"], [7208100000], [10], [100.0], [0.029])
    s = rates(one, MeasureRule("s301", "add", 0.25, sel(one, ["USA"], ["CHN"])),
              MeasureRule("s232", "add", 0.50, sel(one, ["USA"], None, [(72, 2)])))
    assert s.t1_static[0] == pytest.approx(0.779)


def test_floor_against_effective_base_with_utilisation():
    # 15% floor, MFN 5%, KORUS preference 0% used on 90% of trade: base 0.1 * 5% = 0.5%; floor adds 14.5 points
    one = Flows.build(["USA"], ["KOR"], [8501100000], [10], [100.0], base_rate=[0.0], mfn_rate=[0.05])
    pref = PreferenceRule("korus", sel(one, ["USA"], ["KOR"]), rate=0.0, utilisation=0.9)
    s = rates(one, MeasureRule("floor15", "floor", 0.15, sel(one, ["USA"], ["KOR"])), preferences=[pref])
    assert s.t0[0] == pytest.approx(0.005)
    assert s.t1_static[0] - s.t0[0] == pytest.approx(0.145)
    assert s.t1_static[0] == pytest.approx(0.15)


def test_floor_adds_nothing_above_the_floor(flows):
    s = rates(flows, MeasureRule("floor", "floor", 0.03, sel(flows, ["USA"])))
    assert_allclose(s.t1_static, [0.03, 0.03, 0.03, 0.04, 0.053])


def test_preference_from_data_with_utilisation(flows):
    # rate "data": the data's base rate is the preferential rate; 80% use it
    pref = PreferenceRule("korus", sel(flows, ["USA"], ["KOR"]), rate=None, utilisation=0.8)
    s = rates(flows, preferences=[pref])
    assert_allclose(s.t0, [0.2 * 0.025, 0.2 * 0.04, 0.025, 0.04, 0.053])


def test_excludes_on_a_share():
    # Section 232 derivative at 50% on a 60% metal share; the 15% reciprocal tariff only on the other 40%
    one = Flows.build(["USA"], ["KOR"], [7326908688], [10], [100.0], [0.029])
    s232 = MeasureRule("s232", "add", 0.50, sel(one, ["USA"]), share=0.6, excludes=("recip",))
    recip = MeasureRule("recip", "add", 0.15, sel(one, ["USA"]))
    s = rates(one, recip, s232)
    assert s.t1_static[0] == pytest.approx(0.029 + 0.5 * 0.6 + 0.15 * 0.4)
    assert_allclose(rates(one, s232, recip).t1_static, s.t1_static)


def test_max_group_takes_the_highest(flows):
    a = MeasureRule("a", "add", 0.25, sel(flows, ["USA"]), max_group="ieepa")
    b = MeasureRule("b", "add", 0.10, sel(flows, ["USA"]), max_group="ieepa")
    c = MeasureRule("c", "add", 0.05, sel(flows, ["USA"], ["JPN"]))
    s = rates(flows, a, b, c)
    assert_allclose(s.t1_static, [0.25, 0.25, 0.025 + 0.30, 0.04 + 0.30, 0.053])


def test_cap_cut_swiss(flows):
    us = sel(flows, ["USA"])
    assert_allclose(rates(flows, MeasureRule("cap", "cap", 0.03, us)).t1_static, [0.0, 0.0, 0.025, 0.03, 0.053])
    assert_allclose(rates(flows, MeasureRule("cut", "cut", 0.5, us)).t1_static, [0.0, 0.0, 0.0125, 0.02, 0.053])
    # Swiss formula with a = 0.25: t1 = a t / (a + t)
    kor = sel(flows, ["KOR"])
    assert rates(flows, MeasureRule("sw", "swiss", None, kor, coefficient=0.25)).t1_static[4] == \
        pytest.approx(0.25 * 0.053 / (0.25 + 0.053))
    # fixed order set -> cut -> swiss -> cap, whatever the file order
    m = [MeasureRule("cap", "cap", 0.2, kor), MeasureRule("set", "set", 0.5, kor), MeasureRule("cut", "cut", 0.2, kor)]
    assert rates(flows, *m).t1_static[4] == pytest.approx(0.2)   # 0.5 -> 0.4 -> cap 0.2
    assert_allclose(rates(flows, *m[::-1]).t1_static, rates(flows, *m).t1_static)


def test_ntm_is_a_wedge_without_revenue(flows):
    s = rates(flows, MeasureRule("sps", "ntm", 0.12, sel(flows, ["KOR"])))
    assert_allclose(s.t1_static, flows.base_rate)
    assert_allclose(s.ntm1, [0, 0, 0, 0, 0.12])


def test_specific_duty_needs_quantities():
    f = Flows.build(["KOR", "KOR"], ["USA", "AUS"], [201300000, 201300000], [10, 10], [100.0, 50.0],
                    quantity=[10.0, np.nan])
    s = rates(f, MeasureRule("beef", "specific", None, sel(f, ["KOR"]), duty=2.0))
    # $2 per unit on a unit value of $10 = 20% ad valorem equivalent; the flow with no quantity is not priced
    assert_allclose(s.specific_ave0, [0.2, 0.0])
    assert s.unpriced_specific == {"beef": 1}


def test_highest_set_wins_regardless_of_order(flows):
    a = MeasureRule("a", "set", 0.10, sel(flows, ["USA"]))
    b = MeasureRule("b", "set", 0.30, sel(flows, ["USA"]))
    assert_allclose(rates(flows, a, b).t1_static, [0.30, 0.30, 0.30, 0.30, 0.053])
    assert_allclose(rates(flows, b, a).t1_static, rates(flows, a, b).t1_static)


def test_dates(flows):
    m = MeasureRule("a", "add", 0.25, sel(flows, ["USA"]), effective=dt.date(2025, 4, 5), expires=dt.date(2025, 8, 7))
    assert_allclose(rates(flows, m, as_of=dt.date(2025, 4, 4)).t1_static, flows.base_rate)
    assert_allclose(rates(flows, m, as_of=dt.date(2025, 4, 5)).t1_static[:4], flows.base_rate[:4] + 0.25)
    assert_allclose(rates(flows, m, as_of=dt.date(2025, 8, 7)).t1_static, flows.base_rate)
    assert_allclose(rates(flows, m).t1_static[:4], flows.base_rate[:4] + 0.25)


def test_trace_lists_every_step(flows):
    tracer = ScheduleTracer()
    compile_schedule(flows, Plan((MeasureRule("a", "add", 0.25, sel(flows, ["USA"])),),
                                 (ExemptionRule(("a",), sel(flows, None, ["KOR"], [(201, 4)])),)), tracer=tracer)
    labels = [st.label for st in tracer.steps]
    assert labels[0] == "base rate in the data"
    assert any(lab.startswith("exemption") for lab in labels) and "add a" in labels
    # KOR beef: the exemption lifts the add-on, which then adds nothing; JPN beef pays it
    kor_beef = tracer.of_flow(1)
    assert [st["step"] for st in kor_beef] == ["base rate in the data", "exemption of a"]
    assert kor_beef[1] == {"step": "exemption of a", "rate": None, "detail": "lifts a on 100.0% of the flow"}
    jpn_beef = tracer.of_flow(3)
    assert jpn_beef[-1] == {"step": "add a", "rate": pytest.approx(0.29), "detail": "+0.25"}


def test_rates_are_the_same_with_and_without_a_trace(flows):
    # without a trace the contributions are combined in place; the answer must not depend on it
    plan = Plan((MeasureRule("a", "add", 0.10, sel(flows, ["USA"]), max_group="g"),
                 MeasureRule("b", "add", 0.25, sel(flows, None, ["KOR"]), max_group="g"),
                 MeasureRule("c", "floor", 0.15, sel(flows, ["USA"]), max_group="g"),
                 MeasureRule("d", "add", 0.05, sel(flows)),
                 MeasureRule("e", "add", 0.02, sel(flows, ["USA"]))), ())
    quiet, traced = compile_schedule(flows, plan), compile_schedule(flows, plan, tracer=ScheduleTracer())
    assert_allclose(quiet.addon, traced.addon)
    assert_allclose(quiet.t1_static, traced.t1_static)
    assert quiet.addon.max() > 0.25                     # the group's highest plus the others
