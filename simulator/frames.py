"""Reading pandas frames row by row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:                  # pandas is not imported for this alone
    import pandas as pd


def records(frame: pd.DataFrame, index: bool = True) -> Iterator[Any]:
    """``frame.itertuples(index)``: one named tuple per row. Typed Any, since each field has its own column's type
    (the pandas stubs give every field the union of all scalar types)."""
    return frame.itertuples(index=index)
