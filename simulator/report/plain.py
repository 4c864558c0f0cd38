"""Tables whose text is printed as written: ids, names, references and notes come from users' files, and rich
would read "[/]" or "[bold]" in them as markup (and fail, or restyle the table). Control characters and terminal
escapes are shown as escapes (ESC as \\x1b), never sent to the terminal raw."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from ..errors import has_control, printable


def _plain(value):
    if isinstance(value, str):
        return Text(printable(value, lines=True))
    if isinstance(value, Text) and has_control(value.plain):
        return Text(printable(value.plain, lines=True), style=value.style)
    return value


class PlainTable(Table):
    def __init__(self, *args, title=None, **kwargs):
        super().__init__(*args, title=_plain(title), **kwargs)

    def add_column(self, header="", *args, **kwargs):
        super().add_column(_plain(header), *args, **kwargs)

    def add_row(self, *cells, **kwargs):
        super().add_row(*(_plain(c) for c in cells), **kwargs)
