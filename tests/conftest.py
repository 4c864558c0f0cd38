from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def census():
    from simulator.data import load_dataset
    return load_dataset("kor-usa-2024", "census-2024")


@pytest.fixture(scope="session")
def kcs():
    from simulator.data import load_dataset
    return load_dataset("kor-usa-2024", "kcs-2024")
