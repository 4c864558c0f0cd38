"""The scenario language: what a TOML scenario file may contain.

Rates are fractions (0.25), HS prefixes strings ("0201"), countries ISO3 codes, regions or
named groups, dates TOML dates. Unknown keys are errors, so a typo never silently does nothing.
Ids, group and region names are plain names (letters, digits, '-', '_', '.'); text holds no control
characters; every number is finite and within a stated range.
Cross-references (measure ids, countries, lists) are checked later, against the dataset,
by ``scenario.resolve``.

The checks are Python, for their messages; each carries the JSON Schema keywords that say the same to an editor
(``Checked``), from the same constants, and ``scenario.json_schema`` builds ``tariffsim schema`` from these models.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler, model_validator
from pydantic_core import CoreSchema, core_schema

from .. import hs
from ..errors import has_control

MAX_RATE = 5.0   # 500%: above this a rate is almost surely a percentage typed as a number
MAX_TRQ_RATE = 10.0   # a tariff-rate quota's out-of-quota rate can be prohibitive
MAX_CUT = 1.0    # a cut removes a share of the current rate
MAX_SCALE = 10.0  # a mirror's rate multiplier
# Elasticities beyond these are no estimate anyone has made; they only break the arithmetic (docs/SCENARIOS.md).
MAX_IMPORT_DEMAND = 100.0          # |import_demand| at most
SUBSTITUTION_RANGE = (0.01, 1000.0)
EXPORT_SUPPLY_RANGE = (0.01, 1e6)  # or inf: price takers
MAX_NAME = 100
_PLAIN = re.compile(r"[^\W_][\w.-]*\Z")
# The same in the regular expressions of JSON Schema, which engines read alike only for ASCII: exact there; any
# other character (but the C1 controls) is let through, and validate still checks it.
PLAIN_PATTERN = r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f][^\x00-\x2c\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x9f]*"
# What ``errors.has_control`` finds (tab and newline aside), as a character class for JSON Schema; a line has no
# newline either.
_CONTROL = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
TEXT_PATTERN = rf"^[^{_CONTROL}]*$"
LINE_PATTERN = rf"^[^\n{_CONTROL}]*$"
# HS prefixes as ``hs.prefix_problem`` takes them: "*", "list:NAME", or 2-10 digits (an even number), with the
# dots and spaces people type
PRODUCT_PATTERN = r"^(\*|list:[\s\S]*|[.\s]*([0-9][.\s]*[0-9][.\s]*){1,5})$"


class Checked:
    """A check done in Python (with its own message) and the JSON Schema keywords that say the same to an editor,
    built from the same arguments so that the two agree. In ``Annotated[T, Checked(check, minimum=0)]`` the check
    runs after T's own validation."""

    def __init__(self, check: Callable[[Any], Any], /, **keywords: Any):
        self.check, self.keywords = check, keywords

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        return {**handler(schema), **self.keywords}


class OneOrList:
    """Where a list is expected, a single string is a list of one; the JSON Schema allows either. Put it last in
    ``Annotated`` so that the schema it extends is the list's whole one."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(_as_list, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        array = handler(schema)
        item = array["items"]
        assert item.get("type") == "string" and set(item) <= {"type", "pattern", "minLength", "maxLength"}, item
        # a string's keywords (pattern, length) and a list's (items, minItems, ...) each apply to their own type only
        return {**item, **array, "type": ["string", "array"]}


def plain_name_problem(v: str, what: str = "an id") -> str | None:
    """Why ``v`` is not a plain name (letters, digits, '-', '_', '.'; a letter or digit first), or None."""
    if not v:
        return f"{what} cannot be empty"
    if len(v) > MAX_NAME:
        return f"{what} is {len(v)} characters long, more than {MAX_NAME}"
    if not _PLAIN.match(v):
        return (f"'{v}' is not a plain name: {what} holds letters, digits, '-', '_' and '.', and starts with a letter "
                "or digit")
    return None


def _plain(what: str):
    def check(v: str) -> str:
        if problem := plain_name_problem(v, what):
            raise ValueError(problem)
        return v
    return check


def _plain_name(what: str) -> Checked:
    return Checked(_plain(what), pattern=f"^{PLAIN_PATTERN}$", maxLength=MAX_NAME)


def _reference(v: str) -> str:
    """A name that may carry the 'group:' prefix (a max_group) besides an id."""
    return _plain("a name")(v.removeprefix("group:")) and v


def _code(v: str) -> str:
    """A country code, region or group, or "*"."""
    return v if v == "*" else _plain("a country, region or group")(v)


# the prefix counts towards the length too: a little wider than validate, never narrower
Reference = Annotated[str, Checked(_reference, pattern=f"^(group:)?{PLAIN_PATTERN}$", maxLength=MAX_NAME + 6)]
Code = Annotated[str, Checked(_code, pattern=rf"^(\*|{PLAIN_PATTERN})$", maxLength=MAX_NAME)]
MeasureId = Annotated[str, Checked(lambda v: v if v == "*" else _reference(v),
                                   pattern=rf"^(\*|(group:)?{PLAIN_PATTERN})$", maxLength=MAX_NAME + 6)]


def _text(line: bool):
    def check(v: str) -> str:
        if has_control(v) or (line and ("\n" in v or "\r" in v)):
            raise ValueError("holds control characters (a terminal escape, a NUL, ...); write plain text"
                             + ("" if not line else " on one line"))
        return v
    return check


Id = Annotated[str, _plain_name("an id")]
Line = Annotated[str, Checked(_text(line=True), pattern=LINE_PATTERN)]      # a title: one line
Text = Annotated[str, Checked(_text(line=False), pattern=TEXT_PATTERN)]     # descriptions and references: lines allowed


SECTIONS = ("measures", "exemptions", "preferences", "quotas", "commitments")   # the instruments, in order

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    # What the model validators require of a whole file, in JSON Schema, beside the keys without a default; an
    # instrument of an overlay may take them from the base it extends (scenario.json_schema).
    whole_file: ClassVar[dict] = {}


def _as_list(value):
    return [value] if isinstance(value, str) else value


def _kind_in(kinds, default: str | None = None) -> dict:
    """JSON Schema: an instrument whose 'kind' is one of ``kinds``, or that gives none where ``default`` is one."""
    given = {"properties": {"kind": {"enum": sorted(kinds)}}, "required": ["kind"]}
    return {"anyOf": [{"not": {"required": ["kind"]}}, given]} if default in kinds else given


def _with_kinds(key: str, kinds, default: str | None, needed: bool = True) -> dict:
    """JSON Schema: ``key`` is for the instruments of ``kinds`` only (and ``needed`` by them)."""
    return {"if": _kind_in(kinds, default), **({"then": {"required": [key]}} if needed else {}),
            "else": {"not": {"required": [key]}}}


def _check_rate(v: float | None, name: str = "rate", upper: float = MAX_RATE) -> float | None:
    if v is None:
        return v
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number")
    if v < 0:
        raise ValueError(f"{name} must not be negative")
    if v > upper:
        pct = f"{v:g}%"
        raise ValueError(f"{name} {v:g} is above {upper * 100:g}%; rates are fractions: write {pct} as {v / 100:g}")
    return v


def _fraction(name: str, upper: float = MAX_RATE) -> Checked:
    """A rate: a fraction from 0 to ``upper``."""
    return Checked(lambda v: _check_rate(v, name, upper), minimum=0, maximum=upper)


def _check_share(v: float, name: str) -> float:
    if not (math.isfinite(v) and 0 <= v <= 1):
        raise ValueError(f"{name} must be between 0 and 1 (a share of the flow, e.g. 0.6)")
    return v


SHARE_RANGE = {"minimum": 0, "maximum": 1}     # what _check_share allows, for the JSON Schema


def _positive(name: str, what: str, strictly: bool) -> Checked:
    """A finite number above 0 (``strictly``) or from 0: ``what`` it is, for the message."""
    def check(v: float) -> float:
        if not (math.isfinite(v) and (v > 0 if strictly else v >= 0)):
            raise ValueError(f"{name} must be a finite number {'>' if strictly else '>='} 0 ({what})")
        return v
    return Checked(check, **({"exclusiveMinimum": 0} if strictly else {"minimum": 0}))


def _check_products(v: list[str]) -> list[str]:
    for i, p in enumerate(v):
        if p.startswith("list:"):
            continue
        if problem := hs.prefix_problem(p):
            raise ValueError(f"[{i}]: {problem}")
    return v


def _no_repeats(v: list[str]) -> list[str]:
    seen = set()
    for i, item in enumerate(v):
        if item in seen:
            raise ValueError(f"[{i}]: '{item}' is listed twice")
        seen.add(item)
    return v


def _star_alone(v: list[str]) -> list[str]:
    """"*" means every one: beside other codes it would hide them (a typo among them would go unseen)."""
    if "*" in v and len(v) > 1:
        raise ValueError(f"\"*\" (every one) cannot be listed with other codes: {v!r}; write [\"*\"] or the codes")
    return v


NoRepeats = Checked(_no_repeats, uniqueItems=True)
StarAlone = Checked(_star_alone, **{"if": {"contains": {"const": "*"}}, "then": {"maxItems": 1}})
# the list's check names the index of a bad prefix; the schema says it of each item
ProductCodes = Checked(_check_products, items={"type": "string", "pattern": PRODUCT_PATTERN})

# The checks travel with the types, so every section that uses them validates alike.
Names = Annotated[list[Reference], NoRepeats, OneOrList()]   # a single string is a list of one
Codes = Annotated[list[Code], Field(min_length=1), NoRepeats, StarAlone, OneOrList()]
MeasureIds = Annotated[list[MeasureId], Field(min_length=1), NoRepeats, StarAlone, OneOrList()]
Prefixes = Annotated[list[str], ProductCodes, OneOrList()]
Products = Annotated[list[str], Field(min_length=1), ProductCodes, OneOrList()]


def _check_share_or_table(v):
    if isinstance(v, str):
        if not v.startswith("table:") or len(v) == 6:
            raise ValueError(f"share '{v}' is neither a number between 0 and 1 nor \"table:NAME\" (a share table, "
                             "e.g. \"table:usmca-claims-2025\")")
        return v
    return _check_share(v, "share")


# A fraction of each flow, or a share table by name ("table:steel-content"): the share differs line by line.
Share = Annotated[float | str, Checked(_check_share_or_table, **SHARE_RANGE, pattern=r"^table:[\s\S]")]
Rate = Annotated[float, _fraction("rate")]


class Selection(Strict):
    """Which flows an instrument covers."""

    importer: Codes = Field(["*"], description="Importers: ISO3 codes, regions, groups, or \"*\".")
    exporters: Codes = Field(["*"], description="Exporters: ISO3 codes, regions, groups, or \"*\".")
    products: Products = Field(["*"], description="HS prefixes (\"0201\"), \"*\", or \"list:NAME\".")
    exclude: Prefixes = Field(default_factory=list, description="HS prefixes or lists taken out of `products`.")


class Dated(Strict):
    effective: dt.date | None = Field(None, description="First day in force (a TOML date, 2025-04-05).")
    expires: dt.date | None = Field(None, description="First day no longer in force; after 'effective'.")
    reference: Text = Field("", description="Legal citation, e.g. 'EO 14257, 90 FR 15041'.")
    description: Text = Field("", description="What it is, in your words.")

    @model_validator(mode="after")
    def _dates(self):
        if self.effective and self.expires and self.expires <= self.effective:
            raise ValueError(f"expires ({self.expires}) must be after effective ({self.effective})")
        return self


def _check_scale(v: float) -> float:
    if not (math.isfinite(v) and 0 <= v <= MAX_SCALE):
        raise ValueError(f"scale must be between 0 and {MAX_SCALE:g}")
    return v


MeasureKind = Literal["add", "set", "cap", "cut", "swiss", "floor", "specific", "ntm"]
NEEDS_RATE = {"add", "set", "cap", "cut", "floor", "ntm"}


class Measure(Selection, Dated):
    """A tariff measure: an ad valorem rate added or set, a cap, cut, Swiss formula, floor, specific duty or
    non-tariff barrier, on the flows it selects."""

    id: Id = Field(description="Unique name; exemptions, exclusions and overlays refer to it.")
    kind: MeasureKind | None = Field(None, description="add (default), set, cap, cut, swiss, floor, specific, ntm.")
    rate: Rate | None = Field(None, description="Ad valorem rate as a fraction (0.25 = 25%); for 'cut' the share cut.")
    coefficient: Annotated[float, _positive("coefficient", "a fraction, e.g. 0.25", strictly=True)] | None = Field(
        None, description="Swiss formula coefficient (a fraction, e.g. 0.25).")
    duty: Annotated[float, _positive("duty", "US dollars per unit", strictly=False)] | None = Field(
        None, description="Specific duty in US dollars per unit of quantity.")
    unit: Line | None = Field(None, description="Unit of a specific duty ('kg'); must match the data's unit where given.")
    share: Share = Field(1.0, description="Share of each flow's value the measure applies to (e.g. metal content).")
    excludes: Names = Field(default_factory=list, description="Measures that do not apply where this one does.")
    max_group: Id | None = Field(None, description="Of the measures in one group, only the highest applies.")
    mirror: Id | None = Field(None, description="Retaliation: copy this measure onto the reverse direction.")
    scale: Annotated[float, Checked(_check_scale, minimum=0, maximum=MAX_SCALE)] = Field(
        1.0, description="With mirror: the mirrored rate times this.")
    # Selection defaults differ for a mirror (importer = the mirrored measure's exporters), so no default here
    # (None until resolved: wider than Selection's types, on purpose).
    importer: Codes | None = Field(None, description="Importers: ISO3 codes, regions, groups, or \"*\".")  # type: ignore[assignment]
    exporters: Codes | None = Field(None, description="Exporters (default \"*\"; for a mirror, the mirrored importers).")  # type: ignore[assignment]
    products: Products | None = Field(None, description="HS prefixes, \"*\" or \"list:NAME\" (default \"*\").")  # type: ignore[assignment]

    # what _kind_fields below checks, for the JSON Schema: a cut is a share, mirror or not ...
    model_config = ConfigDict(json_schema_extra={"if": _kind_in({"cut"}),
                                                 "then": {"properties": {"rate": {"maximum": MAX_CUT}}}})
    # ... and the keys each kind needs or has no use for (an overlay's measure may take them from its base)
    whole_file: ClassVar[dict] = {
        "required": ["importer"],
        "if": {"not": {"required": ["mirror"]}},
        "then": {"allOf": [_with_kinds("rate", NEEDS_RATE, "add"), _with_kinds("coefficient", {"swiss"}, "add"),
                           _with_kinds("duty", {"specific"}, "add"),
                           _with_kinds("unit", {"specific"}, "add", needed=False)]},
        # a mirror takes the rest from the measure it mirrors, but a rate of its own needs its kind
        "else": {"if": {"not": {"required": ["kind"]}},
                 "then": {"not": {"anyOf": [{"required": [k]} for k in ("rate", "duty", "coefficient")]}}}}

    @model_validator(mode="after")
    def _kind_fields(self):
        kind = self.kind
        if self.id in self.excludes:
            raise ValueError(f"a measure cannot exclude itself: take '{self.id}' out of 'excludes'")
        if self.mirror == self.id:
            raise ValueError(f"a measure cannot mirror itself: 'mirror' names the measure '{self.id}' copies")
        if self.mirror:
            if self.importer is None:
                raise ValueError("missing required key 'importer' (a mirror measure needs the country that retaliates)")
            if kind is None and (self.rate is not None or self.duty is not None or self.coefficient is not None):
                raise ValueError("a mirror measure that sets 'rate', 'duty' or 'coefficient' needs 'kind' too")
            if kind == "cut":                          # the field check allows up to MAX_RATE; a cut is a share
                _check_rate(self.rate, "rate", MAX_CUT)
            return self
        kind = kind or "add"
        if self.importer is None:
            raise ValueError("missing required key 'importer'")
        if kind in NEEDS_RATE and self.rate is None:
            raise ValueError(f"missing required key 'rate' (every '{kind}' measure needs one)")
        if kind == "cut" and self.rate is not None and not 0 <= self.rate <= MAX_CUT:
            raise ValueError("a 'cut' rate is the share of the current rate removed, between 0 and 1 (0.5 halves it)")
        # the fields' own checks have their ranges
        if kind == "swiss" and self.coefficient is None:
            raise ValueError("a 'swiss' measure needs 'coefficient' > 0 (a fraction, e.g. 0.25)")
        if kind == "specific" and self.duty is None:
            raise ValueError("a 'specific' measure needs 'duty' >= 0 (US dollars per unit)")
        unused = [k for k, ok in (("coefficient", kind == "swiss"), ("duty", kind == "specific"),
                                  ("unit", kind == "specific"), ("rate", kind in NEEDS_RATE)) if getattr(self, k) is not None and not ok]
        if unused:
            raise ValueError(f"'{', '.join(unused)}' has no meaning for a '{kind}' measure")
        return self


class Exemption(Selection, Dated):
    """Lifts the measures it names from the flows it selects (all of each flow, or a share)."""

    id: Id | None = Field(None, description="Optional name, so an overlay can replace or disable it.")
    measures: MeasureIds = Field(description="Ids of the measures this exemption lifts, or [\"*\"] for all.")
    share: Share = Field(1.0, description="Share of each covered flow exempted (end use, content).")


class Preference(Selection, Dated):
    """A preferential rate (a trade agreement) on the flows it selects, claimed on a share of them."""

    id: Id = Field(description="Unique name.")
    agreement: Line = Field("", description="Name of the agreement, e.g. 'KORUS'.")
    rate: Annotated[float | Literal["data"], Checked(lambda v: v if v == "data" else _check_rate(v), minimum=0,
                                                     maximum=MAX_RATE)] = Field(
        "data", description="Preferential rate, or \"data\": the base rate of each line in the data.")
    utilisation: Annotated[float, Checked(lambda v: _check_share(v, "utilisation"), **SHARE_RANGE)] = Field(
        1.0, description="Share of trade that claims the preference.")


def _check_limit(v: float) -> float:
    if not math.isfinite(v) or v < 0:
        raise ValueError("the quota limit must be a finite number >= 0")
    return v


Limit = Annotated[float, Checked(_check_limit, minimum=0)]


class Quota(Selection, Dated):
    """A tariff-rate quota, an import quota or an export restraint on the flows it selects."""

    id: Id = Field(description="Unique name.")
    kind: Literal["trq", "quota", "export-restraint"] = Field("trq", description="Tariff-rate quota, import quota, or export restraint.")
    in_rate: Annotated[float, _fraction("in_rate", MAX_TRQ_RATE)] | None = Field(
        None, description="TRQ: rate within the quota.")
    out_rate: Annotated[float, _fraction("out_rate", MAX_TRQ_RATE)] | None = Field(
        None, description="TRQ: rate beyond the quota (at least in_rate).")
    limit_value: Limit | None = Field(None, description="The quota in US dollars at base-year world prices.")
    limit_quantity: Limit | None = Field(None, description="The quota in the data's quantity units (needs quantities).")
    rent: Literal["importer", "exporter", "government"] | None = Field(
        None, description="Who holds the quota rent: importer (licence holders), exporter, or government (auctioned).")
    # a kind given in the file is the kind of the merged quota too, so this holds for an overlay's quota
    model_config = ConfigDict(json_schema_extra={"allOf": [_with_kinds(k, {"trq"}, "trq", needed=False)
                                                           for k in ("in_rate", "out_rate")]})
    whole_file: ClassVar[dict] = {
        "oneOf": [{"required": ["limit_value"]}, {"required": ["limit_quantity"]}],
        "if": _kind_in({"trq"}, "trq"),
        "then": {"required": ["in_rate", "out_rate"]}}

    @model_validator(mode="after")
    def _fields(self):
        if (self.limit_value is None) == (self.limit_quantity is None):
            raise ValueError("give exactly one of 'limit_value' (US dollars) or 'limit_quantity' (data units)")
        if self.kind == "trq":
            if self.in_rate is None or self.out_rate is None:
                raise ValueError("a 'trq' needs 'in_rate' and 'out_rate'")
            if self.out_rate < self.in_rate:
                raise ValueError("out_rate must be at least in_rate")
        elif self.in_rate is not None or self.out_rate is not None:
            raise ValueError(f"'in_rate'/'out_rate' have no meaning for a '{self.kind}' (a quantity cap)")
        return self


def _check_target(v: float) -> float:
    if not math.isfinite(v) or v <= 0:
        raise ValueError("target must be a positive amount in US dollars")
    return v


class Commitment(Dated):
    """A commitment to buy: the importer's purchases from the exporter reach a target."""

    id: Id = Field(description="Unique name.")
    importer: Annotated[str, _plain_name("a country or region")] = Field(
        description="The country that commits to buy.")
    exporter: Annotated[str, _plain_name("a country or region")] = Field(
        description="The country it buys from.")
    products: Products = Field(["*"], description="HS prefixes, \"*\" or \"list:NAME\".")
    target: Annotated[float, Checked(_check_target, exclusiveMinimum=0)] = Field(
        description="Purchases to reach, US dollars a year at world prices.")


def _flows_name(v: str) -> str:
    if not v.strip():
        raise ValueError("is empty: give a bundled dataset id (tariffsim data list) or a .csv/.parquet file")
    return _text(line=True)(v)


Region = Annotated[str, _plain_name("a region")]


class DataSection(Strict):
    """The trade flows the scenario is applied to."""

    flows: Annotated[str, Checked(_flows_name, pattern=rf"^[^\n{_CONTROL}]*[^\s{_CONTROL}][^\n{_CONTROL}]*$")] = Field(
        "kor-usa-2024", description="A bundled dataset id, or a CSV/Parquet file relative to the scenario file.")
    basis: Annotated[str, _plain_name("a basis")] | None = Field(
        None, description="Benchmark of the bundled data: 'census-2024' (default), 'kcs-2024' or 'itemised'.")
    regions: Annotated[list[Region], NoRepeats] = Field(
        default_factory=list, description="Region codes your own flows file uses besides ISO3 codes, e.g. ['RW'].")
    market_specific: Annotated[list[Region], NoRepeats] = Field(
        default_factory=list, description="Regions that stand for each importer's rest of the "
                                          "world, so a separate supplier in every market (the bundled data: ['ROW']).")


class ModelSection(Strict):
    """The economic model."""

    name: Literal["armington", "constant", "smart", "gsim"] = Field(
        "armington", description="armington (default, exact two-stage CES), constant, smart (Laird-Yeats, "
                                 "compatibility), gsim (linearised multi-region market clearing). See docs/MODELS.md.")


def _check_eta(v):
    if v is not None and not (math.isfinite(v) and -MAX_IMPORT_DEMAND <= v <= 0):
        raise ValueError(f"import_demand must be a number between -{MAX_IMPORT_DEMAND:g} and 0 (e.g. -1.0)")
    return v


def _check_sigma(v):
    lo, hi = SUBSTITUTION_RANGE
    if v is not None and v != "data" and not (math.isfinite(v) and lo <= v <= hi):
        raise ValueError(f"substitution must be a number between {lo:g} and {hi:g} (e.g. 1.5), or \"data\"")
    return v


def _check_eps(v):
    lo, hi = EXPORT_SUPPLY_RANGE
    if v is not None and not (v == math.inf or lo <= v <= hi):
        raise ValueError(f"export_supply must be a number between {lo:g} and {hi:g}, or inf for price takers")
    return v


# the checks travel with the types, as for Share
Eta = Annotated[float, Checked(_check_eta, minimum=-MAX_IMPORT_DEMAND, maximum=0)]
SIGMA_RANGE = {"minimum": SUBSTITUTION_RANGE[0], "maximum": SUBSTITUTION_RANGE[1]}
Sigma = Annotated[float, Checked(_check_sigma, **SIGMA_RANGE)]
# inf reaches a TOML editor's JSON Schema as null (JSON has no infinity; taplo turns inf and nan into null)
Eps = Annotated[float, Checked(_check_eps, type=["number", "null"], minimum=EXPORT_SUPPLY_RANGE[0],
                               maximum=EXPORT_SUPPLY_RANGE[1])]


class ElasticityOverride(Strict):
    """Elasticities for some markets, suppliers or products."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": [k]} for k in (
        "import_demand", "substitution", "export_supply")]})    # at least one (checked below)

    importer: Codes = Field(["*"], description="Markets of these importers.")
    exporters: Codes = Field(["*"], description="Suppliers from these exporters (export_supply only).")
    products: Products = Field(["*"], description="HS prefixes, \"*\" or \"list:NAME\".")
    exclude: Prefixes = Field(default_factory=list, description="HS prefixes or lists taken out of `products`.")
    import_demand: Eta | None = Field(None, description="Elasticity of total import demand in these markets (<= 0).")
    substitution: Sigma | None = Field(None, description="Elasticity of substitution between sources (> 0).")
    export_supply: Eps | None = Field(None, description="Export supply elasticity of these suppliers (> 0), or inf.")

    @model_validator(mode="after")
    def _scope(self):
        if self.import_demand is None and self.substitution is None and self.export_supply is None:
            raise ValueError("an override needs at least one of import_demand, substitution, export_supply")
        if self.exporters != ["*"] and (self.import_demand is not None or self.substitution is not None):
            raise ValueError("import_demand and substitution belong to a market (importer and product); "
                             "'exporters' can only scope export_supply")
        if self.importer != ["*"] and self.export_supply is not None:
            raise ValueError("export_supply belongs to a supplier (exporter and product); 'importer' cannot scope it")
        return self


class Elasticities(Strict):
    """The model's elasticities: defaults and overrides."""

    import_demand: Eta = Field(-1.0, description="Elasticity of total import demand in a market (<= 0).")
    substitution: Annotated[float | Literal["data"], Checked(_check_sigma, **SIGMA_RANGE)] = Field(
        "data", description="Elasticity of substitution between sources (> 0), or \"data\": the bundled Broda-Weinstein "
                            "estimates where they exist, else substitution_default.")
    substitution_default: Sigma = Field(3.1, description="Used where \"data\" has no estimate: the median of the "
                                        "Broda-Weinstein estimates (docs/MODELS.md).")
    export_supply: Eps = Field(10.0, description="Export supply elasticity (> 0); inf means price takers. The default "
                               "10 leaves foreign exporters about 9% of the 2025 US tariffs, within the 4-14% that "
                               "2025 studies find (docs/MODELS.md).")
    sector_defaults: bool = Field(True, description="Apply the evidence-specific defaults of docs/MODELS.md (cars from "
                                  "Japan and Korea: export supply 1.5) where the scenario leaves that elasticity unset.")
    overrides: list[ElasticityOverride] = Field(default_factory=list, description="Per importer, exporter or HS prefix; later ones win.")


GroupName = Annotated[str, _plain_name("a group name")]
Members = Annotated[list[Annotated[str, _plain_name("a country or region")]], NoRepeats]


class Scenario(Strict):
    """A tariffsim scenario: a proposed tariff schedule (measures, exemptions, preferences, quotas, commitments)
    applied to trade flows."""

    name: Line = Field(min_length=1, description="Title of the scenario, shown on every report.")
    description: Text = Field("", description="What the scenario is and where its rates come from.")
    as_of: dt.date | None = Field(None, description="Evaluate dated instruments as of this date.")
    groups: dict[GroupName, Members] = Field(default_factory=dict, description="Named groups of countries, e.g. {ASEAN = [...]}.")
    data: DataSection = Field(DataSection(), description="The trade flows: a bundled dataset or your own file.")
    model: ModelSection = Field(ModelSection(), description="The economic model (docs/MODELS.md).")
    elasticities: Elasticities = Field(Elasticities(), description="Elasticities: defaults and overrides.")
    measures: list[Measure] = Field(default_factory=list, description="Tariff measures ([[measures]]).")
    exemptions: list[Exemption] = Field(default_factory=list, description="Exemptions from measures ([[exemptions]]).")
    preferences: list[Preference] = Field(default_factory=list, description="Preferential rates ([[preferences]]).")
    quotas: list[Quota] = Field(default_factory=list, description="Quotas and export restraints ([[quotas]]).")
    commitments: list[Commitment] = Field(default_factory=list, description="Purchase commitments ([[commitments]]).")

    @model_validator(mode="after")
    def _unique_ids(self):
        seen: dict[str, str] = {}
        for section in SECTIONS:
            for item in getattr(self, section):
                if item.id is None:
                    continue
                if item.id in seen:
                    what = section[:-1] if seen[item.id] == section else f"{seen[item.id][:-1]} and {section[:-1]}"
                    raise ValueError(f"{what} id '{item.id}' is used twice; ids must be unique")
                seen[item.id] = section
        return self
