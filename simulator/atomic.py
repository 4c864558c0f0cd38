"""Output files written atomically: next to the target and renamed, so a failure never leaves a partial file;
with the mode the user would expect (their umask, or the replaced file's own)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import InputError, Problem


def _umask() -> int:
    mask = os.umask(0)          # the only portable way to read it is to set it: put it back at once
    os.umask(mask)
    return mask


def write_atomic(path: Path, content: str | Callable[[str], object]) -> None:
    """Write next to the target and rename, so a failure never leaves a partial file. ``content``: the text, or a
    function that writes the file at the path it is given (e.g. a Parquet writer)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(Problem(str(path) or ".", None, "cannot write: it is a directory; give a file name"))
    if not path.parent.is_dir():
        raise InputError(Problem(str(path), None, f"cannot write: directory '{path.parent}' does not exist"))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise InputError(Problem(str(path), None, f"cannot write: {exc.strerror}"))
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
        # the mode a new file would get (the user's umask), or the replaced file's own: not mkstemp's 0600
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
