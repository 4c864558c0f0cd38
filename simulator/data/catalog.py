"""The catalog of bundled files: source, year, basis, units, licence and sha256 of each."""

from __future__ import annotations

import gzip
import hashlib
import io
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd


@dataclass(frozen=True)
class Entry:
    id: str
    path: str
    description: str
    source: str
    year: str
    basis: str
    units: str
    licence: str
    sha256: str
    columns: tuple[str, ...] | None = None


def _files():
    return resources.files("simulator.data") / "files"


@lru_cache(maxsize=1)
def entries() -> dict[str, Entry]:
    raw = tomllib.loads((resources.files("simulator.data") / "catalog.toml").read_text("utf-8"))
    out = {}
    for item in raw["file"]:
        cols = item.pop("columns", None)
        out[item["id"]] = Entry(columns=tuple(cols) if cols else None, **item)
    return out


def read_bytes(entry_id: str) -> bytes:
    return (_files() / entries()[entry_id].path).read_bytes()


def sha256(entry_id: str) -> str:
    return hashlib.sha256(read_bytes(entry_id)).hexdigest()


def read_csv(entry_id: str, **kwargs) -> pd.DataFrame:
    """A bundled CSV (gzip or plain), all columns as text unless ``dtype`` says otherwise."""
    data = read_bytes(entry_id)
    if entries()[entry_id].path.endswith(".gz"):
        data = gzip.decompress(data)
    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    return pd.read_csv(io.BytesIO(data), **kwargs)


def read_lines(entry_id: str) -> list[str]:
    return [ln.strip() for ln in read_bytes(entry_id).decode("utf-8").splitlines() if ln.strip()]
