"""Tables whose text is printed as written: ids, names, references and notes come from users' files, and rich
would read "[/]" or "[bold]" in them as markup (and fail, or restyle the table)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text


def _plain(value):
    return Text(value) if isinstance(value, str) else value


class PlainTable(Table):
    def __init__(self, *args, title=None, **kwargs):
        super().__init__(*args, title=_plain(title), **kwargs)

    def add_column(self, header="", *args, **kwargs):
        super().add_column(_plain(header), *args, **kwargs)

    def add_row(self, *cells, **kwargs):
        super().add_row(*(_plain(c) for c in cells), **kwargs)
