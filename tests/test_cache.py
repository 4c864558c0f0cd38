"""The on-disk cache of built bundled data: a run reads the same bits whether or not it was there."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from simulator.data import cache


def _build_counter():
    calls = []

    def build():
        calls.append(1)
        return {"x": np.arange(5, dtype=np.float64) / 3.0, "names": np.array(["KOR", "USA"])}
    return build, calls


def test_an_entry_is_built_once_then_read_back_bit_for_bit(tmp_path, monkeypatch):
    monkeypatch.setenv("TARIFFSIM_CACHE", str(tmp_path))
    build, calls = _build_counter()
    first = cache.arrays("example", build)
    again = cache.arrays("example", build)
    assert len(calls) == 1
    assert again["x"].tobytes() == first["x"].tobytes()
    assert again["names"].tolist() == ["KOR", "USA"]


def test_a_damaged_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("TARIFFSIM_CACHE", str(tmp_path))
    build, calls = _build_counter()
    cache.arrays("example", build)
    array = next(tmp_path.rglob("example/0.npy"))
    array.write_bytes(array.read_bytes()[:100])          # a damaged file
    assert cache.arrays("example", build)["x"][1] == 1 / 3
    assert len(calls) == 2


def test_off_builds_every_time_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TARIFFSIM_CACHE", "off")
    build, calls = _build_counter()
    cache.arrays("example", build)
    cache.arrays("example", build)
    assert len(calls) == 2
    assert cache.directory() is None


def test_an_unwritable_cache_is_ignored(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TARIFFSIM_CACHE", str(blocker / "cache"))
    build, calls = _build_counter()
    assert cache.arrays("example", build)["x"].size == 5
    assert len(calls) == 1


def test_entries_of_another_build_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("TARIFFSIM_CACHE", str(tmp_path))
    stale = tmp_path / "0123456789abcdef01234567"
    stale.mkdir()
    (stale / "old").mkdir()
    cache.arrays("example", _build_counter()[0])
    assert not stale.exists()
    assert (tmp_path / cache.key() / "example" / "names.txt").exists()


@pytest.mark.parametrize("command", [["run", "scenarios/exemption.toml", "-f", "json"]])
def test_a_run_prints_the_same_bytes_with_a_cold_a_warm_and_no_cache(root, tmp_path, command):
    """The bundled dataset read from the cache is the one built from the files, to the last bit."""
    def run(setting):
        env = {"TARIFFSIM_CACHE": setting, "PATH": "", "HOME": str(tmp_path)}
        return subprocess.run([sys.executable, "-m", "simulator.cli", *command], cwd=root, env=env,
                              capture_output=True, check=True).stdout
    cold = run(str(tmp_path / "cache"))
    warm = run(str(tmp_path / "cache"))
    none = run("off")
    assert cold == warm == none
    assert any((tmp_path / "cache").glob("*/kor-usa-2024-census-2024/names.txt"))


def test_the_data_cache_command_shows_and_clears(root, tmp_path):
    env = {"TARIFFSIM_CACHE": str(tmp_path), "PATH": "", "HOME": str(tmp_path)}
    cache_cmd = [sys.executable, "-m", "simulator.cli", "data", "cache"]
    subprocess.run([sys.executable, "-c", "from simulator.data import cache; import numpy as np; "
                    "cache.arrays('example', lambda: {'x': np.zeros(3)})"], cwd=root, env=env, check=True)
    shown = subprocess.run(cache_cmd, cwd=root, env=env, capture_output=True, text=True, check=True).stdout
    assert "1 entries" in shown and "1 for this version and data" in shown
    cleared = subprocess.run([*cache_cmd, "--clear"], cwd=root, env=env, capture_output=True, text=True, check=True).stdout
    assert "removed 1 entries" in cleared
    assert not list(tmp_path.rglob("*.npy"))
