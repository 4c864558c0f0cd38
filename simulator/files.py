"""Input files: only a regular file of a sensible size is read. A named pipe would wait forever and /dev/zero never
ends; a size far beyond any real input is a wrong path."""

from __future__ import annotations

import stat
from pathlib import Path

from .errors import InputError, Problem


def check_regular_file(path: Path, shown: str, limit: int, what: str) -> None:
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise InputError(Problem(shown, None, f"is not a regular file (a pipe, a device or a socket); {what} must be one"))
    if st.st_size > limit:
        raise InputError(Problem(shown, None, f"is {st.st_size / 1e6:,.1f} MB, more than {limit / 1e6:,.0f} MB; "
                                 f"is it {what}?"))
