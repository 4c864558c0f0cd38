"""Reading a scenario file: TOML syntax, overlays (`extends`), then the schema.

Every problem is reported at once, naming the file it is in and the key path, with that file's own index of an
instrument (an overlay's first exemption is ``exemptions[0]`` of the overlay, whatever the base holds).

Overlays: ``extends = "base.toml"`` (relative to the file) loads the base first; the overlay's
tables (data, model, elasticities, groups) are merged key by key; its instruments (measures,
exemptions, preferences, quotas, commitments) are merged by ``id`` (the overlay's keys replace
the base's) or appended; ``disable = [ids]`` removes instruments of the base.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..errors import InputError, Problem, has_control, suggest
from ..files import check_regular_file
from . import schema
from .defaults import with_model_defaults

SECTIONS = schema.SECTIONS
TABLES = ("data", "model", "elasticities", "groups")
MAX_SCENARIO_BYTES = 20_000_000     # the largest shipped scenario is about 0.1 MB
MAX_EXTENDS = 50
OVERLAY_KEYS = ("extends", "disable")


@dataclass(frozen=True)
class Origin:
    """Where an instrument of the merged scenario was written: the file, its index in that file's own section, and
    for an item an overlay merged into a base's, the file and index of each key the overlay did not set."""

    file: str
    index: int
    keys: dict = field(default_factory=dict)         # key -> (file, index), where the key came from another file

    def of(self, key: str | None) -> tuple[str, int]:
        return self.keys.get(key, (self.file, self.index)) if key is not None else (self.file, self.index)


_LOCATED = re.compile(r"^(?P<section>[a-z_]+(?:\.[a-z_]+)?)\[(?P<index>\d+)\](?:\.(?P<key>\w+))?")


@dataclass(frozen=True)
class ScenarioFile:
    path: Path
    sha256: str
    spec: schema.Scenario
    chain: tuple[tuple[str, str], ...] = ()          # (file name, sha256) from the top file down to the root base
    origins: dict = field(default_factory=dict)      # section -> Origin of each item, for messages
    data_dir: Path | None = None                     # the folder [data].flows is relative to
    files: tuple[Path, ...] = ()                     # every scenario file read, resolved: the top file and its bases
    key_origins: dict = field(default_factory=dict)  # "data.flows", "name", ... -> the file that set it

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
        """The file the ``index``-th item of ``section`` (in the merged scenario) is written in."""
        return _locate(self.origins, section, index, None, self.shown_as)[0]

    def locate(self, section: str, index: int | None, where: str | None) -> tuple[str, str | None]:
        """A problem's file and location as the user wrote them: ``where`` (e.g. ``"exemptions[5].exporters[0]"``,
        the index in the merged scenario) rewritten with the index in the file that holds the item or the key."""
        if index is None or section not in self.origins:
            return self.key_origin(where), where
        m = _LOCATED.match(where or "")
        key = m.group("key") if m else None
        file, own = _locate(self.origins, section, index, key, self.shown_as)
        if m and m.group("section").split(".")[0] == section and int(m.group("index")) == index:
            assert where is not None                     # matched: a location was given
            head = f"{m.group('section')}[{index}]"
            where = f"{m.group('section')}[{own}]" + where[len(head):]
        return file, where

    def key_origin(self, where: str | None) -> str:
        """The file that set a key outside the instruments (``"data.flows"``, ``"groups.asia"``, ``"name"``)."""
        parts = re.sub(r"\[\d+\]", "", where or "").split(".")
        for k in range(len(parts), 0, -1):
            if (f := self.key_origins.get(".".join(parts[:k]))) is not None:
                return f
        return self.shown_as


def _locate(origins: dict, section: str, index: int, key: str | None, default: str) -> tuple[str, int]:
    """The file and own index of an item (or of one of its keys); the top file and the index as given where the
    record has none."""
    items = origins.get(section, [])
    return items[index].of(key) if index < len(items) else (default, index)


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


def _cut(text: str, most: int = 80) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."


def _message(err: ErrorDetails) -> tuple[tuple, str]:
    loc, kind, given = tuple(err["loc"]), err["type"], err.get("input")
    if isinstance(given, str):
        given = _cut(given)
    # pydantic names the branch of a union in the location ("float", "literal['data']") and marks a table's key
    # ("[key]"): drop them
    loc = tuple(p for p in loc if not (isinstance(p, str) and (p in ("float", "str", "int", "[key]")
                                                               or p.startswith(("literal[", "function-")))))
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if key in HOME_TABLE and (len(loc) < 2 or loc[-2] != HOME_TABLE[key]):
            return loc[:-1], f"'{key}' belongs in [{HOME_TABLE[key]}], not here"
        if key in KNOWN_KEYS:                  # a key of another table or kind of instrument
            return loc[:-1], f"'{key}' is not a key here (it belongs to another table or kind of instrument)"
        return loc[:-1], f"unknown key '{_cut(key)}'{suggest(key, KNOWN_KEYS)}"
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
        return loc, f"expected a number, got {type(given).__name__} {_shown_value(given)}"
    if kind == "string_type" and not isinstance(given, str):
        return loc, f"expected text in quotes, got {_shown_value(given)}"
    if kind == "list_type":
        return loc, f"expected a list like [\"...\"], got {_shown_value(given)}"
    if kind in ("date_type", "date_from_datetime_parsing", "date_parsing"):
        return loc, f"expected a TOML date like 2025-08-07 (no quotes), got {_shown_value(given)}"
    if kind == "too_short":
        return loc, "is empty: list at least one (or [\"*\"] for every one)"
    if kind in ("model_type", "model_attributes_type"):
        return loc, f"expected a table, got {_shown_value(given)}"
    if kind == "dict_type":
        return loc, f"expected a table, got {_shown_value(given)}"
    if kind == "literal_error":
        return loc, f"'{given}' is not allowed: {err['msg'].replace('Input should be ', 'use ')}"
    msg = err["msg"].removeprefix("Value error, ")
    return loc, msg


# The keys a scenario may have at its top: a file with none of them (nor a near miss) is some other file.
TOP_KEYS = frozenset(schema.Scenario.model_fields) | set(OVERLAY_KEYS)
# tomllib messages that quote the file's keys: said without them (the file may be no scenario: a .env, a key file).
# The others quote at most the one character where the syntax breaks.
_QUOTING = [(re.compile(p), m) for p, m in (
    (r"^Cannot declare .* twice$", "a table declared twice"),
    (r"^Duplicate inline table key .*", "a key given twice in an inline table"),
    (r"^Cannot (?:redefine|mutate immutable) namespace .*", "a key or table defined twice"),
)]
_AT = re.compile(r"^(?P<msg>.*?) \((?:at line (?P<line>\d+), column (?P<col>\d+)|at end of document)\)$", re.S)


def _syntax_message(exc: tomllib.TOMLDecodeError) -> str:
    """'not a valid scenario file: TOML syntax error at line N, column M (what)', never quoting the file."""
    m = _AT.match(str(exc))
    if m is None:
        return "not a valid scenario file: TOML syntax error"
    what = m.group("msg")
    for pattern, said in _QUOTING:
        if pattern.match(what):
            what = said
            break
    at = f"at line {m.group('line')}, column {m.group('col')}" if m.group("line") else "at the end of the file"
    return f"not a valid scenario file: TOML syntax error {at} ({what[:1].lower() + what[1:]})"


def _read_toml(path: Path, shown: str) -> tuple[dict, bytes]:
    """The parsed document and the file's bytes (hashed for provenance)."""
    try:
        if not path.exists():
            raise InputError(Problem(str(path), None, "scenario file not found"))
        if path.is_dir():
            raise InputError(Problem(str(path), None, "is a directory, not a scenario file"))
        check_regular_file(path, shown, MAX_SCENARIO_BYTES, "a scenario file")
        raw = path.read_bytes()
    except OSError as exc:            # unreadable: permissions, a name too long, a link loop
        raise InputError(Problem(shown, None, f"cannot read the file ({_os_reason(exc)})"))
    try:
        doc = tomllib.loads(raw.decode("utf-8-sig"))      # a byte-order mark, as some editors write, is allowed
    except UnicodeDecodeError:
        raise InputError(Problem(shown, None, "not a UTF-8 text file, so not a scenario file"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(shown, None, _syntax_message(exc)))
    except RecursionError:
        raise InputError(Problem(shown, None, "arrays or tables nested too deeply to be a scenario"))
    if doc and not any(k in TOP_KEYS or suggest(k, TOP_KEYS) for k in doc):
        # some other TOML file (settings, secrets): say so without quoting any of it
        raise InputError(Problem(shown, None, "not a scenario file: none of its keys is a key of the scenario "
                                 "language (name, description, extends, data, model, measures, ...)"))
    return doc, raw


@dataclass
class _Doc:
    """A merged document, with the file each instrument and each other key came from."""

    data: dict
    origins: dict                                    # section -> [Origin] of each item
    chain: list
    data_dir: Path
    files: list = field(default_factory=list)       # every file read, resolved, from the top file down
    keys: dict = field(default_factory=dict)        # "name", "data.flows", "groups.asia", ... -> file


def _id(item) -> str | None:
    """An instrument's id where it has one that is text (the schema reports any other)."""
    ident = item.get("id") if isinstance(item, dict) else None
    return ident if isinstance(ident, str) else None


def _merge(base: _Doc, overlay: dict, shown: str, folder: Path) -> _Doc:
    problems = []
    out = {k: v for k, v in base.data.items()}
    origins = {k: list(v) for k, v in base.origins.items()}
    disable = overlay.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        raise InputError(Problem(shown, "disable", "expected a list of ids like [\"us-reciprocal\"]"))
    for sec in SECTIONS:
        if not isinstance(overlay.get(sec, []), list):
            raise InputError(Problem(shown, sec, f"expected an array of tables ([[{sec}]]), got "
                                     f"{_shown_value(overlay[sec])}"))
    base_ids = {_id(item): sec for sec in SECTIONS for item in out.get(sec, []) if _id(item) is not None}
    overlay_ids = {_id(item) for sec in SECTIONS for item in overlay.get(sec, [])}
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
        items = [dict(i) if isinstance(i, dict) else i for i in out.get(sec, [])]   # a non-table: the schema says so
        src = origins.get(sec, [])
        keep = [(i, s) for i, s in zip(items, src) if _id(i) is None or _id(i) not in disable]
        items, src = [i for i, _ in keep], [s for _, s in keep]
        new = overlay.get(sec, [])
        inherited = len(items)   # only items of the base are merged into; a repeat within one file is an error later
        for j, item in enumerate(new):
            ident = _id(item)
            at = next((k for k, i in enumerate(items[:inherited]) if ident is not None and _id(i) == ident), None)
            if at is None:
                items.append(item)
                src.append(Origin(shown, j))
            else:
                # the merged item is the overlay's; the keys it does not set are still where the base wrote them
                was = src[at]
                keys = {k: was.of(k) for k in items[at] if k not in item}
                items[at] = {**items[at], **item}
                src[at] = Origin(shown, j, keys)
        out[sec], origins[sec] = items, src
    data_dir = base.data_dir
    keys = dict(base.keys)
    for key, value in overlay.items():
        if key in SECTIONS or key in OVERLAY_KEYS:
            continue
        if key in TABLES and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
            keys.update({f"{key}.{k}": shown for k in value})
        else:
            out[key] = value
            keys = {k: f for k, f in keys.items() if not k.startswith(f"{key}.")}
            keys[key] = shown
    if isinstance(overlay.get("data"), dict) and "flows" in overlay["data"]:
        data_dir = folder
    return _Doc(out, origins, base.chain, data_dir, keys=keys)


def _load_doc(path: Path, seen: tuple[Path, ...], given: Path | None = None) -> _Doc:
    """``path`` merged over what it extends; ``given``: the path as written (the top file as given, a base relative
    to the file that names it), for messages about the file as a whole."""
    shown = path.name
    given = given or path
    raw_doc, raw = _read_toml(path, shown if not seen else os.path.normpath(given))
    chain = [(shown, hashlib.sha256(raw).hexdigest())]
    parent = raw_doc.get("extends")
    if parent is None:
        if "disable" in raw_doc:
            raise InputError(Problem(shown, "disable", "'disable' needs 'extends': there is no base scenario to disable from"))
        base = _Doc({}, {}, [], path.parent)
    else:
        if not isinstance(parent, str):
            raise InputError(Problem(shown, "extends", f"expected a file name in quotes, got {_shown_value(parent)}"))
        if "\x00" in parent:
            raise InputError(Problem(shown, "extends", "the file name holds a NUL character"))
        if not parent.strip():
            raise InputError(Problem(shown, "extends", "is empty: give the scenario file this one overlays"))
        if len(seen) >= MAX_EXTENDS:
            raise InputError(Problem(shown, "extends", f"more than {MAX_EXTENDS} files deep; a chain this long is "
                                     "surely a mistake"))
        try:
            target = (path.parent / parent).resolve()
            here = path.resolve()
        except RuntimeError:                 # a loop of symbolic links (before Python 3.13)
            raise InputError(Problem(shown, "extends", f"'{_cut(parent)}' is a loop of symbolic links"))
        except OSError as exc:
            raise InputError(Problem(shown, "extends", f"'{_cut(parent)}' cannot be read ({_os_reason(exc)})"))
        if target in seen or target == here:
            cycle = " -> ".join(p.name for p in (*seen, here, target))
            raise InputError(Problem(shown, "extends", f"circular extends: {cycle}"))
        try:
            found, folder = target.exists(), target.is_dir()
        except OSError as exc:               # a name too long for the file system, a link loop (3.13)
            raise InputError(Problem(shown, "extends", f"'{_cut(parent)}' cannot be read ({_os_reason(exc)})"))
        if not found:
            raise InputError(Problem(shown, "extends", f"file '{_cut(parent)}' not found (looked in {path.parent})"))
        if folder:
            raise InputError(Problem(shown, "extends", f"'{_cut(parent)}' is a directory, not a scenario file"))
        base = _load_doc(target, (*seen, here), given.parent / parent)
    merged = _merge(base, raw_doc, shown, path.parent)
    merged.chain = chain + base.chain
    merged.files = [path.resolve(), *base.files]
    return merged


def _os_reason(exc: OSError) -> str:
    import errno
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    return (exc.strerror or type(exc).__name__).lower()


def _shown_value(v) -> str:
    """A value for a message, cut short: the whole of a long value would bury the message."""
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


def load(path: str | Path) -> ScenarioFile:
    path = Path(path)
    if has_control(str(path)):
        raise InputError(Problem(str(path), None, "the file name holds control characters; rename the file"))
    doc = _load_doc(path, ())
    # no spec yet: this one only locates the problems of the spec in the files
    located = ScenarioFile(path, "", cast(schema.Scenario, None), (), doc.origins, key_origins=doc.keys)
    try:
        spec = schema.Scenario.model_validate(doc.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc, msg = _message(err)
            where = _where(loc) or None
            if len(loc) >= 2 and loc[0] in SECTIONS and isinstance(loc[1], int):
                file, where = located.locate(loc[0], loc[1], where)
            else:
                file = located.key_origin(where)
            problems.append(Problem(file, where, msg))
        raise InputError(problems)
    spec = with_model_defaults(spec)      # a compatibility model's own defaults where the file sets none
    return ScenarioFile(path, doc.chain[0][1], spec, tuple(doc.chain), doc.origins, doc.data_dir, tuple(doc.files),
                        doc.keys)
