"""Reading a scenario file: TOML syntax, then the schema, every problem reported at once."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import InputError, Problem, suggest
from . import schema


@dataclass(frozen=True)
class ScenarioFile:
    path: Path
    sha256: str
    spec: schema.Scenario

    @property
    def shown_as(self) -> str:
        return self.path.name


def _all_keys(model: type[BaseModel], acc: set[str]) -> set[str]:
    for name, field in model.model_fields.items():
        acc.add(name)
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                _all_keys(arg, acc)
    return acc


KNOWN_KEYS = _all_keys(schema.Scenario, set())


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: dict) -> tuple[tuple, str]:
    loc, kind, given = err["loc"], err["type"], err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        return loc[:-1], f"unknown key '{key}'{suggest(key, KNOWN_KEYS)}"
    if kind == "missing":
        return loc[:-1], f"missing required key '{loc[-1]}'"
    if kind in ("float_type", "int_type", "float_parsing") and isinstance(given, str):
        hint = ""
        if given.strip().endswith("%"):
            try:
                hint = f"; rates are fractions: write {given.strip()} as {float(given.strip()[:-1]) / 100:g}"
            except ValueError:
                pass
        return loc, f"expected a number, got text '{given}'{hint}"
    if kind in ("string_type",) and not isinstance(given, str):
        return loc, f"expected text in quotes, got {given!r}"
    if kind == "list_type":
        return loc, f"expected a list like [\"...\"], got {given!r}"
    if kind == "literal_error":
        return loc, f"'{given}' is not allowed: {err['msg'].replace('Input should be ', 'use ')}"
    msg = err["msg"].removeprefix("Value error, ")
    return loc, msg


def load(path: str | Path) -> ScenarioFile:
    path = Path(path)
    shown = path.name
    if not path.exists():
        raise InputError(Problem(str(path), None, "scenario file not found"))
    if path.is_dir():
        raise InputError(Problem(str(path), None, "is a directory, not a scenario file"))
    raw = path.read_bytes()
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(Problem(shown, None, "not a UTF-8 text file"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(shown, None, f"TOML syntax error: {exc}"))
    try:
        spec = schema.Scenario.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc, msg = _message(err)
            problems.append(Problem(shown, _where(loc) or None, msg))
        raise InputError(problems)
    return ScenarioFile(path, hashlib.sha256(raw).hexdigest(), spec)
