"""Arrays built from the bundled files, kept on disk so that a run reads them instead of parsing CSV files again.

An entry is keyed by a digest of everything a build can depend on: the bytes of every bundled data file, the source
of every module of the package, and the version. A changed file or module gives another key, so a stale entry is
never read. The arrays are stored as plain ``.npy`` files (no pickling) and read back bit for bit, so a result does not depend on
whether the cache was there. A cache that cannot be read or written is ignored and the arrays are built in the
process, as with the cache turned off.

``TARIFFSIM_CACHE=off`` turns the cache off; ``TARIFFSIM_CACHE=DIR`` puts it in DIR. The default is
``$XDG_CACHE_HOME/tariffsim`` (``~/.cache/tariffsim``). ``tariffsim data cache --clear`` empties it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

Arrays = dict[str, np.ndarray]


def directory() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    setting = os.environ.get("TARIFFSIM_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tariffsim"


@lru_cache(maxsize=1)
def key() -> str:
    """Digest of the bundled files, the package's modules and its version."""
    from .. import __version__
    h = hashlib.sha256(__version__.encode())
    package = resources.files("simulator")
    files = resources.files("simulator.data") / "files"
    for root in (Path(str(files)), Path(str(package))):
        pattern = "*" if root.name == "files" else "*.py"
        for p in sorted(root.rglob(pattern)):
            if p.is_file():
                h.update(str(p.relative_to(root)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:24]


def _read(entry: Path) -> Arrays | None:
    """The arrays of an entry, memory-mapped read-only: a run reads only the pages it uses."""
    try:
        names = (entry / "names.txt").read_text("utf-8").split("\n")
        return {name: np.asarray(np.load(entry / f"{i}.npy", mmap_mode="r", allow_pickle=False))
                for i, name in enumerate(names)}
    except (OSError, ValueError, EOFError):
        return None                                  # missing, or corrupt


def _write(entry: Path, arrays: Arrays) -> None:
    """Written to a temporary directory and renamed, so a reader never sees half an entry."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        for old in entry.parent.parent.iterdir():    # entries of other builds are never read again
            if old.is_dir() and old.name != entry.parent.name:
                shutil.rmtree(old, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(dir=entry.parent, prefix=f".{entry.name}-"))
        for i, a in enumerate(arrays.values()):
            np.save(tmp / f"{i}.npy", np.ascontiguousarray(a), allow_pickle=False)
        (tmp / "names.txt").write_text("\n".join(arrays), "utf-8")    # last: an entry without it is incomplete
        try:
            os.rename(tmp, entry)
        except OSError:                              # another process wrote the same entry first
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        pass                                         # a read-only or full disk: run without the cache


def arrays(name: str, build: Callable[[], Arrays]) -> Arrays:
    """``build()``, or the arrays a build with the same inputs stored under ``name``."""
    where = directory()
    if where is None:
        return build()
    entry = where / key() / name
    found = _read(entry)
    if found is not None:
        return found
    made = build()
    _write(entry, made)
    return made


def clear() -> int:
    """Remove every entry; the number of files removed."""
    where = directory()
    if where is None or not where.is_dir():
        return 0
    n = len(entries())
    shutil.rmtree(where, ignore_errors=True)
    return n


def entries() -> list[Path]:
    """Every complete entry in the cache, of this build or another."""
    where = directory()
    if where is None or not where.is_dir():
        return []
    return sorted(p.parent for p in where.glob("*/*/names.txt"))
