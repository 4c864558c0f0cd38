"""Bad scenarios: every fixture in tests/bad_scenarios/ must fail cleanly with exit code 1.

The expectations (message fragments, error-line counts, known bugs) live in
tests/bad_scenarios/expected.toml so that a new fixture is one file plus one line there.
"""

from __future__ import annotations

import os
import re
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
NAMED_FILE: dict[str, str] = EXPECTED.get("named_file", {})
ABSENT: dict[str, list[str]] = EXPECTED.get("absent", {})
FIXTURES = sorted(p.name for p in BAD.glob("*.toml") if p.name != "expected.toml")
# what a terminal acts on rather than shows: no message may carry it raw
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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
    named = NAMED_FILE.get(name, name)
    for ln in lines:
        # one line per problem: no wrapped continuation lines, every line says which file it is about
        assert ln.startswith("error: "), f"not an error line: {ln!r}"
        assert named in ln, f"{named} missing from {ln!r}"
    assert not CONTROL.search(result.stderr), f"a raw control character in {result.stderr!r}"
    low = result.stderr.lower()
    for frag in FRAGMENTS.get(name, []):
        assert frag.lower() in low, f"{frag!r} not in stderr:\n{result.stderr}"
    for text in ABSENT.get(name, []):
        assert text.lower() not in low, f"{text!r} (from a file that is no scenario) printed:\n{result.stderr}"
    return lines


def test_every_fixture_has_expectations():
    assert set(FIXTURES) == set(FRAGMENTS), "fixtures and expected.toml entries differ"
    assert set(ERROR_LINES) <= set(FIXTURES) and set(XFAIL) <= set(FIXTURES)
    assert set(NAMED_FILE) <= set(FIXTURES) and set(ABSENT) <= set(FIXTURES)
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


# --- what the fuzz suite (tests/test_fuzz.py) found at the command line -----------------------------------------

def _cli(args, cwd):
    return subprocess.run([sys.executable, "-m", "simulator.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("args, says", [
    (["run"], "error: FILE: missing argument (Scenario TOML file); see 'tariffsim run --help'"),
    (["explain", "s.toml", "--importer", "USA", "--hs", "87"], "error: --exporter: missing option"),
    (["run", "s.toml", "-o"], "error: -o: Option '-o' requires an argument"),
    (["run", "s.toml", "--seed", "-1"], "error: --seed: "),
    (["run", "s.toml", "--draws", "1000000000"], "error: --draws: "),
    (["run", "s.toml", "--frobnicate"], "error: --frobnicate: No such option"),
    (["run", "s.toml", "--path", "2025-01-01:2025-02-01:end"], "error: --path: unknown step 'end'"),
    (["run", "s.toml", "--as-of", "\x1b[31m"], "error: --as-of: '\\x1b[31m' is not a date"),
    (["RUN"], "error: tariffsim: No such command 'RUN'"),
])
def test_a_usage_error_is_one_line_naming_what_is_wrong(tmp_path, args, says):
    (tmp_path / "s.toml").write_text('name = "s"\n')
    r = _cli(args, tmp_path)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode in (1, 2) and r.stdout == "", (r.returncode, r.stdout)
    assert len(lines) == 1 and lines[0].startswith(says), r.stderr
    assert "\x1b" not in r.stderr and "╭" not in r.stderr and "Traceback" not in r.stderr


def test_a_warning_about_an_overlay_names_its_own_index(tmp_path):
    """validate --strict makes the warning an error: it names the overlay's measures[0], not the merged [3]."""
    uf = ROOT / "tests" / "user_flows"
    (tmp_path / "flows_good.csv").write_bytes((uf / "flows_good.csv").read_bytes())
    (tmp_path / "base.toml").write_bytes((uf / "scenario_good.toml").read_bytes())
    (tmp_path / "top.toml").write_text('name = "top"\nextends = "base.toml"\n[[measures]]\nid = "live-animals"\n'
                                       'rate = 0.1\nimporter = "USA"\nproducts = ["01"]\n')
    lines = check_failure(invoke("validate", "--strict", str(tmp_path / "top.toml")), "top.toml")
    assert lines == ["error: top.toml: measures[0] ('live-animals') matches no flow in the data"]


def test_a_dask_address_that_is_no_address(tmp_path):
    pytest.importorskip("dask.distributed")
    (tmp_path / "s.toml").write_text('name = "s"\n')
    r = _cli(["run", "s.toml", "--draws", "2", "--dask", "x"], tmp_path)
    assert r.returncode == 1 and r.stderr.startswith("error: --dask: no Dask scheduler answered at 'x'"), r.stderr


def test_an_output_name_too_long_for_the_file_system(tmp_path):
    (tmp_path / "s.toml").write_text('name = "s"\n[data]\nflows = "f.csv"\n')
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,KOR,870323,10\n")
    out = "o" * 300 + ".json"
    r = _cli(["run", "s.toml", "-o", out], tmp_path)
    assert r.returncode == 1 and r.stderr == f"error: {out}: cannot be read or written (file name too long)\n", r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "s.toml"]


def test_a_download_nested_too_deeply(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000)
    r = _cli(["data", "import", "census", "deep.json", "-o", "flows.parquet"], tmp_path)
    assert r.returncode == 1 and r.stderr == "error: deep.json: nested too deeply to be a census download\n", r.stderr
    assert not (tmp_path / "flows.parquet").exists()


def test_no_command_prints_the_help(tmp_path):
    r = _cli([], tmp_path)
    assert r.returncode == 2 and "Usage" in r.stdout + r.stderr and "run" in r.stdout + r.stderr


@pytest.mark.parametrize("basis", ["", " ", "census2024"])
def test_basis_option_is_checked_and_blamed_on_the_option(basis):
    lines = check_option_error(invoke("run", str(ROOT / "scenarios" / "baseline.toml"), "--basis", basis))
    assert lines[0].startswith("error: --basis: "), lines


def check_option_error(result) -> list[str]:
    assert result.exit_code == 1 and result.stdout == "", (result.exit_code, result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, lines
    return lines


def test_output_that_is_a_hard_link_to_the_scenario_is_refused(tmp_path):
    s = tmp_path / "s.toml"
    s.write_text('name = "s"\n[data]\nflows = "f.csv"\n')
    (tmp_path / "f.csv").write_text("importer,exporter,hs,value\nUSA,KOR,870323,10\n")
    os.link(s, tmp_path / "same.json")
    before = s.read_bytes()
    lines = check_option_error(invoke("run", str(s), "-o", str(tmp_path / "same.json")))
    assert "is a file this run reads" in lines[0]
    assert s.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "s.toml", "same.json"]


def test_extends_a_loop_of_symbolic_links(tmp_path):
    os.symlink("l2.toml", tmp_path / "l1.toml")
    os.symlink("l1.toml", tmp_path / "l2.toml")
    (tmp_path / "s.toml").write_text('name = "s"\nextends = "l1.toml"\n')
    lines = check_failure(invoke("validate", str(tmp_path / "s.toml")), "s.toml")
    assert "extends: 'l1.toml' is a loop of symbolic links" in lines[0]


def test_a_file_name_with_a_terminal_escape_is_shown_escaped(tmp_path):
    bad = tmp_path / "\x1b[31mred.toml"
    bad.write_text('name = "s"\n')
    r = invoke("run", str(bad))
    assert r.exit_code == 1 and "\x1b" not in r.stderr and "\\x1b[31mred.toml" in r.stderr, r.stderr


def test_a_flows_file_name_with_a_terminal_escape_is_shown_escaped(tmp_path):
    name = "\x1b[31mflows.csv"
    (tmp_path / name).write_bytes((ROOT / "tests" / "user_flows" / "flows_good.csv").read_bytes())
    r = _cli(["data", "coverage", name, "--region", "RW", "--region", "ASIA"], tmp_path)
    assert r.returncode == 0 and "\\x1b[31mflows.csv" in r.stdout and "\x1b" not in r.stdout + r.stderr, r.stdout


def test_an_emoji_code_in_a_message_is_printed_as_written(tmp_path):
    r = invoke("run", str(tmp_path / "a:smile:b.toml"))
    assert r.exit_code == 1 and "a:smile:b.toml" in r.stderr, r.stderr
