"""The scenario library against the legal texts it cites: the rate of one flow in each scenario."""

import json

import pytest
from typer.testing import CliRunner

from simulator.cli import app

LIBRARY = ["baseline", "reciprocal-25", "pause-10", "deal-15-additive", "floor-15", "exemption"]


def history(root, importer, exporter, hs, names=LIBRARY):
    files = [str(root / "scenarios" / f"{n}.toml") for n in names]
    r = CliRunner().invoke(app, ["explain", *files, "--importer", importer, "--exporter", exporter, "--hs", hs,
                                 "-f", "json", "--limit", "1"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    return {n: s["flows"][0]["rate_scenario"] for n, s in zip(names, doc["scenarios"])}


def test_korean_car(root):
    # KORUS 0%; Section 232 autos 25% from 2025-04-03 (Proclamation 10908); 15% all-in from 2025-11-01 (FR 2025-21940)
    got = history(root, "USA", "KOR", "870323")
    assert got == pytest.approx({"baseline": 0.0, "reciprocal-25": 0.25, "pause-10": 0.25, "deal-15-additive": 0.25,
                                 "floor-15": 0.15, "exemption": 0.0})


def test_korean_steel(root):
    # Section 232 steel: 50% from 2025-06-04 (Proclamation 10947); no IEEPA tariff on top
    got = history(root, "USA", "KOR", "7208")
    assert got == pytest.approx({"baseline": 0.0, "reciprocal-25": 0.5, "pause-10": 0.5, "deal-15-additive": 0.5,
                                 "floor-15": 0.5, "exemption": 0.0})


def test_korean_memory_chip(root):
    # semiconductors are in EO 14257 Annex II: no reciprocal tariff; no Section 232 on them in 2025
    got = history(root, "USA", "KOR", "854232")
    assert set(got.values()) == {0.0}


def test_korean_goods_under_the_reciprocal_tariff(root):
    # a KORUS-free good outside Section 232 and Annex II: 25% (as announced), 10%, +15%, 15% floor
    got = history(root, "USA", "KOR", "940360")   # wooden furniture
    assert got == pytest.approx({"baseline": 0.0, "reciprocal-25": 0.25, "pause-10": 0.10, "deal-15-additive": 0.15,
                                 "floor-15": 0.15, "exemption": 0.0})


def test_us_beef_in_korea(root):
    # KORUS staging: 5.3% in 2024, 2.6% in 2025; zero in the agriculture scenario
    got = history(root, "KOR", "USA", "020130", ["baseline", "pause-10", "floor-15", "korea-opens-agriculture"])
    assert got == pytest.approx({"baseline": 0.053, "pause-10": 0.026, "floor-15": 0.026, "korea-opens-agriculture": 0.0})


def test_us_rice_carries_its_quota_caveat(root):
    # Korea's rice tariff on US rice outside the quota is 513% (statutory); the in-quota rate and fill are not in
    # the data, so 0 is used, and explain says so
    r = CliRunner().invoke(app, ["explain", str(root / "scenarios" / "floor-15.toml"), "--importer", "KOR",
                                 "--exporter", "USA", "--hs", "1006", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    flows = json.loads(r.stdout)["flows"]
    assert flows and all(f["rate_base"] == 0.0 for f in flows)
    assert all("tariff-rate quota" in f["steps"][0]["detail"] for f in flows)


def test_library_validates_strictly(root):
    files = sorted(str(p) for p in (root / "scenarios").glob("*.toml"))
    r = CliRunner().invoke(app, ["validate", "--strict", *files])
    assert r.exit_code == 0, r.stderr
    assert r.stderr.count("ok: ") == len(files)
