"""The JSON Schema of the scenario language, for editors (``tariffsim schema``).

Built from the pydantic models ``validate`` uses (``scenario.schema``): their types and enums, the keywords their
checks carry (ranges, names, HS prefixes) and their required keys, so the two agree. Draft-07, which TOML editors
(taplo, and with it VS Code's Even Better TOML) support; strict JSON, with no remote reference.

It describes one file as written. A file with ``extends`` is an overlay: its name and an instrument's other keys
may come from the base it extends, so there the keys a whole file needs are required only of an instrument without
an ``id`` (which is added, not merged). What no JSON Schema of one file can see is left to ``validate``: names
against the dataset, measure ids, ``extends`` and the files it reads, repeated ids, dates in order, a TRQ's
out_rate below its in_rate; and what an editor cannot tell apart, as it hands the schema TOML dates as text and inf
and nan alike as null: a date in quotes, nan for export_supply (where inf is allowed).
"""

from __future__ import annotations

import json
import typing

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from . import schema

DRAFT = "http://json-schema.org/draft-07/schema#"
TITLE = "tariffsim scenario"
REF = "#/definitions/{model}"
WHOLE = "{model}-whole-file"            # a definition of the keys an instrument of a whole file needs


class _Generator(GenerateJsonSchema):
    """pydantic's generator, for TOML: no null (an optional key is one left out), no titles made from key names,
    a table of names with a check on each name (``propertyNames``)."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        keys = self.generate_inner(schema["keys_schema"]) if "keys_schema" in schema else {}
        values = self.generate_inner(schema["values_schema"]) if "values_schema" in schema else {}
        names = {k: v for k, v in keys.items() if k not in ("type", "title")}
        return {"type": "object", "additionalProperties": values or True, **({"propertyNames": names} if names else {})}


def _model(section: str) -> type[schema.Strict]:
    annotation = schema.Scenario.model_fields[section].annotation       # list[Measure], ...
    (model,) = typing.get_args(annotation)
    return model


def _tidy(node):
    """No ``"default": null`` (TOML has no null), descriptions on one line, and no key beside a ``$ref``, which
    draft-07 ignores: the reference goes into an ``allOf`` of one."""
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _tidy(v) for k, v in node.items() if not (k == "default" and v is None)}
    if isinstance(out.get("description"), str):      # a docstring's lines, as one paragraph
        out["description"] = " ".join(out["description"].split())
    if isinstance(out.get("default"), dict):
        out["default"] = {k: v for k, v in out["default"].items() if v is not None}
    if "$ref" in out and len(out) > 1:
        out = {"allOf": [{"$ref": out.pop("$ref")}], **out}
    return out


def document() -> dict:
    """The JSON Schema of a scenario file."""
    doc = schema.Scenario.model_json_schema(ref_template=REF, schema_generator=_Generator)
    definitions = doc.pop("$defs")
    whole_file = {"required": doc.pop("required")}       # the name: an overlay takes it from its base
    overlay: dict = {}
    for section in schema.SECTIONS:
        model = _model(section)
        own = definitions[model.__name__]
        required = [*own.pop("required", []), *model.whole_file.get("required", [])]
        rules = {**model.whole_file, **({"required": required} if required else {})}
        definitions[WHOLE.format(model=model.__name__)] = {
            "description": f"The keys a {section[:-1]} needs in a file without 'extends' (or without an 'id').",
            **rules}
        whole = {"$ref": REF.format(model=WHOLE.format(model=model.__name__))}
        whole_file.setdefault("properties", {})[section] = {"items": whole}
        overlay[section] = {"items": {"if": {"not": {"required": ["id"]}}, "then": whole}}
    props = doc["properties"]
    props["extends"] = {"type": "string", "minLength": 1, "pattern": r"^[^\x00]*[^\x00\s][^\x00]*$",
                        "description": "The scenario file this one overlays, relative to this file: its tables are "
                                       "merged key by key, its instruments by id."}
    props["disable"] = {"type": "array", "items": {"type": "string"},
                        "description": "Ids of instruments of the extended scenario to remove."}
    doc = {
        "$schema": DRAFT,
        "title": TITLE,
        **{k: v for k, v in doc.items() if k != "title"},
        "dependencies": {"disable": ["extends"]},
        "if": {"required": ["extends"]},
        "then": {"properties": overlay},
        "else": whole_file,
        "definitions": dict(sorted(definitions.items())),
    }
    return _tidy(doc)


def text() -> str:
    """The schema as strict JSON (``allow_nan=False``: a bound or default that is no finite number is an error
    here, not an ``Infinity`` an editor cannot read)."""
    return json.dumps(document(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
