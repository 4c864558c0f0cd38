"""`tariffsim schema`: a JSON Schema an editor can load, that agrees with `tariffsim validate`.

The schema describes one file as written, as a TOML editor sees it: TOML dates become ISO strings and inf or nan
become null (taplo, the validator of VS Code's Even Better TOML, does this; JSON has no infinity). A file with
`extends` is checked on its own text: its name and an instrument's other keys may come from its base, so only an
instrument without an `id` must be whole there.

What is checked against it:
- every shipped scenario (scenarios/**/*.toml) and every example file (docs/examples/**/*.toml): all valid;
- every ```toml block of docs/*.md and README.md whose top-level keys are keys of the scenario language: a block
  with `name` or `extends` is a whole file and checked as it is; any other is a fragment of one (a [[measures]]
  table, an [elasticities] table) and is checked with a name added, so its instruments must be whole, unless it
  is a template of the keys, with "..." for values (docs/SCENARIOS.md). A block none of whose keys is a scenario
  key is some other file (a .taplo.toml) and is left out; one that mixes the two fails;
- every fixture of tests/bad_scenarios/: those the schema can see must be rejected, at the key named below, and
  the others accepted (so that the list stays true), while `tariffsim validate` rejects them all.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from simulator import hs
from simulator.cli import app
from simulator.errors import has_control
from simulator.scenario import json_schema
from simulator.scenario import schema as lang

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad_scenarios"
FIXTURES = sorted(p.name for p in BAD.glob("*.toml") if p.name != "expected.toml")

# The bad fixtures the schema rejects, each with where (the JSON path of the first error): a wrong type, a number
# out of range, a missing or unknown key, a repeated or "*"-beside-codes list, a name, text or HS prefix that is
# none. All of them are in the file's own text.
SCHEMA_REJECTS = {
    "rate_as_text.toml": "measures/0/rate",                    # "25%": text for a number
    "rate_out_of_range.toml": "measures/0/rate",               # 25: above 500%
    "floor_as_percent.toml": "measures/0/rate",                # 15: above 500%
    "wrong_type.toml": "measures/0/importer",                  # 5 for a code or a list of codes
    "measures_not_an_array.toml": "measures",                  # a number for an array of tables
    "missing_required_key.toml": "measures/0",                 # an 'add' measure without its rate
    "several_problems.toml": "measures/0/rate",                # text for a rate, a typo'd key, no rate
    "unknown_key.toml": "measures/0",                          # 'prodcts'
    "key_of_another_instrument.toml": "exemptions/0",          # an exemption with a rate
    "key_with_terminal_escape.toml": "",                       # an unknown key (with an escape in it)
    "overlay_merged_key.toml": "measures/0/rate",              # "25%" in an overlay's own text
    "unknown_model.toml": "model/name",                        # 'cge': not one of the models
    "elasticity_out_of_range.toml": "elasticities/import_demand",  # -1e308: below -100
    "hs_prefix_letters.toml": "measures/0/products/0",         # '84713X'
    "hs_prefix_lost_zero.toml": "measures/0/products/0",       # '20130': five digits
    "star_beside_codes.toml": "measures/0/exporters",          # ["*", "KRO"]
    "exemption_lists_a_measure_twice.toml": "exemptions/0/measures",
    "excludes_twice.toml": "measures/1/excludes",
    "id_with_markup.toml": "measures/0/id",                    # 'us[/]cars': not a plain name
    "group_named_star.toml": "groups",                         # a group named "*"
    "region_named_star.toml": "data/regions/0",                # a region named "*"
    "basis_empty.toml": "data/basis",                          # ""
    "name_with_terminal_escape.toml": "name",                  # a control character in the name
}

# The bad fixtures no JSON Schema of one file can see: validate rejects them, the schema lets them through.
BEYOND_SCHEMA = {
    # not TOML at all: nothing to check
    "syntax_error.toml": "does not parse",
    "syntax_error_quotes_nothing.toml": "does not parse",
    # names checked against the dataset, the bundled lists or the other instruments
    "unknown_country.toml": "a country the dataset does not have",
    "unknown_country_transposed.toml": "a country the dataset does not have",
    "country_without_flows.toml": "a country without flows in the dataset",
    "unknown_product_list.toml": "a product list that does not exist",
    "unknown_measure_id.toml": "a measure id no measure has",
    "unknown_group.toml": "a group the file does not define",
    "unknown_basis.toml": "a basis the dataset does not have",
    "mirror_unknown.toml": "a mirror of a measure that does not exist",
    "mirror_swiss_without_coefficient.toml": "what the mirrored measure lacks",
    "mirror_cut_above_one.toml": "the mirrored measure's cut times the scale",
    "overlay_error_in_overlay.toml": "a country the dataset does not have",
    # relations between keys that JSON Schema cannot compare
    "expires_before_effective.toml": "two dates in order",
    "trq_rates_reversed.toml": "out_rate below in_rate",
    "duplicate_measure_id.toml": "an id used twice",
    "measure_excludes_itself.toml": "a measure naming its own id",
    "measure_mirrors_itself.toml": "a measure naming its own id",
    # extends, and the files a scenario reads
    "circular_a.toml": "extends",
    "circular_b.toml": "extends",
    "extends_missing.toml": "extends",
    "extends_name_too_long.toml": "extends",
    "extends_settings_file.toml": "extends",
    "extends_text_file.toml": "extends",
    "overlay_conflict.toml": "extends: disable and redefine one id",
    "overlay_disable_unknown.toml": "extends: disable an id the base lacks",
    "error_in_base.toml": "a problem in the base file",
    "base_instruments_not_tables.toml": "a problem in the base file",
    "base_id_is_a_table.toml": "a problem in the base file",
    "data_error_in_base.toml": "the base's flows file",
    "missing_data_file.toml": "a flows file that does not exist",
    "flows_not_a_flows_file.toml": "the flows file's content",
    "flows_duplicate_columns.toml": "the flows file's content",
}


@pytest.fixture(scope="module")
def text() -> str:
    res = CliRunner().invoke(app, ["schema"])
    assert res.exit_code == 0, res.stderr
    return res.stdout


@pytest.fixture(scope="module")
def validator(text):
    doc = json.loads(text)
    jsonschema.Draft7Validator.check_schema(doc)
    return jsonschema.Draft7Validator(doc, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def as_an_editor_sees_it(value):
    """A TOML document as taplo hands it to the JSON Schema: dates and times as ISO text, inf and nan as null."""
    if isinstance(value, dict):
        return {k: as_an_editor_sees_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_an_editor_sees_it(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.time)):           # datetime is a date
        return value.isoformat()
    return value


def errors(validator, doc: dict) -> list[str]:
    """The schema's errors, each as 'path: message', first by position in the file."""
    found = sorted(validator.iter_errors(as_an_editor_sees_it(doc)), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in found]


# --- the schema itself -------------------------------------------------------------------------------------------

def test_schema_is_strict_json_draft_07_with_no_remote_reference(text, tmp_path):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    doc = json.loads(text, parse_constant=refuse)
    assert doc["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert doc["title"] == "tariffsim scenario" and doc["description"]
    assert "$id" not in doc and "$defs" not in doc
    refs = re.findall(r'"\$ref": "([^"]*)"', text)
    assert refs and all(r.startswith("#/definitions/") for r in refs), refs
    assert {r.removeprefix("#/definitions/") for r in refs} <= set(doc["definitions"])
    # -o writes the same text
    res = CliRunner().invoke(app, ["schema", "-o", str(tmp_path / "tariffsim.schema.json")])
    assert res.exit_code == 0 and res.stdout == "" and "wrote" in res.stderr, res.stderr
    assert (tmp_path / "tariffsim.schema.json").read_text("utf-8") == text


def test_a_bound_that_is_no_finite_number_is_refused_not_written(monkeypatch):
    monkeypatch.setattr(json_schema, "document", lambda: {"maximum": math.inf})
    with pytest.raises(ValueError):
        json_schema.text()


def test_schema_output_to_a_missing_directory_is_an_error(tmp_path):
    res = CliRunner().invoke(app, ["schema", "-o", str(tmp_path / "no" / "s.json")])
    assert res.exit_code == 1 and "does not exist" in res.stderr and "Traceback" not in res.stderr


def test_every_key_has_a_description(text):
    """What an editor shows on hover: from the models' descriptions and docstrings."""
    doc = json.loads(text)
    for name, definition in [("", doc), *doc["definitions"].items()]:
        assert definition.get("description"), name
        for key, sub in definition.get("properties", {}).items():
            assert sub.get("description"), f"{name}.{key} has no description"


# --- what must be valid ------------------------------------------------------------------------------------------

def _files() -> list[Path]:
    found = sorted((ROOT / "scenarios").rglob("*.toml")) + sorted((ROOT / "docs" / "examples").rglob("*.toml"))
    assert len(found) >= 20
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_scenarios_and_examples_are_valid(validator, path):
    assert errors(validator, tomllib.loads(path.read_text("utf-8"))) == []


TEMPLATE = re.compile(r'=\s*(\[\s*)?"?\.\.\."?')      # key = "...": a template of the keys, not an example


def _doc_blocks() -> list:
    """A pytest param (document, whether a fragment) for every ```toml block of the docs that is scenario text, by
    the rule in the docstring."""
    keys = set(json.loads(json_schema.text())["properties"])
    out = []
    for md in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        for i, block in enumerate(re.findall(r"```toml\n(.*?)```", md.read_text("utf-8"), flags=re.S)):
            try:
                doc = tomllib.loads(block)
            except tomllib.TOMLDecodeError:
                assert TEMPLATE.search(block), f"{md.name} block {i} is no TOML and no template"
                continue
            known = set(doc) & keys
            if not known:
                continue                         # another file (a .taplo.toml), not scenario text
            assert known == set(doc), f"{md.name} block {i}: {sorted(set(doc) - keys)} beside scenario keys"
            fragment = "name" not in doc and "extends" not in doc
            if fragment and TEMPLATE.search(block):
                continue
            if fragment:
                doc = {"name": f"{md.name} block {i}", **doc}
            out.append(pytest.param(doc, fragment, id=f"{md.name}-{i}"))
    return out


@pytest.mark.parametrize("doc, fragment", _doc_blocks())
def test_documented_scenarios_are_valid(validator, doc, fragment):
    assert errors(validator, doc) == []


def test_the_documentation_has_whole_files_fragments_and_an_overlay():
    blocks = [p.values for p in _doc_blocks()]
    assert len(blocks) >= 15
    assert any("extends" in doc for doc, _ in blocks)
    assert any(fragment for _, fragment in blocks) and not all(fragment for _, fragment in blocks)


# --- the bad fixtures --------------------------------------------------------------------------------------------

def test_every_bad_fixture_is_classified():
    assert not set(SCHEMA_REJECTS) & set(BEYOND_SCHEMA)
    assert set(SCHEMA_REJECTS) | set(BEYOND_SCHEMA) == set(FIXTURES)


@pytest.mark.parametrize("name", sorted(SCHEMA_REJECTS))
def test_the_schema_rejects_type_and_range_errors(validator, name):
    found = errors(validator, tomllib.loads((BAD / name).read_text("utf-8")))
    assert found, f"the schema accepts {name}"
    assert found[0].startswith(SCHEMA_REJECTS[name] + ":"), found


@pytest.mark.parametrize("name", sorted(BEYOND_SCHEMA))
def test_what_the_schema_cannot_see_it_lets_through(validator, name):
    try:
        doc = tomllib.loads((BAD / name).read_text("utf-8"))
    except tomllib.TOMLDecodeError:
        assert BEYOND_SCHEMA[name] == "does not parse"
        return
    assert BEYOND_SCHEMA[name] != "does not parse"
    # if the schema now catches it, move it to SCHEMA_REJECTS
    assert errors(validator, doc) == []


def test_validate_rejects_every_file_the_schema_rejects():
    res = CliRunner().invoke(app, ["validate", *(str(BAD / n) for n in sorted(SCHEMA_REJECTS))])
    assert res.exit_code == 1
    assert "ok: " not in res.stderr, res.stderr
    failed = {ln.split(": ")[1] for ln in res.stderr.splitlines() if ln.startswith("error: ")}
    assert failed >= set(SCHEMA_REJECTS), set(SCHEMA_REJECTS) - failed


# --- the two agree, value by value -------------------------------------------------------------------------------

MEASURE = {"id": "m", "importer": "USA", "rate": 0.1}
BASES = {
    "measures": MEASURE,
    "exemptions": {"measures": ["m"]},
    "preferences": {"id": "p", "importer": "USA"},
    "quotas": {"id": "q", "in_rate": 0.0, "out_rate": 0.5, "limit_value": 1e6, "importer": "USA"},
    "commitments": {"id": "c", "importer": "KOR", "exporter": "USA", "target": 1e9},
}
CASES = [
    # (section, key, values): each value set on the section's base item; None: the key left out
    ("measures", "rate", [-0.01, 0, 0.25, 1, 5, 5.000001, 25, math.inf, math.nan, "25%", True, [0.1], None]),
    ("measures", "importer", ["USA", ["USA"], ["USA", "KOR"], [], ["*"], "*", ["*", "KOR"], ["USA", "USA"], 5,
                              "", "U S", "us[/]a", "x" * 100, "x" * 101, "Ñandú", None]),
    ("measures", "products", ["8703", ["8703", "02"], "20130", "84713X", "8703.23", "87 03", "list:s232-autos",
                              "*", ["*"], [], 8703, "1234567890", "123456789012"]),
    ("measures", "exclude", ["8703", [], ["02"], "2"]),
    ("measures", "share", [0, 0.5, 1, 1.5, -0.1, "table:usmca", "table:", "usmca", math.nan]),
    ("measures", "scale", [0, 1, 10, 10.5, -1]),
    ("measures", "excludes", ["other", ["group:steel"], ["a", "a"], "group:"]),
    ("measures", "max_group", ["steel", "group:steel", "*"]),
    ("measures", "effective", [dt.date(2025, 4, 5), "2025-04-05x", dt.datetime(2025, 4, 5, 10, 0)]),
    ("measures", "description", ["line one\nline two\ttab", "\x1b[31mred", "\u202eevil"]),
    ("measures", "reference", ["EO 14257", "\x00"]),
    ("measures", "kind", ["set", "ADD", "tariff", 1, "swiss", "specific"]),    # the last two: a rate, no more
    ("measures", "unit", ["kg"]),                                                  # for a specific duty only
    ("exemptions", "measures", ["m", ["m"], [], "*", ["*", "m"]]),
    ("exemptions", "share", [0.6, 2]),
    ("exemptions", "rate", [0.1]),
    ("preferences", "rate", ["data", "DATA", 0, 5, 5.5, -1]),
    ("preferences", "utilisation", [0, 1, 1.01, -0.5]),
    ("quotas", "out_rate", [0.5, 10, 10.5, -1]),
    ("quotas", "limit_value", [0, 1e6, -1, math.inf]),
    ("quotas", "kind", ["trq", "quota", "tariff-rate-quota"]),
    ("quotas", "rent", ["importer", "government", "broker"]),
    ("commitments", "target", [1, 0, -5, math.inf]),
    ("commitments", "importer", ["KOR", ["KOR"], "*"]),
]


def _scenario(section: str, key: str, value) -> dict:
    item = dict(BASES[section])
    if value is None:
        item.pop(key, None)
    else:
        item[key] = value
    doc: dict = {"name": "agree", section: [item]}
    if section == "exemptions":
        doc["measures"] = [MEASURE]
    return doc


def _by_validate(doc: dict) -> bool:
    try:
        lang.Scenario.model_validate(doc)
    except ValueError:                        # pydantic's ValidationError is a ValueError
        return False
    return True


def _cases():
    return [pytest.param(s, k, v, id=f"{s}.{k}={v!r}"[:60]) for s, k, values in CASES for v in values]


@pytest.mark.parametrize("section, key, value", _cases())
def test_schema_and_validate_agree(validator, section, key, value):
    doc = _scenario(section, key, value)
    assert (errors(validator, doc) == []) == _by_validate(doc), errors(validator, doc)


@pytest.mark.parametrize("table, key, values", [
    ("elasticities", "import_demand", [-100, -1, 0, 0.5, -100.5]),
    ("elasticities", "substitution", ["data", 0.01, 1000, 0.001, 1001, "median"]),
    ("elasticities", "substitution_default", [3.1, 0, 2000]),
    ("elasticities", "export_supply", [0.01, 1e6, math.inf, 0, 2e6, -1]),
    ("elasticities", "sector_defaults", [True, "yes"]),
    ("model", "name", ["armington", "gsim", "cge"]),
    ("data", "flows", ["kor-usa-2024", "flows.csv", "", "  ", "a\nb"]),
    ("data", "regions", [["RW"], ["RW", "RW"], "RW", ["*"]]),
])
def test_tables_agree(validator, table, key, values):
    for value in values:
        doc = {"name": "agree", table: {key: value}}
        assert (errors(validator, doc) == []) == _by_validate(doc), (key, value, errors(validator, doc))


def test_what_an_editor_cannot_tell_apart_only_validate_refuses(validator):
    """An editor hands the schema inf and nan alike (null), and a TOML date as text: so the schema lets through
    nan for export_supply (where inf is allowed) and a date in quotes, and validate refuses them."""
    for doc in ({"name": "nan", "elasticities": {"export_supply": math.nan}},
                {"name": "quoted", "measures": [{**MEASURE, "effective": "2025-04-05"}]}):
        assert errors(validator, doc) == [] and not _by_validate(doc), doc


def test_required_keys_of_a_whole_file_and_of_an_overlay(validator):
    whole = {"name": "w", "measures": [{"id": "m", "rate": 0.1}]}          # no importer
    assert errors(validator, whole) and not _by_validate(whole)
    assert errors(validator, {"measures": [MEASURE]})                       # no name
    # an overlay: its name and an item's other keys may come from the base ...
    assert errors(validator, {"extends": "base.toml", "measures": [{"id": "m", "rate": 0.2}]}) == []
    # ... but an item without an id is added whole
    assert errors(validator, {"extends": "base.toml", "exemptions": [{"exporters": ["KOR"]}]})
    assert errors(validator, {"extends": "base.toml", "exemptions": [{"measures": "m"}]}) == []
    # and 'disable' needs 'extends'
    assert errors(validator, {"name": "d", "disable": ["m"]})
    for kind, needs in (("add", "rate"), ("swiss", "coefficient"), ("specific", "duty"), ("set", "rate")):
        doc = {"name": "k", "measures": [{"id": "m", "importer": "USA", "kind": kind}]}
        assert any(f"'{needs}' is a required property" in e for e in errors(validator, doc)), kind
        assert not _by_validate(doc)
    mirror = {"name": "k", "measures": [MEASURE, {"id": "r", "mirror": "m", "importer": "KOR"}]}
    assert errors(validator, mirror) == [] and _by_validate(mirror)
    mirror["measures"][1]["rate"] = 0.2                                    # a rate of its own needs its kind
    assert errors(validator, mirror) and not _by_validate(mirror)
    mirror["measures"][1]["kind"] = "add"
    assert errors(validator, mirror) == [] and _by_validate(mirror)
    cut = {"name": "k", "measures": [{**MEASURE, "kind": "cut", "rate": 1.5}]}
    assert errors(validator, cut) and not _by_validate(cut)
    quota = {"name": "q", "quotas": [{**BASES["quotas"], "limit_quantity": 5}]}     # both limits
    assert errors(validator, quota) and not _by_validate(quota)
    override = {"name": "o", "elasticities": {"overrides": [{"importer": "USA"}]}}   # no elasticity
    assert errors(validator, override) and not _by_validate(override)


def test_a_mirror_with_a_negative_coefficient_or_duty_is_refused():
    """validate once let these through (a mirror skipped the range checks of its own keys)."""
    for key, value in (("coefficient", -0.5), ("duty", -3.0)):
        doc = {"name": "m", "measures": [MEASURE, {"id": "r", "mirror": "m", "importer": "KOR", "kind": "swiss"
                                                   if key == "coefficient" else "specific", key: value}]}
        assert not _by_validate(doc), key


# --- the regular expressions agree with the Python checks ----------------------------------------------------------

def _plain_ok(s: str) -> bool:
    return lang.plain_name_problem(s) is None


def test_plain_name_pattern_is_exact_for_ascii_and_never_narrower():
    pattern = re.compile(f"^{lang.PLAIN_PATTERN}$")
    ascii_chars = [chr(c) for c in range(128)]
    for a in ascii_chars:
        for b in ascii_chars:
            s = a + b
            assert bool(pattern.fullmatch(s)) == _plain_ok(s), repr(s)
        assert bool(pattern.fullmatch(a)) == _plain_ok(a), repr(a)
    for s in ("Ñandú", "東京", "élan-1", "x_ü.2", "Ωmega"):
        assert _plain_ok(s) and pattern.fullmatch(s), s


@pytest.mark.parametrize("line", [True, False])
def test_text_patterns_find_what_has_control_finds(line):
    pattern = re.compile(lang.LINE_PATTERN if line else lang.TEXT_PATTERN)
    for c in range(0x3000):
        ch = chr(c)
        refused = has_control(ch) or (line and ch in "\r\n")
        assert bool(pattern.match(f"a{ch}b")) != refused, hex(c)


@given(st.text(alphabet="0123456789. \t*xlist:", max_size=14))
def test_product_pattern_agrees_with_hs_prefix_problem(text):
    by_pattern = re.fullmatch(lang.PRODUCT_PATTERN, text) is not None
    by_check = text.startswith("list:") or hs.prefix_problem(text) is None
    assert by_pattern == by_check


# --- in a TOML editor ----------------------------------------------------------------------------------------------

def _taplo() -> str | None:
    return shutil.which("taplo") or shutil.which("taplo", path=os.path.dirname(sys.executable))


needs_taplo = pytest.mark.skipif(_taplo() is None, reason="taplo is not installed (pip install taplo, or npm install "
                                 "-g @taplo/cli): the schema is not tried in the validator of TOML editors")


def _taplo_check(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    taplo = _taplo()
    assert taplo is not None
    return subprocess.run([taplo, "check", "--no-auto-config", "--colors", "never", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@needs_taplo
def test_taplo_loads_the_schema_and_accepts_every_shipped_scenario(text, tmp_path):
    (tmp_path / "tariffsim.schema.json").write_text(text, "utf-8")
    files = [str(p) for p in _files()]
    r = _taplo_check(["--schema", (tmp_path / "tariffsim.schema.json").as_uri(), *files], tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"found files total={len(files)}" in r.stderr, r.stderr[-3000:]


@needs_taplo
@pytest.mark.parametrize("name", sorted(SCHEMA_REJECTS))
def test_taplo_rejects_what_the_schema_rejects(text, tmp_path, name):
    (tmp_path / "tariffsim.schema.json").write_text(text, "utf-8")
    r = _taplo_check(["--schema", (tmp_path / "tariffsim.schema.json").as_uri(), str(BAD / name)], tmp_path)
    assert r.returncode != 0 and "error: " in r.stderr, r.stderr[-3000:]


def _editor_setup(text: str, folder: Path) -> None:
    """A project folder set up as README, Editor support says: the schema at its root, scenarios below it, one with
    a rate of 25."""
    (folder / "tariffsim.schema.json").write_text(text, "utf-8")
    (folder / "scenarios").mkdir()
    shutil.copy(ROOT / "scenarios" / "exemption.toml", folder / "scenarios" / "good.toml")
    shutil.copy(BAD / "rate_out_of_range.toml", folder / "scenarios" / "bad.toml")


def _readme_section() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    return readme[readme.index("## Editor support"):readme.index("## Data")]


@needs_taplo
def test_taplo_follows_the_schema_directive_of_the_readme(text, tmp_path):
    directive = re.search(r"`(#:schema \S+)`", _readme_section())
    assert directive, "README, Editor support: no #:schema line"
    _editor_setup(text, tmp_path)
    for name in ("good.toml", "bad.toml"):
        path = tmp_path / "scenarios" / name
        path.write_text(f"{directive.group(1)}\n{path.read_text('utf-8')}", "utf-8")
    assert _taplo_check(["scenarios/good.toml"], tmp_path).returncode == 0
    r = _taplo_check(["scenarios/bad.toml"], tmp_path)
    assert r.returncode != 0 and "25 is greater than the maximum of 5" in r.stderr, r.stderr[-3000:]


@needs_taplo
def test_taplo_follows_the_taplo_toml_of_the_readme(text, tmp_path):
    config = re.search(r"```toml\n(.*?)```", _readme_section(), flags=re.S)
    assert config, "README, Editor support: no .taplo.toml"
    _editor_setup(text, tmp_path)
    (tmp_path / ".taplo.toml").write_text(config.group(1), "utf-8")
    taplo = _taplo()
    assert taplo is not None

    def check(name):
        return subprocess.run([taplo, "check", "--colors", "never", f"scenarios/{name}"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert check("good.toml").returncode == 0
    r = check("bad.toml")
    assert r.returncode != 0 and "25 is greater than the maximum of 5" in r.stderr, r.stderr[-3000:]
