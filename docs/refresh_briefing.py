"""Rewrite the tables quoted in docs/us-korea-2025.md with what their commands print now.

    python docs/refresh_briefing.py            # rewrites the briefing in place; review with git diff

Every ```sh block of the briefing holds one command; the tables quoted after it (Markdown tables, or the rows of a
terminal table in a ```text block) are replaced by the same tables of the command's output, matched by their header
row. The words around the tables are not touched: read them against the new figures. tests/test_docs.py checks that
the quoted tables are current.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BRIEFING = ROOT / "docs" / "us-korea-2025.md"
PATH_ROWS = ("KOR → USA", "all → USA")      # the rows of the path table the briefing quotes


def output(command: str) -> str:
    args = shlex.split(command)
    if args[0] == "tariffsim":
        args = [sys.executable, "-m", "simulator.cli", *args[1:]]
    elif args[0] == "python":
        args = [sys.executable, *args[1:]]
    env = {"COLUMNS": "140", "PATH": "", "TERM": "dumb"}
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True, env=env).stdout


def tables(markdown: str) -> dict[str, list[str]]:
    """Every Markdown table of a text, by its header row."""
    out, current = {}, None
    for line in markdown.splitlines():
        if line.startswith("|"):
            if current is None:
                current = out.setdefault(line, [])
            current.append(line)
        else:
            current = None
    return out


def refresh(text: str) -> str:
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if line != "```sh":
            continue
        command = lines[i]
        out.extend(lines[i:i + 2])                   # the command and the closing fence
        i += 2
        new = output(command)
        fresh = tables(new)
        while i < len(lines) and (lines[i].startswith(("|", "###", "```text")) or not lines[i].strip()):
            if lines[i].startswith("|"):
                header = lines[i]
                j = i
                while j < len(lines) and lines[j].startswith("|"):
                    j += 1
                if header not in fresh:
                    raise SystemExit(f"{command}: no table with the header {header!r} in its output")
                out.extend(fresh[header])
                i = j
            elif lines[i] == "```text":
                j = lines.index("```", i + 1)
                keep = [ln for ln in new.rstrip("\n").splitlines()
                        if not ln.startswith(("│", "├")) or any(r in ln for r in PATH_ROWS)]
                out.extend(["```text", *[ln.rstrip() for ln in keep], "```"])
                i = j + 1
            else:
                out.append(lines[i])
                i += 1
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    BRIEFING.write_text(refresh(BRIEFING.read_text("utf-8")), "utf-8")
    print(f"rewrote {BRIEFING.relative_to(ROOT)}")
