"""Every bundled file is in the catalog, matches its hash, and has the columns it claims."""

import hashlib
from importlib import resources

import pytest

from simulator.data import catalog

FILES = resources.files("simulator.data") / "files"
ENTRIES = list(catalog.entries().values())


def _bundled_paths():
    out = []
    for p in FILES.iterdir():
        if p.is_dir():
            out += [f"{p.name}/{q.name}" for q in p.iterdir()]
        elif p.name != "LICENSES.md":
            out.append(p.name)
    return sorted(out)


def test_every_file_is_catalogued_once():
    paths = [e.path for e in ENTRIES]
    assert len(paths) == len(set(paths))
    assert sorted(paths) == _bundled_paths()


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_hash(entry):
    assert hashlib.sha256((FILES / entry.path).read_bytes()).hexdigest() == entry.sha256


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_provenance_fields_filled(entry):
    for field in ("description", "source", "year", "basis", "units", "licence"):
        assert getattr(entry, field).strip(), f"{entry.id}: empty {field}"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.columns], ids=lambda e: e.id)
def test_schema(entry):
    df = catalog.read_csv(entry.id)
    assert tuple(df.columns) == entry.columns
    assert len(df) > 0


def test_staging_file_columns():
    df = catalog.read_csv("kor-korus-staging-hs10")
    years = range(2011, 2027)
    assert {f"mfn_{y}_pct" for y in years} | {f"us_korus_{y}_pct" for y in years} <= set(df.columns)
    assert df.hs10.str.fullmatch(r"\d{10}").all()


def test_list_codes_are_hs_prefixes():
    from simulator import hs
    from simulator.data import lists
    for name in lists.LISTS:
        codes = lists.codes(name)
        assert codes, name
        assert all(hs.prefix_problem(c) is None for c in codes), name
    # The one malformed entry in the sources (12 digits) is set aside, not silently lost.
    assert lists.rejected("ieepa-annex-ii") == ("850511007000",)
    assert all(not lists.rejected(n) for n in lists.LISTS if n != "ieepa-annex-ii")
