"""The help of every command is its help text as written: no markup eaten, no emoji, and -h as --help."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from simulator.cli import app


def _commands(command, path: tuple[str, ...] = ()):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _texts(command) -> list[str]:
    """The help strings a command was given: its own (the docstring) and those of its arguments and options."""
    texts = [command.help or ""]
    texts += [p.help for p in command.params if getattr(p, "help", None) and not getattr(p, "hidden", False)]
    return [t for t in texts if t.strip()]


def _flat(text: str) -> str:
    """Text as compared: lines joined, runs of spaces as one; a word the help wrapped after a hyphen joined again."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def _help(*args: str) -> str:
    r = CliRunner().invoke(app, list(args))
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    return r.stdout


def test_every_command_is_listed():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "run", "compare", "validate", "explain", "schema", "data", "data coverage", "data import"} <= names


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) or "tariffsim" for p, _ in COMMANDS])
def test_help_shows_every_help_text_as_written(path, command):
    shown = _flat(_help(*path, "--help"))
    for text in _texts(command):
        assert _flat(text) in shown, (path, text)
    # nothing the help texts do not have: no emoji for ':END:' and the like
    written = "".join(_texts(command))
    assert {c for c in shown if ord(c) > 127} <= set(written), path


def test_bracketed_words_and_colon_words_survive():
    shown = _flat(_help("run", "--help"))
    assert "Override [data] basis" in shown
    assert "START:END:STEP" in shown
    assert "Override every file's [data] basis" in _flat(_help("compare", "--help"))


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) or "tariffsim" for p, _ in COMMANDS])
def test_h_is_help(path):
    assert _help(*path, "-h") == _help(*path, "--help")
