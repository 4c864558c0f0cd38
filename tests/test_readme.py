"""The README's commands and examples are the ones that work."""

import dataclasses
import json
import re

from typer.testing import CliRunner

from simulator import fields
from simulator.cli import app
from simulator.headline import Band
from simulator.records import CommitmentOutcome, MeasureSummary, Provenance, QuotaOutcome


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_ci_runs_the_readme_test_command(root):
    readme = (root / "README.md").read_text()
    commands = [b.strip() for b in _blocks(readme, "sh")]
    assert len(commands) >= 2
    install_and_run, install_and_test = commands[0], commands[1]
    assert "tariffsim run scenarios/exemption.toml" in install_and_run
    assert install_and_test in (root / ".ci" / "run").read_text()


def test_readme_own_data_example_runs(root, tmp_path):
    readme = (root / "README.md").read_text()
    flows = next(b for b in _blocks(readme, "text") if b.startswith("importer,exporter"))
    scenario = next(b for b in _blocks(readme, "toml") if "flows.csv" in b)
    (tmp_path / "flows.csv").write_text(flows)
    (tmp_path / "s.toml").write_text(scenario)
    res = CliRunner().invoke(app, ["run", str(tmp_path / "s.toml"), "--format", "json"])
    assert res.exit_code == 0, res.output
    pairs = {(p["exporter"], p["importer"]): p for p in json.loads(res.stdout)["pairs"]}
    # Armington (the default) in HOME's market: spending shares 110/165 and 55/165; RW's landed price
    # rises by 1.30 / 1.10; no estimate for these regions, so sigma = 3.1 (the default); eta = -1; price takers
    s_home, s_rw, rq, sigma = 110 / 165, 55 / 165, 1.30 / 1.10, 3.1
    rP = (s_home + s_rw * rq ** (1 - sigma)) ** (1 / (1 - sigma))
    assert abs(pairs[("RW", "HOME")]["value_new"] - 50 * (rq / rP) ** -sigma / rP) < 1e-9
    assert abs(pairs[("HOME", "HOME")]["value_new"] - 100 * rP ** sigma / rP) < 1e-9
    assert pairs[("HOME", "RW")]["value_new"] == 40


def test_readme_shows_the_real_output_of_the_first_command(root):
    """The tables quoted in the README are what `tariffsim run scenarios/exemption.toml` prints."""
    readme = (root / "README.md").read_text()
    quoted = next(b for b in _blocks(readme, "text") if "Bilateral trade" in b)
    res = CliRunner().invoke(app, ["run", str(root / "scenarios" / "exemption.toml")])
    assert res.exit_code == 0, res.stderr
    tables = lambda t: t[t.index("Bilateral trade"):t.index("Notes")].rstrip()  # noqa: E731
    assert tables(quoted) == tables(res.stdout)


# --- the JSON contract: the README lists the fields the writers write, from their one definition -------------

def _contract(readme: str) -> str:
    return readme[readme.index("## The JSON contract"):readme.index("## Layout")]


def _named(text: str) -> list[str]:
    """The field names a passage lists: the names in backticks outside parentheses (which explain them), with
    comma-separated lists split."""
    while (inner := re.sub(r"\([^()]*\)", "", text)) != text:
        text = inner
    names = [n.strip() for quoted in re.findall(r"`([^`]*)`", text) for n in quoted.split(",")]
    return [n for n in names if re.fullmatch(r"[a-z_][a-z0-9_]*", n)]


def _field_names(record) -> list[str]:
    return [f.name for f in dataclasses.fields(record)]


def test_readme_lists_the_output_fields_as_defined(root):
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", _contract((root / "README.md").read_text()), flags=re.M))
    expected = {
        "scenario": _field_names(Provenance),
        **{t.name: t.fields for t in (fields.COUNTRIES, fields.PAIRS, fields.PRICES, fields.BALANCES, fields.CHAPTERS,
                                      fields.PRODUCTS)},
        "effective_rates": ["importer", "rows", *fields.EFFECTIVE_RATES.fields],
        "measures": _field_names(MeasureSummary),
        "instruments": _field_names(QuotaOutcome) + _field_names(CommitmentOutcome),
        "notes": [],
        "bands": _field_names(Band),
    }
    assert set(rows) == set(expected)
    for key, names in expected.items():
        assert _named(rows[key]) == names, key


def test_readme_lists_the_keys_and_columns_the_commands_write(root, tmp_path):
    readme = (root / "README.md").read_text()
    contract = _contract(readme)
    run_csv, compare_csv = (_named(f"`{c}`") for c in re.findall(r"with columns\s+`([^`]*)`", contract))
    assert run_csv == fields.CSV_COLUMNS and compare_csv == fields.COMPARE_CSV_COLUMNS
    (tmp_path / "flows.csv").write_text(next(b for b in _blocks(readme, "text") if b.startswith("importer,exporter")))
    (tmp_path / "s.toml").write_text(next(b for b in _blocks(readme, "toml") if "flows.csv" in b))
    run = CliRunner().invoke(app, ["run", str(tmp_path / "s.toml"), "-f", "json", "--detail", "products"])
    assert run.exit_code == 0, run.output
    assert set(json.loads(run.stdout)) == set(re.findall(r"^\| `(\w+)` \|", contract, flags=re.M))
    compared = CliRunner().invoke(app, ["compare", str(tmp_path / "s.toml"), str(tmp_path / "s.toml"), "-f", "json"])
    assert compared.exit_code == 0, compared.output
    assert set(json.loads(compared.stdout)) <= set(_named(contract[contract.index("`tariffsim compare"):]))
