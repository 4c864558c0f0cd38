"""A starter scenario (``tariffsim new``): a file that extends a base scenario (the measures in force), with the
ids of the base's instruments it can override listed in comments and an example override, commented out."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import printable
from .loader import ScenarioFile
from .schema import SECTIONS

BASE = Path("scenarios") / "in-force.toml"        # the measures in force, shipped with the source


def default_base(package_root: Path, cwd: Path) -> Path | None:
    """The shipped scenario of the measures in force: beside the package (a source checkout or an editable install),
    else under the current folder; None where neither has it."""
    for folder in (package_root, cwd):
        if (folder / BASE).is_file():
            return folder / BASE
    return None


def extends_path(target: Path, base: Path) -> str:
    """``base`` as the new file's ``extends`` names it: relative to the folder of the new file (as the loader reads
    it), with forward slashes; absolute where no relative path leads there (another drive)."""
    try:
        return Path(os.path.relpath(base.resolve(), target.resolve().parent)).as_posix()
    except ValueError:
        return base.resolve().as_posix()


def _quoted(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _cut(text: str, most: int) -> str:
    text = printable(" ".join(text.split()))
    return text if len(text) <= most else text[: most - 3] + "..."


def _codes(codes) -> str:
    return ",".join(codes) if codes else "*"


def _rate(m) -> str:
    kind = m.kind or "add"
    if m.mirror:
        return f"mirror of {m.mirror}"
    if kind == "specific":
        return f"specific {m.duty:g} $/{m.unit or 'unit'}" if m.duty is not None else "specific"
    if kind == "swiss":
        return f"swiss {m.coefficient:g}" if m.coefficient is not None else "swiss"
    rate = f"{m.rate * 100:g}%" if m.rate is not None else ""
    return rate if kind == "add" else f"{kind} {rate}".strip()


def _dates(item) -> str:
    start, end = getattr(item, "effective", None), getattr(item, "expires", None)
    if start and end:
        return f"{start} to {end}"
    return f"from {start}" if start else (f"until {end}" if end else "")


def _line(item, section: str, width: int) -> str:
    if section == "measures":
        what = f"{_rate(item):<14} {_cut(_codes(item.importer), 12)} <- {_cut(_codes(item.exporters), 20):<20}"
    elif section == "exemptions":
        what = f"lifts {_cut(', '.join(item.measures), 28):<28} for {_cut(_codes(item.exporters), 12):<12}"
    elif section == "commitments":
        what = f"{item.importer} buys from {item.exporter}"
    else:
        what = f"{_cut(_codes(item.importer), 12)} <- {_cut(_codes(item.exporters), 20)}"
    said = f"{what}  {_dates(item):<24}  {_cut(item.reference or item.description, 60)}"
    return f"#   {item.id:<{width}}  {said}".rstrip()


def _example_measure(base: ScenarioFile):
    """The measure the example overrides: the base's first with an ad valorem rate of its own."""
    return next((m for m in base.spec.measures if (m.kind or "add") == "add" and not m.mirror and m.rate), None)


def _override(measure) -> list[str]:
    """An override of one of the base's measures at half its rate, commented out."""
    if measure is None:
        return []
    return ["# Example: one of the base's measures at half its rate. An instrument given with the id of one of the",
            "# base's replaces the keys it sets and keeps the others; a new id adds an instrument. Uncomment to use:",
            "#",
            "# [[measures]]",
            f"# id = {_quoted(measure.id):<28}  # {_cut(measure.reference or measure.description, 70)}".rstrip(" #"),
            f"# rate = {measure.rate / 2:<26g}  # half of {measure.rate:g}",
            ""]


def _disable(base: ScenarioFile, measure) -> list[str]:
    """A commented 'disable' of one of the base's instruments (an exemption where it has one), not the example's."""
    ids = [i.id for s in ("exemptions", "measures") for i in getattr(base.spec, s) if getattr(i, "id", None)]
    pick = next((i for i in ids if measure is None or i != measure.id), None)
    return [f"# disable = [{_quoted(pick)}]    # instruments of the base to remove, by id"] if pick else []


def starter(target: Path, base: ScenarioFile) -> str:
    """The text of a scenario at ``target`` that extends ``base`` (loaded: its instruments resolved through its own
    extends), naming every id of the base's instruments in comments."""
    extends = extends_path(target, base.path)
    named = {s: [i for i in getattr(base.spec, s) if getattr(i, "id", None)] for s in SECTIONS}
    width = max((len(i.id) for items in named.values() for i in items), default=10)
    lines = [
        f"# {target.name}: a scenario on top of {base.path.name} ({_cut(base.spec.name, 70)}).",
        "#",
        f"#   tariffsim validate {target.name}     check it against the language and the data",
        f"#   tariffsim run {target.name}          run it; --as-of DATE or --path START:END:STEP for other dates",
        "#",
        "# The language: docs/SCENARIOS.md; tariffsim schema prints it for editors.",
        "",
        f"name = {_quoted(target.stem)}",
        "# description = \"What this scenario changes, and why.\"",
        f"extends = {_quoted(extends)}",
    ]
    if base.spec.as_of is not None:
        lines.append(f"# as_of = {base.spec.as_of}             # the date of the base; set another to evaluate then")
    example = _example_measure(base)
    lines += [*_disable(base, example), "", *_override(example)]
    total = sum(len(items) for items in named.values())
    lines += [f"# ---- The {total} instruments of {base.path.name} (and what it extends) an overlay can override or "
              "disable, by id ----"]
    legend = {"measures": "rate, importer <- exporters, dates, reference",
              "exemptions": "the measures it lifts, for which exporters, dates, reference"}
    for section, items in named.items():
        if items:
            lines += ["#", f"# {section} ({len(items)}; {legend.get(section, 'importer <- exporters, dates, reference')}):",
                      *(_line(i, section, width) for i in items)]
    return "\n".join(lines) + "\n"
