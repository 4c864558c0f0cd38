"""Output is UTF-8 whatever the console's encoding (cp949 on Korean Windows, ASCII in a bare container): every
command and format, piped, exits as it should with UTF-8 on stdout and stderr, and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FLOWS = ("importer,exporter,hs,value,base_rate\n"
         "USA,KOR,870323,1000,0.025\nUSA,JPN,870323,800,0.025\nKOR,USA,020130,500,0.40\n")
ROOT = Path(__file__).parents[1]
NAME = "한국 — 자동차 25%"          # a name a console in cp949 or ASCII could not print, were it not UTF-8


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("encoding")
    (d / "flows.csv").write_text(FLOWS, "utf-8")
    (d / "s.toml").write_text(f'name = "{NAME}"\nas_of = 2025-06-01\n[data]\nflows = "flows.csv"\n\n[[measures]]\nid = "cars"\n'
                              'rate = 0.25\nimporter = "USA"\nproducts = ["8703"]\neffective = 2025-04-03\n', "utf-8")
    (d / "bad.toml").write_text(f'name = "{NAME}"\n[data]\nflows = "flows.csv"\n\n[[measures]]\nid = "cars"\n'
                                'rate = 0.25\nimporter = "US"\nexporters = ["UK"]\n', "utf-8")
    return d


def tariffsim(folder: Path, encoding: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    beside = Path(sys.executable).parent / "tariffsim"
    command = [str(beside)] if beside.exists() else [sys.executable, "-m", "simulator.cli"]
    environ = {k: v for k, v in os.environ.items() if k not in ("TARIFFSIM_PROGRESS", "COLUMNS", "LINES")}
    return subprocess.run([*command, *args], cwd=folder, capture_output=True, timeout=300, stdin=subprocess.DEVNULL,
                          env={**environ, "PYTHONIOENCODING": encoding, **(env or {})})


CASES = [
    *[(["run", "s.toml", "-f", f], 0, fmt_says) for f, fmt_says in
      (("table", "→"), ("json", NAME), ("csv", ""), ("markdown", "→"))],
    *[(["compare", "s.toml", "s.toml", "-f", f], 0, says) for f, says in
      (("table", "→"), ("json", NAME), ("csv", ""), ("markdown", "→"))],
    *[(["run", "s.toml", "--path", "2025-01-01:2025-05-01:monthly", "-f", f], 0, says) for f, says in
      (("table", "→"), ("json", NAME), ("csv", ""), ("markdown", ""))],
    (["explain", "s.toml", "--importer", "USA", "--exporter", "KOR", "--hs", "8703"], 0, NAME),
    (["explain", "s.toml", "--importer", "USA", "--exporter", "KOR", "--hs", "8703", "-f", "json"], 0, NAME),
    (["schema"], 0, ""),
    (["validate", "s.toml"], 0, ""),
    (["run", "-h"], 0, ""),
    # 'wrote 새.toml: ...' on stderr; the base named, as an installed copy has no scenarios beside it
    (["new", "새.toml", "--force", "--base", str(ROOT / "scenarios" / "in-force.toml")], 0, ""),
    (["run", "bad.toml"], 1, ""),                          # two problems: 'US' for 'USA', 'UK' for 'GBR'
    (["run", "시나리오.toml"], 1, "시나리오.toml"),          # not found: its name said as written
    (["run", "s.toml", "--bogus"], 2, ""),
]


@pytest.mark.parametrize("args, code, says", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_every_command_and_format_writes_utf8(folder, args, code, says):
    r = tariffsim(folder, "cp949", *args)
    out, err = r.stdout.decode("utf-8"), r.stderr.decode("utf-8")      # strict: raises on anything else
    assert r.returncode == code, err
    assert "Traceback" not in out + err
    shown = out if code == 0 else err
    if code == 0 and "json" in args:
        shown = json.dumps(json.loads(out), ensure_ascii=False)      # the name as written, or \u-escaped
    assert says in shown
    if code:
        assert not out and all(line.startswith("error: ") for line in err.splitlines()), err
    if args[0] == "run" and code == 1 and "bad.toml" in args:
        assert len(err.splitlines()) == 2 and "did you mean 'USA'?" in err and "'GBR'" in err


def test_ascii_console_and_progress_bars(folder):
    r = tariffsim(folder, "ascii", "run", "s.toml", "--draws", "10", "-f", "markdown", env={"TARIFFSIM_PROGRESS": "on"})
    assert r.returncode == 0
    assert "→" in r.stdout.decode("utf-8") and "draws" in r.stderr.decode("utf-8")


def test_a_file_name_that_is_not_utf8_is_escaped_not_a_crash(folder):
    if sys.platform == "win32" or os.fsencode("x") != b"x":
        pytest.skip("POSIX file names")
    name = b"\xff.toml"
    with open(os.path.join(os.fsencode(folder), name), "wb") as f:
        f.write((folder / "s.toml").read_bytes())
    for encoding in ("cp949", "utf-8"):
        ok = tariffsim(folder, encoding, "validate", os.fsdecode(name))
        assert ok.returncode == 0 and ok.stderr.decode("utf-8") == "ok: \\udcff.toml\n", ok.stderr
        missing = tariffsim(folder, encoding, "run", os.fsdecode(b"\xfe.toml"))
        assert missing.returncode == 1 and missing.stderr.decode("utf-8") == \
            "error: \\udcfe.toml: scenario file not found\n", missing.stderr
        table = tariffsim(folder, encoding, "run", os.fsdecode(name))
        assert table.returncode == 0 and "\\udcff.toml" in table.stdout.decode("utf-8")
