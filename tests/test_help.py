"""The help of every command is its help text as written (no markup eaten, no emoji), -h is --help, and the shells
complete commands and options."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

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
    assert {"", "run", "compare", "validate", "explain", "schema", "new", "data", "data coverage",
            "data import"} <= names


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


# --- shell completion -----------------------------------------------------------------------------

def _console_script() -> str:
    script = Path(sys.executable).parent / "tariffsim"
    found = str(script) if script.exists() else shutil.which("tariffsim")
    if found is None:
        pytest.skip("the tariffsim console script is not installed")
    return found


def test_completion_is_offered():
    shown = _help("--help")
    assert "--install-completion" in shown and "--show-completion" in shown


@pytest.mark.parametrize("shell, says", [("bash", "complete -o default -F _tariffsim_completion tariffsim"),
                                         ("zsh", "#compdef tariffsim"), ("fish", "complete --command tariffsim")])
def test_completion_scripts(shell, says):
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}    # the shell named, not detected
    r = subprocess.run([_console_script(), "--show-completion", shell], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0 and says in r.stdout and "_TARIFFSIM_COMPLETE" in r.stdout, r.stderr


def test_completion_completes_commands_and_options():
    def complete(*words: str) -> list[str]:
        env = {**os.environ, "_TARIFFSIM_COMPLETE": "complete_bash", "COMP_WORDS": " ".join(["tariffsim", *words]),
               "COMP_CWORD": str(len(words))}
        r = subprocess.run([_console_script()], capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()
    assert complete("da") == ["data"]
    assert set(complete("data", "")) == {"list", "show", "coverage", "cache", "import"}
    assert "--format" in complete("run", "--fo")
