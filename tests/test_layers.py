"""The rooms of the package depend one way: the command line and the reports on the results, the results on the
models and the data; never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
TOP = {"cli", "report", "notebook"}               # render results; nothing below may import them
RESULTS = {"results", "headline", "comparison", "uncertainty", "api", "backtest", "calibrate"}


def _imports(path: Path) -> set[str]:
    """The package's own modules a file imports, as top-level names under ``simulator`` (e.g. "report")."""
    package = path.relative_to(PACKAGE.parent).parts[:-1]          # ("simulator", "models") for models/smart.py
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                parts = [*base[1:], *(node.module.split(".") if node.module else [])]
                out |= {parts[0]} if parts else {alias.name for alias in node.names}
            elif node.module and node.module.split(".")[0] == "simulator":
                parts = node.module.split(".")[1:]
                out |= {parts[0]} if parts else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("simulator.")}
    return out


def _files(*, outside: set[str]) -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).with_suffix("").parts[0] not in outside]


def test_nothing_below_the_reports_imports_them():
    # the package's __init__ is its front door: it hands out the notebook API (lazily), and is imported by no layer
    for path in _files(outside=TOP | {"__init__"}):
        assert not _imports(path) & TOP, path.relative_to(PACKAGE)


def test_the_models_do_not_import_the_results():
    for path in (PACKAGE / "models").glob("*.py"):
        assert not _imports(path) & (RESULTS | TOP), path.relative_to(PACKAGE)
