"""The fuzz suite (tests/fuzz.py) in CI: the first cases of seed 0 against the promise of the command line, a sample
of them again as subprocesses, and checks that the oracle itself catches a broken promise.

TARIFFSIM_FUZZ_CASES=10000 runs more cases (or: python -m tests.fuzz --cases 10000 --jobs 2); TARIFFSIM_FUZZ_SEED
another seed. A failure prints the case's files, its command line and how to replay it (docs/FUZZING.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import fuzz
import pytest

CASES = int(os.environ.get("TARIFFSIM_FUZZ_CASES", "240"))
SEED = int(os.environ.get("TARIFFSIM_FUZZ_SEED", "0"))
BLOCK = 20
SAMPLE = sorted({n for n in range(CASES) if n % max(1, CASES // 6) == 5})[:8]


@pytest.mark.parametrize("start", range(0, CASES, BLOCK), ids=lambda s: f"cases-{s}-{min(s + BLOCK, CASES) - 1}")
def test_cases_keep_the_promise(start):
    reports = []
    for n in range(start, min(start + BLOCK, CASES)):
        r = fuzz.run_case(n, SEED)
        if r.problems:
            reports.append(r.report())
    assert not reports, "\n\n".join(reports)


@pytest.mark.parametrize("number", SAMPLE)
def test_a_case_gives_the_same_as_a_subprocess(number):
    """The console script, as a user runs it: the real exit code, and the same output as in this process (so no
    state carried from case to case changes what a case prints)."""
    problems = fuzz.compare_ways(number, SEED)
    assert not problems, fuzz.build(number, SEED).describe() + "\n" + "\n".join(problems)


def test_a_case_is_the_same_every_time():
    for n in (0, 7, 123):
        a, b = fuzz.build(n, SEED), fuzz.build(n, SEED)
        assert (a.family, a.files, a.argv, a.notes) == (b.family, b.files, b.argv, b.notes)
    assert len({repr(fuzz.build(n, SEED).files) for n in range(30)}) > 20, "cases should differ"


def test_the_ci_cases_draw_every_family():
    drawn = {fuzz.build(n, SEED).family for n in range(240)}
    assert drawn == set(fuzz.FAMILIES), set(fuzz.FAMILIES) - drawn


def test_the_toml_writer_round_trips():
    import datetime as dt
    import math
    import tomllib
    doc = {"name": "x\x1b[31m\"\\", "n": -0.0, "big": 10**30, "f": 1e-320, "d": dt.date(9999, 12, 31),
           "data": {"flows": "f.csv", "regions": ["RW", "한국"]}, "measures": [{"id": "a", "rate": 0.25}],
           "odd key": {"x": [1, [2, {"y": True}]]}}
    back = tomllib.loads(fuzz.dumps(doc))
    assert back == doc and math.copysign(1, back["n"]) == -1
    assert tomllib.loads(fuzz.dumps({"x": math.inf}))["x"] == math.inf


# --- the oracle: each broken promise is caught ------------------------------------------------------------------

def _case(tmp_path: Path, argv, output=None, files=None) -> tuple[fuzz.Case, dict]:
    files = files if files is not None else {"scenario.toml": b'name = "s"\n[[exemptions]]\nmeasures = ["*"]\n'}
    case = fuzz.Case(0, 0, "test", files, argv, output)
    fuzz.materialise(case, tmp_path)
    return case, fuzz.snapshot(tmp_path)


def test_the_oracle_accepts_a_kept_promise(tmp_path):
    case, before = _case(tmp_path, ["run", "scenario.toml", "-f", "json"])
    good = fuzz.Outcome(0, json.dumps({"countries": [{"imports_base": 1.0}]}), "", 0.1)
    assert fuzz.check(case, tmp_path, before, good) == []
    bad_input = fuzz.Outcome(1, "", "error: scenario.toml: exemptions[0].exporters[0]: unknown country 'KRO'\n", 0.1)
    assert fuzz.check(case, tmp_path, before, bad_input) == []
    usage = fuzz.Outcome(2, "", "error: --seed: -1 is below 0; see 'tariffsim run --help'\n", 0.1)
    assert fuzz.check(case, tmp_path, before, usage) == []


@pytest.mark.parametrize("outcome, says", [
    (fuzz.Outcome(3, "", "internal error: ValueError: x (rerun with --debug for the traceback)\n", 0.1), "exit code 3"),
    (fuzz.Outcome(1, "", "Traceback (most recent call last):\n  File ...\n", 0.1), "traceback"),
    (fuzz.Outcome(0, '{"countries": [{"imports_base": NaN}]}', "", 0.1), "not strict JSON"),
    (fuzz.Outcome(0, '{"pairs": [{"value_new": null}]}', "", 0.1), "null where an amount is due"),
    (fuzz.Outcome(1, "", "error: scenario.toml: unknown key '\x1b[31m'\n", 0.1), "raw control character"),
    (fuzz.Outcome(1, "", f"error: scenario.toml: the token is {fuzz.CANARY}\n", 0.1), "no scenario printed"),
    (fuzz.Outcome(1, "", "error: scenario.toml: exemptions[3].exporters[0]: unknown country 'KRO'\n", 0.1),
     "has 1 exemptions, not 4"),
    (fuzz.Outcome(1, "", "error: unknown country 'KRO'\n", 0.1), "names no file or option"),
    (fuzz.Outcome(2, "", "Usage: tariffsim run [OPTIONS] FILE\n╭─ Error ─╮\n│ Missing argument │\n", 0.1),
     "one 'error:' line"),
    (fuzz.Outcome(0, "{}", "", 0.1, python_warnings=["RuntimeWarning: invalid value"]), "Python warning"),
    (fuzz.Outcome(0, "{}", "", 0.1, python_warnings=[fuzz.EXCLUDED_WARNING + " (armington.py:10)"]), "Python warning"),
])
def test_the_oracle_catches_a_broken_promise(tmp_path, outcome, says):
    case, before = _case(tmp_path, ["run", "scenario.toml", "-f", "json"])
    problems = fuzz.check(case, tmp_path, before, outcome)
    assert any(says in p for p in problems), problems


def test_the_oracle_catches_a_changed_input_and_a_partial_output(tmp_path):
    case, before = _case(tmp_path, ["run", "scenario.toml", "-o", "out.json"], output="out.json")
    (tmp_path / "scenario.toml").write_text("overwritten")
    (tmp_path / ".out.json.tmp123").write_text("{")
    problems = fuzz.check(case, tmp_path, before, fuzz.Outcome(1, "", "error: scenario.toml: bad\n", 0.1))
    assert any("the directory changed" in p and "scenario.toml" in p and ".out.json.tmp123" in p for p in problems)


def test_the_oracle_reads_a_csv_output(tmp_path):
    case, before = _case(tmp_path, ["run", "scenario.toml", "-f", "csv"])
    text = "table,country,partner,exporter,importer,hs,field,value\ncountries,USA,,,,,imports_base,inf\n"
    problems = fuzz.check(case, tmp_path, before, fuzz.Outcome(0, text, "", 0.1))
    assert any("'inf'" in p for p in problems), problems
