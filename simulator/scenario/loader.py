"""Reading a scenario file: TOML syntax, overlays (`extends`), then the schema.

Every problem is reported at once, naming the file it is in and the key path.

Overlays: ``extends = "base.toml"`` (relative to the file) loads the base first; the overlay's
tables (data, model, elasticities, groups) are merged key by key; its instruments (measures,
exemptions, preferences, quotas, commitments) are merged by ``id`` (the overlay's keys replace
the base's) or appended; ``disable = [ids]`` removes instruments of the base.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..errors import InputError, Problem, suggest
from ..files import check_regular_file
from . import schema

SECTIONS = schema.SECTIONS
TABLES = ("data", "model", "elasticities", "groups")
MAX_SCENARIO_BYTES = 20_000_000     # the largest shipped scenario is about 0.1 MB
MAX_EXTENDS = 50
OVERLAY_KEYS = ("extends", "disable")


@dataclass(frozen=True)
class ScenarioFile:
    path: Path
    sha256: str
    spec: schema.Scenario
    chain: tuple[tuple[str, str], ...] = ()          # (file name, sha256) from the top file down to the root base
    origins: dict = field(default_factory=dict)      # section -> file name of each item, for messages
    data_dir: Path | None = None                     # the folder [data].flows is relative to
    files: tuple[Path, ...] = ()                     # every scenario file read, resolved: the top file and its bases

    def inputs(self) -> tuple[Path, ...]:
        """Every file the run reads: the scenario files and a flows file."""
        flows = self.spec.data.flows
        if flows.lower().endswith((".csv", ".parquet", ".pq")):
            return (*self.files, ((self.data_dir or self.path.parent) / flows).resolve())
        return self.files

    @property
    def shown_as(self) -> str:
        return self.path.name

    def origin(self, section: str, index: int) -> str:
        return _origin(self.origins, section, index, self.shown_as)


def _origin(origins: dict, section: str, index: int, default: str) -> str:
    """The file an item of a section came from (the top file where the record has none)."""
    files = origins.get(section, [])
    return files[index] if index < len(files) else default


def _all_keys(model: type[BaseModel], acc: set[str]) -> set[str]:
    for name, fld in model.model_fields.items():
        acc.add(name)
        for arg in (fld.annotation, *getattr(fld.annotation, "__args__", ())):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    _all_keys(inner, acc)
    return acc


KNOWN_KEYS = _all_keys(schema.Scenario, set()) | set(OVERLAY_KEYS)
# Where each key of the [data], [model] and [elasticities] tables belongs, to catch a key in the wrong table.
HOME_TABLE = {k: t for t in ("data", "model", "elasticities")
              for k in cast(type[BaseModel], schema.Scenario.model_fields[t].annotation).model_fields}


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: ErrorDetails) -> tuple[tuple, str]:
    loc, kind, given = tuple(err["loc"]), err["type"], err.get("input")
    # pydantic names the branch of a union in the location ("float", "literal['data']"): drop it
    loc = tuple(p for p in loc if not (isinstance(p, str) and (p in ("float", "str", "int") or p.startswith(("literal[", "function-")))))
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if key in HOME_TABLE and (len(loc) < 2 or loc[-2] != HOME_TABLE[key]):
            return loc[:-1], f"'{key}' belongs in [{HOME_TABLE[key]}], not here"
        return loc[:-1], f"unknown key '{key}'{suggest(key, KNOWN_KEYS)}"
    if kind == "missing":
        return loc[:-1], f"missing required key '{loc[-1]}'"
    if kind in ("float_type", "int_type", "float_parsing", "literal_error") and isinstance(given, str) and given.strip().endswith("%"):
        try:
            return loc, f"expected a number, got text '{given}'; rates are fractions: write {given.strip()} as {float(given.strip()[:-1]) / 100:g}"
        except ValueError:
            pass
    if kind in ("float_type", "int_type", "float_parsing") and isinstance(given, str):
        return loc, f"expected a number, got text '{given}'"
    if kind in ("float_type", "int_type") or (kind == "literal_error" and not isinstance(given, str)):
        return loc, f"expected a number, got {type(given).__name__} {given!r}"
    if kind == "string_type" and not isinstance(given, str):
        return loc, f"expected text in quotes, got {given!r}"
    if kind == "list_type":
        return loc, f"expected a list like [\"...\"], got {given!r}"
    if kind in ("date_type", "date_from_datetime_parsing", "date_parsing"):
        return loc, f"expected a TOML date like 2025-08-07 (no quotes), got {given!r}"
    if kind == "dict_type":
        return loc, f"expected a table, got {given!r}"
    if kind == "literal_error":
        return loc, f"'{given}' is not allowed: {err['msg'].replace('Input should be ', 'use ')}"
    msg = err["msg"].removeprefix("Value error, ")
    return loc, msg


def _read_toml(path: Path, shown: str) -> tuple[dict, bytes]:
    """The parsed document and the file's bytes (hashed for provenance)."""
    if not path.exists():
        raise InputError(Problem(str(path), None, "scenario file not found"))
    if path.is_dir():
        raise InputError(Problem(str(path), None, "is a directory, not a scenario file"))
    check_regular_file(path, shown, MAX_SCENARIO_BYTES, "a scenario file")
    raw = path.read_bytes()
    try:
        return tomllib.loads(raw.decode("utf-8")), raw
    except UnicodeDecodeError:
        raise InputError(Problem(shown, None, "not a UTF-8 text file"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(shown, None, f"TOML syntax error: {exc}"))
    except RecursionError:
        raise InputError(Problem(shown, None, "arrays or tables nested too deeply to be a scenario"))


@dataclass
class _Doc:
    """A merged document, with the file each instrument came from."""

    data: dict
    origins: dict
    chain: list
    data_dir: Path
    files: list = field(default_factory=list)       # every file read, resolved, from the top file down


def _merge(base: _Doc, overlay: dict, shown: str, folder: Path) -> _Doc:
    problems = []
    out = {k: v for k, v in base.data.items()}
    origins = {k: list(v) for k, v in base.origins.items()}
    disable = overlay.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        raise InputError(Problem(shown, "disable", "expected a list of ids like [\"us-reciprocal\"]"))
    base_ids = {item.get("id"): sec for sec in SECTIONS for item in out.get(sec, []) if isinstance(item, dict)}
    overlay_ids = {item.get("id") for sec in SECTIONS for item in overlay.get(sec, []) if isinstance(item, dict)}
    for j, ident in enumerate(disable):
        if ident not in base_ids:
            problems.append(Problem(shown, f"disable[{j}]", f"no instrument '{ident}' in the scenario it extends"
                                    f"{suggest(ident, [i for i in base_ids if i])}"))
        elif ident in overlay_ids:
            problems.append(Problem(shown, f"disable[{j}]", f"conflicting overlay: '{ident}' is both disabled and "
                                    "redefined in this file; do one or the other"))
    if problems:
        raise InputError(problems)
    for sec in SECTIONS:
        items = [dict(i) for i in out.get(sec, [])]
        src = origins.get(sec, [shown] * len(items))
        keep = [(i, s) for i, s in zip(items, src) if i.get("id") not in disable]
        items, src = [i for i, _ in keep], [s for _, s in keep]
        new = overlay.get(sec, [])
        if not isinstance(new, list):
            raise InputError(Problem(shown, sec, f"expected an array of tables ([[{sec}]])"))
        inherited = len(items)   # only items of the base are merged into; a repeat within one file is an error later
        for item in new:
            ident = item.get("id") if isinstance(item, dict) else None
            at = next((k for k, i in enumerate(items[:inherited]) if ident is not None and i.get("id") == ident), None)
            if at is None:
                items.append(item)
                src.append(shown)
            else:
                items[at] = {**items[at], **item}
                src[at] = shown
        out[sec], origins[sec] = items, src
    data_dir = base.data_dir
    for key, value in overlay.items():
        if key in SECTIONS or key in OVERLAY_KEYS:
            continue
        if key in TABLES and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    if isinstance(overlay.get("data"), dict) and "flows" in overlay["data"]:
        data_dir = folder
    return _Doc(out, origins, base.chain, data_dir)


def _load_doc(path: Path, seen: tuple[Path, ...]) -> _Doc:
    shown = path.name
    raw_doc, raw = _read_toml(path, shown if not seen else str(path))
    chain = [(shown, hashlib.sha256(raw).hexdigest())]
    parent = raw_doc.get("extends")
    if parent is None:
        if "disable" in raw_doc:
            raise InputError(Problem(shown, "disable", "'disable' needs 'extends': there is no base scenario to disable from"))
        base = _Doc({}, {}, [], path.parent)
    else:
        if not isinstance(parent, str):
            raise InputError(Problem(shown, "extends", f"expected a file name in quotes, got {parent!r}"))
        if "\x00" in parent:
            raise InputError(Problem(shown, "extends", "the file name holds a NUL character"))
        target = (path.parent / parent).resolve()
        if len(seen) >= MAX_EXTENDS:
            raise InputError(Problem(shown, "extends", f"more than {MAX_EXTENDS} files deep; a chain this long is "
                                     "surely a mistake"))
        if target in seen or target == path.resolve():
            cycle = " -> ".join(p.name for p in (*seen, path.resolve(), target))
            raise InputError(Problem(shown, "extends", f"circular extends: {cycle}"))
        if not target.exists():
            raise InputError(Problem(shown, "extends", f"file '{parent}' not found (looked in {path.parent})"))
        base = _load_doc(target, (*seen, path.resolve()))
    merged = _merge(base, raw_doc, shown, path.parent)
    merged.chain = chain + base.chain
    merged.files = [path.resolve(), *base.files]
    return merged


def load(path: str | Path) -> ScenarioFile:
    path = Path(path)
    doc = _load_doc(path, ())
    try:
        spec = schema.Scenario.model_validate(doc.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc, msg = _message(err)
            file = path.name
            if len(loc) >= 2 and loc[0] in SECTIONS and isinstance(loc[1], int):
                file = _origin(doc.origins, loc[0], loc[1], file)
            problems.append(Problem(file, _where(loc) or None, msg))
        raise InputError(problems)
    return ScenarioFile(path, doc.chain[0][1], spec, tuple(doc.chain), doc.origins, doc.data_dir, tuple(doc.files))
