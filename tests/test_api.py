"""The notebook API (docs/API.md): the documented examples run as written, and the objects hold what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import simulator
from simulator.errors import InputError

ROOT = Path(__file__).parents[1]
SMALL = ROOT / "tests" / "user_flows" / "scenario_good.toml"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "API.md").read_text("utf-8"), flags=re.S)


def test_the_documented_examples_run(tmp_path, monkeypatch):
    blocks = _examples()
    assert len(blocks) == 2
    for scenario in ROOT.glob("scenarios/*.toml"):           # the examples name scenarios from the working directory
        (tmp_path / "scenarios").mkdir(exist_ok=True)
        (tmp_path / "scenarios" / scenario.name).symlink_to(scenario)
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "docs/API.md", "exec"), {})
    assert (tmp_path / "brief.xlsx").stat().st_size > 0


def test_top_level_names_are_the_functions():
    from simulator import compare, explain, path, run
    assert all(callable(f) for f in (run, compare, path, explain))
    assert compare.__module__ == "simulator.notebook"


def test_run_tables_are_dataframes_matching_the_result():
    r = simulator.run(SMALL)
    for table in ("headline", "countries", "pairs", "balances", "chapters", "effective_rates", "measures", "bands"):
        assert isinstance(getattr(r, table), pd.DataFrame), table
    assert set(r.measures.id) == {"us-cars", "us-kor-85", "rw-free"}
    assert r.pairs.value_new.sum() == pytest.approx(r.result.pairs.value_new.sum())
    assert r.bands.empty
    assert not simulator.run(SMALL, draws=10).bands.empty


@pytest.mark.parametrize("call, name", [
    (lambda: simulator.run(SMALL, as_of="1 May"), "as_of"),
    (lambda: simulator.compare(SMALL), "scenarios"),
    (lambda: simulator.explain(SMALL, "USA", "XXX", "8703"), "exporter"),
])
def test_errors_name_the_parameter(call, name):
    with pytest.raises(InputError) as err:
        call()
    assert name in str(err.value)


def test_a_path_lets_each_dates_result_go_before_the_next_date_runs():
    """A long path holds one date's result at a time: once the caller lets a result go (its headline read, which
    refers back to it), it is freed before the next date runs, without waiting for the cycle collector."""
    import datetime as dt
    import gc
    import weakref

    from simulator import api
    series, _ = api.path(SMALL, [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)])
    gc.disable()
    try:
        before = None
        for _, result in series:
            assert before is None or before() is None
            figures = result.headline.figures
            before = weakref.ref(result)
            del result
    finally:
        gc.enable()
    assert figures


def test_a_dropped_headline_is_built_again_the_same():
    from simulator import api
    result, _ = api.run(SMALL)
    figures = result.headline.figures
    result.drop_headline()
    assert result.headline.figures == figures
