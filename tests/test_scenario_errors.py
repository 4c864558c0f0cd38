"""Bad scenarios: every fixture in tests/bad_scenarios/ must fail cleanly with exit code 1.

The expectations (message fragments, error-line counts, known bugs) live in
tests/bad_scenarios/expected.toml so that a new fixture is one file plus one line there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator.cli import app

ROOT = Path(__file__).parents[1]
BAD = ROOT / "tests" / "bad_scenarios"
EXPECTED = tomllib.loads((BAD / "expected.toml").read_text("utf-8"))
FRAGMENTS: dict[str, list[str]] = {k: v for k, v in EXPECTED.items() if isinstance(v, list)}
ERROR_LINES: dict[str, int] = EXPECTED.get("error_lines", {})
XFAIL: dict[str, str] = EXPECTED.get("xfail", {})
FIXTURES = sorted(p.name for p in BAD.glob("*.toml") if p.name != "expected.toml")


def _params():
    out = []
    for name in FIXTURES:
        marks = [pytest.mark.xfail(reason=XFAIL[name], strict=True)] if name in XFAIL else []
        out.append(pytest.param(name, id=name.removesuffix(".toml"), marks=marks))
    return out


def invoke(*args: str):
    # typer >= 0.2x keeps stdout and stderr apart (result.stdout / result.stderr); there is
    # no mix_stderr argument any more.
    return CliRunner().invoke(app, list(args))


def check_failure(result, name: str) -> list[str]:
    """The common contract of a bad scenario; returns the 'error:' lines."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stdout == "", f"stdout must stay empty on failure, got {result.stdout!r}"
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines, "no message on stderr"
    for ln in lines:
        # one line per problem: no wrapped continuation lines, every line says which file it is about
        assert ln.startswith("error: "), f"not an error line: {ln!r}"
        assert name in ln, f"fixture name missing from {ln!r}"
    low = result.stderr.lower()
    for frag in FRAGMENTS[name]:
        assert frag.lower() in low, f"{frag!r} not in stderr:\n{result.stderr}"
    return lines


def test_every_fixture_has_expectations():
    assert set(FIXTURES) == set(FRAGMENTS), "fixtures and expected.toml entries differ"
    assert set(ERROR_LINES) <= set(FIXTURES) and set(XFAIL) <= set(FIXTURES)
    assert all(FRAGMENTS[n] for n in FIXTURES), "a fixture without fragments tests nothing"
    # the missing-data-file fixture relies on this file not existing
    assert not (BAD / "missing.csv").exists()


@pytest.mark.parametrize("name", _params())
def test_run_fails_with_messages(name):
    lines = check_failure(invoke("run", str(BAD / name)), name)
    assert len(lines) == ERROR_LINES.get(name, 1), lines


@pytest.mark.parametrize("name", _params())
def test_validate_fails_with_same_messages(name):
    lines = check_failure(invoke("validate", str(BAD / name)), name)
    assert len(lines) == ERROR_LINES.get(name, 1), lines


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table"])
def test_failure_is_the_same_in_every_format(fmt):
    result = invoke("run", str(BAD / "unknown_country.toml"), "--format", fmt)
    check_failure(result, "unknown_country.toml")


def test_several_problems_are_reported_at_once():
    name = "several_problems.toml"
    lines = check_failure(invoke("run", str(BAD / name)), name)
    assert len(lines) == 3
    assert len(set(lines)) == 3, "the three problems must be distinct"
    # each problem is located at its own measure
    for i, ln in enumerate(lines):
        assert f"measures[{i}]" in ln, ln


def test_validate_reports_every_file(tmp_path):
    """validate goes on after a bad file and reports the good ones too."""
    good = ROOT / "scenarios" / "baseline.toml"
    result = invoke("validate", str(BAD / "rate_as_text.toml"), str(good), str(BAD / "unknown_key.toml"))
    assert result.exit_code == 1
    assert f"ok: {good}" in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 2
    assert "rate_as_text.toml" in errors[0] and "unknown_key.toml" in errors[1]
    assert "Traceback" not in result.stderr


def test_missing_scenario_file(tmp_path):
    missing = tmp_path / "nope.toml"
    result = invoke("run", str(missing))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "nope.toml" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_directory_instead_of_scenario(tmp_path):
    result = invoke("run", str(tmp_path))
    assert result.exit_code == 1
    assert "directory" in result.stderr
    assert "Traceback" not in result.stderr


def _run(path):
    return subprocess.run([sys.executable, "-m", "simulator.cli", "validate", str(path)], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("case", ["pipe", "device", "deep-extends", "deep-nesting", "nul"])
def test_files_that_would_hang_or_overflow_are_refused(tmp_path, case):
    top = tmp_path / "top.toml"
    if case == "pipe":
        os.mkfifo(tmp_path / "pipe.toml")
        top.write_text('name = "t"\nextends = "pipe.toml"\n')
        says = "is not a regular file"
    elif case == "device":
        top.write_text('name = "t"\nextends = "/dev/zero"\n')
        says = "is not a regular file"
    elif case == "deep-extends":
        for k in range(60):
            (tmp_path / f"s{k}.toml").write_text(f'name = "s{k}"\n' + (f'extends = "s{k + 1}.toml"\n' if k < 59 else ""))
        top = tmp_path / "s0.toml"
        says = "more than 50 files deep"
    elif case == "deep-nesting":
        top.write_text('name = "t"\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
        says = "nested too deeply"
    else:
        top.write_text('name = "t"\nextends = "a\\u0000b.toml"\n')
        says = "NUL character"
    r = _run(top)
    assert r.returncode == 1 and says in r.stderr and "Traceback" not in r.stderr, r.stderr
