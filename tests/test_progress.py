"""Progress of long work: a plain callback through the API that changes no result, drawn by the command line as bars
on stderr only when it is a terminal (or TARIFFSIM_PROGRESS=on), never on stdout, never in pipes or tests."""

from __future__ import annotations

import ast
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator import api
from simulator.report import render
from simulator.uncertainty import Draws

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "simulator"
FLOWS = ("importer,exporter,hs,value,base_rate\n"
         "USA,KOR,870323,1000,0.025\nUSA,JPN,870323,800,0.025\nUSA,DEU,870323,600,0.025\n"
         "KOR,USA,020130,500,0.40\nKOR,JPN,020130,300,0.40\nJPN,USA,870323,200,0\n")
MEASURES = ('[[measures]]\nid = "cars"\nrate = 0.25\nimporter = "USA"\nproducts = ["8703"]\n'
            'effective = 2025-04-03\n')


def scenario(tmp_path: Path) -> Path:
    (tmp_path / "flows.csv").write_text(FLOWS, "utf-8")
    path = tmp_path / "s.toml"
    path.write_text(f'name = "s"\n[data]\nflows = "flows.csv"\n\n{MEASURES}', "utf-8")
    return path


class Heard:
    def __init__(self):
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, task: str, done: int, total: int) -> None:
        self.calls.append((task, done, total))

    def of(self, task: str) -> list[int]:
        return [done for t, done, _ in self.calls if t == task]


def _counted(heard: Heard, task: str, total: int):
    done = heard.of(task)
    assert done[0] == 0 and done[-1] == total and done == sorted(done), (task, heard.calls)
    assert {t for t, _, n in heard.calls if t == task and n != total} == set()


# --- the API: told of the work, the results the same to the bit ----------------------------------------------

def test_draws_and_flows_file_are_told_and_change_nothing(tmp_path):
    s = scenario(tmp_path)
    plain, _ = api.run(s, draws=Draws(40, 3))
    heard = Heard()
    told, _ = api.run(s, draws=Draws(40, 3), progress=heard)
    assert render(told, "json", "products") == render(plain, "json", "products")
    _counted(heard, "s.toml: draws", 40)
    _counted(heard, "reading flows.csv", 6)


def test_path_dates_are_told_and_change_nothing(tmp_path):
    s = scenario(tmp_path)
    when = api.dates(dt.date(2025, 1, 1), dt.date(2025, 6, 1), "monthly")
    plain = [render(r, "json", None) for _, r in api.path(s, when)[0]]
    heard = Heard()
    series, _ = api.path(s, when, progress=heard)
    told = [render(r, "json", None) for _, r in series]
    assert told == plain
    _counted(heard, "s.toml: dates", len(when))


def test_validate_and_compare_are_told(tmp_path):
    s = scenario(tmp_path)
    heard = Heard()
    api.validate(s, progress=heard)
    _counted(heard, "reading flows.csv", 6)
    heard = Heard()
    cmp, _ = api.compare([s, s], draws=Draws(5, 0), progress=heard)
    _counted(heard, "scenarios", 2)
    assert heard.of("s.toml: draws").count(5) == 2


def test_the_core_draws_nothing():
    """No module below the command line and the reports imports rich: they tell a callback, the command line draws."""
    for path in PACKAGE.rglob("*.py"):
        top = path.relative_to(PACKAGE).with_suffix("").parts[0]
        if top in ("cli", "report"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not any(n.split(".")[0] == "rich" for n in names), path.relative_to(PACKAGE)


# --- the command line: bars on a terminal's stderr, nothing elsewhere ---------------------------------------

def _console_script() -> list[str]:
    beside = Path(sys.executable).parent / "tariffsim"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "simulator.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TARIFFSIM_PROGRESS"}
    return {**env, **extra}


def _run(args, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*_console_script(), *map(str, args)], capture_output=True, env=_env(**env), timeout=300,
                          stdin=subprocess.DEVNULL)


COMMANDS = [
    (["run", "{s}", "--draws", "30", "-f", "json"], "s.toml: draws", "30/30"),
    (["run", "{s}", "--path", "2025-01-01:2025-05-01:monthly", "-f", "csv"], "s.toml: dates", "5/5"),
    (["validate", "{s}"], "reading flows.csv", "6/6"),
    (["compare", "{s}", "{s}", "-f", "json"], "scenarios", "2/2"),
]


@pytest.mark.parametrize("args, task, end", COMMANDS, ids=[c[1] for c in COMMANDS])
def test_no_terminal_no_bars(tmp_path, args, task, end):
    s = scenario(tmp_path)
    args = [a.format(s=s) for a in args]
    quiet = _run(args)
    assert quiet.returncode == 0, quiet.stderr
    assert task.encode() not in quiet.stderr and b"\x1b" not in quiet.stderr
    forced = _run(args, TARIFFSIM_PROGRESS="on")
    assert forced.returncode == 0 and forced.stdout == quiet.stdout          # stdout the same, to the byte
    assert task.encode() in forced.stderr and end.encode() in forced.stderr
    if task.endswith("draws"):
        off = _run(["--no-progress", *args], TARIFFSIM_PROGRESS="on")
        assert off.stdout == quiet.stdout and off.stderr == quiet.stderr


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a terminal")
def test_bars_on_a_terminal(tmp_path):
    s = scenario(tmp_path)
    command = " ".join([*_console_script(), "run", str(s), "--draws", "30", "-f", "json", "-o", str(tmp_path / "r.json")])
    on_tty = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, env=_env(), timeout=300,
                            stdin=subprocess.DEVNULL)
    assert on_tty.returncode == 0, on_tty.stdout
    assert b"s.toml: draws" in on_tty.stdout and b"30/30" in on_tty.stdout
    off = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, timeout=300,
                         env=_env(TARIFFSIM_PROGRESS="off"), stdin=subprocess.DEVNULL)
    assert off.returncode == 0 and b"draws" not in off.stdout
    piped = _run(["run", s, "--draws", "30", "-f", "json"])
    assert (tmp_path / "r.json").read_bytes() == piped.stdout
