"""The scenario language: what a TOML scenario file may contain.

Rates are fractions (0.25), HS prefixes strings ("0201"), countries ISO3 codes, regions or
named groups, dates TOML dates. Unknown keys are errors, so a typo never silently does nothing.
Ids, group and region names are plain names (letters, digits, '-', '_', '.'); text holds no control
characters; every number is finite and within a stated range.
Cross-references (measure ids, countries, lists) are checked later, against the dataset,
by ``scenario.resolve``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .. import hs
from ..errors import has_control

MAX_RATE = 5.0   # 500%: above this a rate is almost surely a percentage typed as a number
# Elasticities beyond these are no estimate anyone has made; they only break the arithmetic (docs/SCENARIOS.md).
MAX_IMPORT_DEMAND = 100.0          # |import_demand| at most
SUBSTITUTION_RANGE = (0.01, 1000.0)
EXPORT_SUPPLY_RANGE = (0.01, 1e6)  # or inf: price takers
MAX_NAME = 100
_PLAIN = re.compile(r"[^\W_][\w.-]*\Z")


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


def _reference(v: str) -> str:
    """A name that may carry the 'group:' prefix (a max_group) besides an id."""
    return _plain("a name")(v.removeprefix("group:")) and v


def _code(v: str) -> str:
    """A country code, region or group, or "*"."""
    return v if v == "*" else _plain("a country, region or group")(v)


def _text(line: bool):
    def check(v: str) -> str:
        if has_control(v) or (line and ("\n" in v or "\r" in v)):
            raise ValueError("holds control characters (a terminal escape, a NUL, ...); write plain text"
                             + ("" if not line else " on one line"))
        return v
    return check


Id = Annotated[str, AfterValidator(_plain("an id"))]
Line = Annotated[str, AfterValidator(_text(line=True))]      # a title: one line
Text = Annotated[str, AfterValidator(_text(line=False))]     # descriptions and references: lines allowed


SECTIONS = ("measures", "exemptions", "preferences", "quotas", "commitments")   # the instruments, in order

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _as_list(value):
    return [value] if isinstance(value, str) else value


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


def _check_share(v: float, name: str) -> float:
    if not (math.isfinite(v) and 0 <= v <= 1):
        raise ValueError(f"{name} must be between 0 and 1 (a share of the flow, e.g. 0.6)")
    return v


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


# The checks travel with the types, so every section that uses them validates alike.
Names = Annotated[list[Annotated[str, AfterValidator(_reference)]], BeforeValidator(_as_list),
                  AfterValidator(_no_repeats)]   # a single string is a list of one
Codes = Annotated[list[Annotated[str, AfterValidator(_code)]], Field(min_length=1), BeforeValidator(_as_list),
                  AfterValidator(_no_repeats), AfterValidator(_star_alone)]
MeasureIds = Annotated[list[Annotated[str, AfterValidator(lambda v: v if v == "*" else _reference(v))]],
                       Field(min_length=1), BeforeValidator(_as_list), AfterValidator(_no_repeats),
                       AfterValidator(_star_alone)]
Prefixes = Annotated[list[str], BeforeValidator(_as_list), AfterValidator(_check_products)]
Products = Annotated[list[str], Field(min_length=1), BeforeValidator(_as_list), AfterValidator(_check_products)]
def _check_share_or_table(v):
    if isinstance(v, str):
        if not v.startswith("table:") or len(v) == 6:
            raise ValueError(f"share '{v}' is neither a number between 0 and 1 nor \"table:NAME\" (a share table, "
                             "e.g. \"table:usmca-claims-2025\")")
        return v
    return _check_share(v, "share")


# A fraction of each flow, or a share table by name ("table:steel-content"): the share differs line by line.
Share = Annotated[float | str, AfterValidator(_check_share_or_table)]


class Selection(Strict):
    """Which flows an instrument covers."""

    importer: Codes = Field(["*"], description="Importers: ISO3 codes, regions, groups, or \"*\".")
    exporters: Codes = Field(["*"], description="Exporters: ISO3 codes, regions, groups, or \"*\".")
    products: Products = Field(["*"], description="HS prefixes (\"0201\"), \"*\", or \"list:NAME\".")
    exclude: Prefixes = Field(default_factory=list, description="HS prefixes or lists taken out of `products`.")


class Dated(Strict):
    effective: dt.date | None = Field(None, description="First day in force.")
    expires: dt.date | None = Field(None, description="First day no longer in force.")
    reference: Text = Field("", description="Legal citation, e.g. 'EO 14257, 90 FR 15041'.")
    description: Text = ""

    @model_validator(mode="after")
    def _dates(self):
        if self.effective and self.expires and self.expires <= self.effective:
            raise ValueError(f"expires ({self.expires}) must be after effective ({self.effective})")
        return self


MeasureKind = Literal["add", "set", "cap", "cut", "swiss", "floor", "specific", "ntm"]
NEEDS_RATE = {"add", "set", "cap", "cut", "floor", "ntm"}


class Measure(Selection, Dated):
    id: Id = Field(description="Unique name; exemptions, exclusions and overlays refer to it.")
    kind: MeasureKind | None = Field(None, description="add (default), set, cap, cut, swiss, floor, specific, ntm.")
    rate: float | None = Field(None, description="Ad valorem rate as a fraction (0.25 = 25%); for 'cut' the share cut.")
    coefficient: float | None = Field(None, description="Swiss formula coefficient (a fraction, e.g. 0.25).")
    duty: float | None = Field(None, description="Specific duty in US dollars per unit of quantity.")
    unit: Line | None = Field(None, description="Unit of a specific duty ('kg'); must match the data's unit where given.")
    share: Share = Field(1.0, description="Share of each flow's value the measure applies to (e.g. metal content).")
    excludes: Names = Field(default_factory=list, description="Measures that do not apply where this one does.")
    max_group: Id | None = Field(None, description="Of the measures in one group, only the highest applies.")
    mirror: Id | None = Field(None, description="Retaliation: copy this measure onto the reverse direction.")
    scale: float = Field(1.0, description="With mirror: the mirrored rate times this.")
    # Selection defaults differ for a mirror (importer = the mirrored measure's exporters), so no default here
    # (None until resolved: wider than Selection's types, on purpose).
    importer: Codes | None = Field(None, description="Importers: ISO3 codes, regions, groups, or \"*\".")  # type: ignore[assignment]
    exporters: Codes | None = Field(None, description="Exporters (default \"*\"; for a mirror, the mirrored importers).")  # type: ignore[assignment]
    products: Products | None = Field(None, description="HS prefixes, \"*\" or \"list:NAME\" (default \"*\").")  # type: ignore[assignment]

    @field_validator("rate")
    @classmethod
    def _rate(cls, v):
        return _check_rate(v)

    @field_validator("scale")
    @classmethod
    def _scale(cls, v):
        if not (math.isfinite(v) and 0 <= v <= 10):
            raise ValueError("scale must be between 0 and 10")
        return v

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
                _check_rate(self.rate, "rate", 1.0)
            return self
        kind = kind or "add"
        if self.importer is None:
            raise ValueError("missing required key 'importer'")
        if kind in NEEDS_RATE and self.rate is None:
            raise ValueError(f"missing required key 'rate' (every '{kind}' measure needs one)")
        if kind == "cut" and self.rate is not None and not 0 <= self.rate <= 1:
            raise ValueError("a 'cut' rate is the share of the current rate removed, between 0 and 1 (0.5 halves it)")
        if kind == "swiss" and (self.coefficient is None or not self.coefficient > 0 or not math.isfinite(self.coefficient)):
            raise ValueError("a 'swiss' measure needs 'coefficient' > 0 (a fraction, e.g. 0.25)")
        if kind == "specific" and (self.duty is None or not math.isfinite(self.duty) or self.duty < 0):
            raise ValueError("a 'specific' measure needs 'duty' >= 0 (US dollars per unit)")
        unused = [k for k, ok in (("coefficient", kind == "swiss"), ("duty", kind == "specific"),
                                  ("unit", kind == "specific"), ("rate", kind in NEEDS_RATE)) if getattr(self, k) is not None and not ok]
        if unused:
            raise ValueError(f"'{', '.join(unused)}' has no meaning for a '{kind}' measure")
        return self


class Exemption(Selection, Dated):
    id: Id | None = Field(None, description="Optional name, so an overlay can replace or disable it.")
    measures: MeasureIds = Field(description="Ids of the measures this exemption lifts, or [\"*\"] for all.")
    share: Share = Field(1.0, description="Share of each covered flow exempted (end use, content).")


class Preference(Selection, Dated):
    id: Id
    agreement: Line = Field("", description="Name of the agreement, e.g. 'KORUS'.")
    rate: float | Literal["data"] = Field("data", description="Preferential rate, or \"data\": the base rate of each line in the data.")
    utilisation: float = Field(1.0, description="Share of trade that claims the preference.")

    @field_validator("utilisation")
    @classmethod
    def _u(cls, v):
        return _check_share(v, "utilisation")

    @field_validator("rate")
    @classmethod
    def _r(cls, v):
        return v if v == "data" else _check_rate(v)


class Quota(Selection, Dated):
    id: Id
    kind: Literal["trq", "quota", "export-restraint"] = Field("trq", description="Tariff-rate quota, import quota, or export restraint.")
    in_rate: float | None = Field(None, description="TRQ: rate within the quota.")
    out_rate: float | None = Field(None, description="TRQ: rate beyond the quota.")
    limit_value: float | None = Field(None, description="The quota in US dollars at base-year world prices.")
    limit_quantity: float | None = Field(None, description="The quota in the data's quantity units (needs quantities).")
    rent: Literal["importer", "exporter", "government"] | None = Field(
        None, description="Who holds the quota rent: importer (licence holders), exporter, or government (auctioned).")

    @model_validator(mode="after")
    def _fields(self):
        if (self.limit_value is None) == (self.limit_quantity is None):
            raise ValueError("give exactly one of 'limit_value' (US dollars) or 'limit_quantity' (data units)")
        limit = self.limit_value if self.limit_value is not None else self.limit_quantity
        assert limit is not None  # exactly one of the two is given
        if not math.isfinite(limit) or limit < 0:
            raise ValueError("the quota limit must be a finite number >= 0")
        if self.kind == "trq":
            if self.in_rate is None or self.out_rate is None:
                raise ValueError("a 'trq' needs 'in_rate' and 'out_rate'")
            _check_rate(self.in_rate, "in_rate", 10.0)
            _check_rate(self.out_rate, "out_rate", 10.0)
            if self.out_rate < self.in_rate:
                raise ValueError("out_rate must be at least in_rate")
        elif self.in_rate is not None or self.out_rate is not None:
            raise ValueError(f"'in_rate'/'out_rate' have no meaning for a '{self.kind}' (a quantity cap)")
        return self


class Commitment(Dated):
    id: Id
    importer: Annotated[str, AfterValidator(_plain("a country or region"))] = Field(
        description="The country that commits to buy.")
    exporter: Annotated[str, AfterValidator(_plain("a country or region"))] = Field(
        description="The country it buys from.")
    products: Products = Field(["*"], description="HS prefixes, \"*\" or \"list:NAME\".")
    target: float = Field(description="Purchases to reach, US dollars a year at world prices.")

    @field_validator("target")
    @classmethod
    def _t(cls, v):
        if not math.isfinite(v) or v <= 0:
            raise ValueError("target must be a positive amount in US dollars")
        return v


def _flows_name(v: str) -> str:
    if not v.strip():
        raise ValueError("is empty: give a bundled dataset id (tariffsim data list) or a .csv/.parquet file")
    return _text(line=True)(v)


Region = Annotated[str, AfterValidator(_plain("a region"))]


class DataSection(Strict):
    flows: Annotated[str, AfterValidator(_flows_name)] = Field(
        "kor-usa-2024", description="A bundled dataset id, or a CSV/Parquet file relative to the scenario file.")
    basis: Annotated[str, AfterValidator(_plain("a basis"))] | None = Field(
        None, description="Benchmark of the bundled data: 'census-2024' (default), 'kcs-2024' or 'itemised'.")
    regions: Annotated[list[Region], AfterValidator(_no_repeats)] = Field(
        default_factory=list, description="Region codes your own flows file uses besides ISO3 codes, e.g. ['RW'].")
    market_specific: Annotated[list[Region], AfterValidator(_no_repeats)] = Field(
        default_factory=list, description="Regions that stand for each importer's rest of the "
                                          "world, so a separate supplier in every market (the bundled data: ['ROW']).")


class ModelSection(Strict):
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
Eta = Annotated[float, AfterValidator(_check_eta)]
Sigma = Annotated[float, AfterValidator(_check_sigma)]
Eps = Annotated[float, AfterValidator(_check_eps)]


class ElasticityOverride(Strict):
    importer: Codes = Field(["*"], description="Markets of these importers.")
    exporters: Codes = Field(["*"], description="Suppliers from these exporters (export_supply only).")
    products: Products = Field(["*"], description="HS prefixes, \"*\" or \"list:NAME\".")
    exclude: Prefixes = Field(default_factory=list)
    import_demand: Eta | None = None
    substitution: Sigma | None = None
    export_supply: Eps | None = None

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
    import_demand: Eta = Field(-1.0, description="Elasticity of total import demand in a market (<= 0).")
    substitution: Annotated[float | Literal["data"], AfterValidator(_check_sigma)] = Field(
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


GroupName = Annotated[str, AfterValidator(_plain("a group name"))]
Members = Annotated[list[Annotated[str, AfterValidator(_plain("a country or region"))]], AfterValidator(_no_repeats)]


class Scenario(Strict):
    name: Line = Field(min_length=1)
    description: Text = ""
    as_of: dt.date | None = Field(None, description="Evaluate dated instruments as of this date.")
    groups: dict[GroupName, Members] = Field(default_factory=dict, description="Named groups of countries, e.g. {ASEAN = [...]}.")
    data: DataSection = DataSection()
    model: ModelSection = ModelSection()
    elasticities: Elasticities = Elasticities()
    measures: list[Measure] = Field(default_factory=list)
    exemptions: list[Exemption] = Field(default_factory=list)
    preferences: list[Preference] = Field(default_factory=list)
    quotas: list[Quota] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)

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
