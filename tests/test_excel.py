"""Excel workbooks from `run -o FILE.xlsx` and `compare -o FILE.xlsx`: one sheet per table, numbers as numbers
with formats, a title row, the same figures as the JSON, the same bytes for the same inputs."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from simulator.cli import app

ROOT = Path(__file__).parents[1]
SMALL = ROOT / "tests" / "user_flows" / "scenario_good.toml"
EXEMPTION = ROOT / "scenarios" / "exemption.toml"
IN_FORCE = ROOT / "scenarios" / "in-force.toml"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(min_row=4, values_only=True))


def _header(ws) -> list[str]:
    return [c for c in next(ws.iter_rows(min_row=3, max_row=3, values_only=True))]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("xl") / "small.xlsx"
    result = invoke("run", SMALL, "-o", out)
    assert result.exit_code == 0, result.output
    doc = json.loads(invoke("run", SMALL, "-f", "json").stdout)
    return out, doc


def test_run_workbook_has_a_sheet_per_table_and_a_title_row(small_run):
    out, doc = small_run
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:6] == ["Headline", "Effective tariff USA", "Countries", "Pairs", "Balances", "Chapters"]
    assert {"Measures", "Notes"} <= set(wb.sheetnames)
    for ws in wb:
        title = ws["A1"].value
        assert doc["scenario"]["name"] in title and "basis" in title and "tariffsim" in title, (ws.title, title)


def test_run_workbook_numbers_are_the_json_figures_with_formats(small_run):
    out, doc = small_run
    ws = openpyxl.load_workbook(out)["Pairs"]
    header = _header(ws)
    assert header[:3] == ["exporter", "importer", "value_base (US$ bn)"]
    by_pair = {(r[0], r[1]): r for r in _rows(ws)}
    assert len(by_pair) == len(doc["pairs"])
    for p in doc["pairs"]:
        row = by_pair[(p["exporter"], p["importer"])]
        assert isinstance(row[2], (int, float)) and row[2] == pytest.approx(p["value_base"], rel=1e-12)
        assert row[3] == pytest.approx(p["value_new"], rel=1e-12)
    rate_col = header.index("tariff_rate_new (%)") + 1
    assert ws.cell(4, rate_col).number_format == "0.00%"
    assert ws.cell(4, 3).number_format.startswith("#,##0.00,,,")     # US$ shown in billions


def test_run_workbook_notes_carry_sources_and_measures_their_references(small_run):
    out, doc = small_run
    wb = openpyxl.load_workbook(out)
    notes = [r[1] for r in _rows(wb["Notes"])]
    for n in doc["notes"]:
        assert n in notes
    assert doc["scenario"]["sha256"] in notes
    measures = {r[0]: r for r in _rows(wb["Measures"])}
    assert set(measures) == {m["id"] for m in doc["measures"]}


def test_the_same_run_gives_the_same_bytes(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert invoke("run", SMALL, "-o", a).exit_code == 0
    assert invoke("run", SMALL, "-o", b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_compare_workbook_puts_scenarios_side_by_side_with_deltas(tmp_path):
    out = tmp_path / "brief.xlsx"
    result = invoke("compare", IN_FORCE, EXEMPTION, "-o", out)
    assert result.exit_code == 0, result.output
    labels = json.loads(invoke("compare", IN_FORCE, EXEMPTION, "-f", "json").stdout)["labels"]
    wb = openpyxl.load_workbook(out)
    assert {"Headline", "Chapters that differ", "Pairs", "Balances", "Countries", "Chapters", "Measures",
            "Notes"} <= set(wb.sheetnames)
    ws = wb["Headline"]
    header = _header(ws)
    assert header[0] == "figure" and header[-2:] == ["exemption.toml vs in-force.toml", "unit"]
    rows = {(r[0], r[1]): r for r in _rows(ws)}
    balance = rows[("balance", "KOR vs USA")]
    first, second, delta = balance[2], balance[3], balance[4]
    assert delta == pytest.approx(second - first)
    assert first != second                      # the exemption moves Korea's balance
    assert header[2:4] == labels
    assert {r[0] for r in _rows(wb["Measures"])} == set(labels)
    assert all(r[4] for r in _rows(wb["Measures"]) if r[1].startswith("us-s232"))    # legal references


def test_bands_sheet_when_drawn(tmp_path):
    out = tmp_path / "bands.xlsx"
    assert invoke("run", SMALL, "--draws", "20", "-o", out).exit_code == 0
    ws = openpyxl.load_workbook(out)["Bands"]
    rows = _rows(ws)
    assert rows and all(r[2] <= r[3] <= r[4] for r in rows if None not in r[2:5])


@pytest.mark.parametrize("args, fragment", [
    (("run", SMALL, "-f", "xlsx"), "give -o FILE.xlsx"),
    (("run", SMALL, "--path", "2025-01-01:2025-03-01:monthly", "-o", "p.xlsx"), "'run' and 'compare' only"),
    (("run", SMALL, "-o", "brief.xls"), ".xlsx"),
])
def test_workbook_usage_errors(tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr
    assert not list(tmp_path.iterdir())          # nothing written
