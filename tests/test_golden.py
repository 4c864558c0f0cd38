"""Every shipped scenario against its stored headline figures (tests/golden.py says how to regenerate)."""

import json
import math

import pytest
from golden import ABS_TOL, GOLDEN, RATE_TOL, REL_TOL, SCENARIOS, compute

NAMES = sorted(p.stem for p in SCENARIOS.glob("*.toml")) + ["in-force-path-2025"]


@pytest.fixture(scope="module")
def current():
    return compute()


def _close(path, want, got):
    if isinstance(want, dict):
        assert set(want) == set(got), path
        for k in want:
            _close(f"{path}.{k}", want[k], got[k])
    elif isinstance(want, list):
        assert len(want) == len(got), path
        for i, (w, g) in enumerate(zip(want, got)):
            _close(f"{path}[{i}]", w, g)
    elif isinstance(want, float) or isinstance(got, float):
        if want is None or got is None or (isinstance(want, float) and math.isnan(want)):
            assert want == got or (want != want and got != got), path
            return
        tol = RATE_TOL if "rate" in path.rsplit(".", 1)[-1] else max(ABS_TOL, REL_TOL * abs(want))
        assert abs(got - want) <= tol, f"{path}: stored {want}, now {got}"
    else:
        assert want == got, path


def test_every_scenario_has_a_golden_file():
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_matches_golden(name, current):
    stored = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    _close(name, stored, current[name])
