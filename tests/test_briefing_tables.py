"""Tables ready for a briefing: Markdown well formed everywhere, human numbers, caveats and dates in compare's
Markdown, --label, chapters across every partner, and no option silently ignored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator.cli import app

ROOT = Path(__file__).parents[1]
SMALL = ROOT / "tests" / "user_flows" / "scenario_good.toml"
IN_FORCE = ROOT / "scenarios" / "in-force.toml"
RECIPROCAL = ROOT / "scenarios" / "reciprocal-25.toml"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _cells(line: str) -> int:
    return len(re.split(r"(?<!\\)\|", line.strip())) - 2          # the pipes at both ends frame the cells


def _tables(markdown: str) -> list[list[str]]:
    blocks, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def _assert_well_formed(markdown: str) -> int:
    tables = _tables(markdown)
    for t in tables:
        assert re.fullmatch(r"\|(-{3}:?\|)+|\|(---:?\|)+", t[1]), t[:2]
        widths = {_cells(line) for line in t}
        assert len(widths) == 1, (t[0], widths)
    return len(tables)


@pytest.mark.parametrize("args", [
    ("run", SMALL, "-f", "markdown"),
    ("run", SMALL, "-f", "markdown", "--detail", "products"),
    ("run", SMALL, "-f", "markdown", "--draws", "10"),
    ("run", SMALL, "-f", "markdown", "--path", "2025-01-01:2025-03-01:monthly"),
    ("compare", SMALL, SMALL, "-f", "markdown"),
])
def test_every_markdown_table_is_well_formed(args):
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert _assert_well_formed(result.stdout) >= 1


def test_path_markdown_has_human_numbers():
    out = invoke("run", SMALL, "-f", "markdown", "--path", "2025-01-01:2025-03-01:monthly").stdout
    assert "e+" not in out and "%" in out and "Date" in out.splitlines()[0]


def test_path_carries_its_caveats_in_every_format():
    """The caveats of the path's first date (the same data and model on every date): JSON notes, a Markdown Notes
    list, and in the CSV a row per note after the figures, with the text in the last column."""
    import csv
    import io
    import json
    path = ("--path", "2025-01-01:2025-03-01:monthly")
    notes = json.loads(invoke("run", SMALL, "-f", "json", *path).stdout)["notes"]
    assert notes and any("Scenario" in n or "Model" in n for n in notes)
    md = invoke("run", SMALL, "-f", "markdown", *path).stdout
    assert "**Notes**" in md and all(f"- {n}" in md for n in notes)
    rows = list(csv.DictReader(io.StringIO(invoke("run", SMALL, "-f", "csv", *path).stdout)))
    figures = [r for r in rows if not r["note"]]
    assert figures and {r["date"] for r in figures} == {"2025-01-01", "2025-02-01", "2025-03-01"}
    noted = rows[len(figures):]
    assert [r["note"] for r in noted] == notes and all(v == "" for r in noted for k, v in r.items() if k != "note")


@pytest.mark.parametrize("args, option", [
    (("run", SMALL, "--path", "2025-01-01:2025-03-01:monthly", "--draws", "10"), "--path"),
    (("run", SMALL, "--path", "2025-01-01:2025-03-01:monthly", "-f", "csv", "--detail", "products"), "--path"),
    (("run", SMALL, "--detail", "products"), "--detail"),
    (("run", SMALL, "--seed", "3"), "--seed"),
    (("compare", SMALL, SMALL, "--seed", "3"), "--seed"),
    (("compare", SMALL, SMALL, "--label", "only one"), "--label"),
    (("compare", SMALL, SMALL, "--label", "a", "--label", "a"), "--label"),
])
def test_no_option_is_silently_ignored(args, option):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert f"error: {option}:" in result.stderr


def test_labels_name_the_columns_and_markdown_carries_dates_and_notes():
    result = invoke("compare", IN_FORCE, RECIPROCAL, "--label", "In force", "--label", "25%", "-f", "markdown")
    assert result.exit_code == 0, result.output
    out = result.stdout
    header = next(line for line in out.splitlines() if line.startswith("| Figure"))
    assert "In force" in header and "25%" in header and "in-force.toml" not in header
    assert "as of 2025-12-01" in out
    notes = out.split("### Notes", 1)[1]
    assert "base rate" in notes                     # the data caveats the terminal shows
    chapters = out.split("### HS chapters that differ most", 1)[1].split("###", 1)[0]
    flows = {line.split("|")[1].strip() for line in chapters.splitlines()[2:] if line.startswith("|")}
    assert any(not f.startswith("KOR") and f != "USA → KOR" for f in flows), flows   # not only Korea–US


def test_explain_lists_the_largest_flows_first():
    import json
    doc = json.loads(invoke("explain", IN_FORCE, "--importer", "USA", "--exporter", "KOR", "--hs", "8703",
                            "-f", "json").stdout)
    values = [f["value"] for f in doc["flows"]]
    assert len(values) > 2 and values == sorted(values, reverse=True)


def test_explain_names_the_set_measure_and_writes_csv_and_markdown():
    import csv
    import io
    out = invoke("explain", SMALL, "--importer", "USA", "--exporter", "KOR", "--hs", "85", "-f", "csv")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["step"] for r in rows][:2] == ["base rate in the data", "set us-kor-85"]
    assert float(rows[-1]["rate_after"]) == pytest.approx(0.10)
    md = invoke("explain", SMALL, SMALL, "--importer", "USA", "--exporter", "KOR", "--hs", "85", "-f", "markdown")
    assert md.exit_code == 0 and "set us-kor-85" in md.stdout and "Rate by scenario" in md.stdout
    assert _assert_well_formed(md.stdout) == 3


def test_run_table_and_markdown_show_the_trade_each_measure_covers():
    import json
    doc = json.loads(invoke("run", SMALL, "-f", "json").stdout)
    live = sorted((m for m in doc["measures"] if m["in_force"]), key=lambda m: (-m["value_base"], m["id"]))
    for fmt in ("table", "markdown"):
        out = invoke("run", SMALL, "-f", fmt).stdout
        section = out[out.index("Measures in force that cover most trade"):]
        positions = [section.index(m["id"]) for m in live]
        assert positions == sorted(positions), fmt              # most trade first


def test_compare_fits_80_columns_with_every_figure():
    import os
    import subprocess
    import sys
    env = {**os.environ, "COLUMNS": "80"}
    wide = subprocess.run([sys.executable, "-m", "simulator.cli", "compare", *[str(SMALL)] * 4, "--draws", "10"],
                          capture_output=True, text=True, env={**env, "COLUMNS": "200"}, timeout=300)
    narrow = subprocess.run([sys.executable, "-m", "simulator.cli", "compare", *[str(SMALL)] * 4, "--draws", "10"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert narrow.returncode == 0 == wide.returncode, narrow.stderr
    lines = narrow.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    assert max(map(len, wide.stdout.splitlines())) > 80           # the side-by-side layout needs more
    numbers = lambda text: sorted(re.findall(r"[-+]?\d[\d,]*\.\d\d", text))  # noqa: E731
    assert numbers(narrow.stdout) and set(numbers(wide.stdout)) <= set(numbers(narrow.stdout))
    assert "A = 1: scenario_good.toml" in narrow.stdout
