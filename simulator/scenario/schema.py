"""The scenario language: what a TOML scenario file may contain.

Rates are fractions (0.25), HS prefixes strings ("0201"), countries ISO3 codes or regions,
dates TOML dates. Unknown keys are errors, so a typo never silently does nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .. import hs


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _as_list(value):
    return [value] if isinstance(value, str) else value


Countries = Annotated[list[str], Field(min_length=1)]


class DataSection(Strict):
    flows: str = Field("kor-usa-2024", description="A bundled dataset id, or a CSV/Parquet file relative to the scenario file.")
    basis: str | None = Field(None, description="Benchmark of the bundled data: 'census-2024' (default), 'kcs-2024' or 'itemised'.")
    regions: list[str] = Field(default_factory=list, description="Region codes your own flows file uses besides ISO3 codes, e.g. ['RW'].")


class ModelSection(Strict):
    name: Literal["constant"] = Field("constant", description="The economic model (see docs/MODELS.md).")


class Elasticities(Strict):
    import_demand: float = Field(-1.0, description="Elasticity of total import demand in a market (<= 0).")
    substitution: float = Field(1.5, description="Elasticity of substitution between sources (> 0); unused by 'constant'.")
    export_supply: float = Field(math.inf, description="Export supply elasticity (> 0); inf means price takers.")

    @field_validator("import_demand")
    @classmethod
    def _eta(cls, v):
        if not math.isfinite(v) or v > 0:
            raise ValueError("import_demand must be a finite number <= 0 (e.g. -1.0)")
        return v

    @field_validator("substitution")
    @classmethod
    def _sigma(cls, v):
        if not math.isfinite(v) or v <= 0:
            raise ValueError("substitution must be a finite number > 0 (e.g. 1.5)")
        return v

    @field_validator("export_supply")
    @classmethod
    def _eps(cls, v):
        if math.isnan(v) or v <= 0:
            raise ValueError("export_supply must be > 0 (use inf for price takers)")
        return v


def _check_rate(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError("rate must be a finite number")
    if v < 0:
        raise ValueError("rate must not be negative")
    if v > 5:
        raise ValueError(f"rate {v} is above 500%; rates are fractions (write 25% as 0.25)")
    return v


def _check_products(v: list[str]) -> list[str]:
    for i, p in enumerate(v):
        if p.startswith("list:"):
            continue
        if problem := hs.prefix_problem(p):
            raise ValueError(f"products[{i}]: {problem}")
    return v


class Measure(Strict):
    id: str = Field(min_length=1, description="Unique name, referenced by exemptions.")
    kind: Literal["add", "set"] = Field("add", description="'add': on top of the base rate; 'set': replaces it.")
    rate: float = Field(description="Ad valorem rate as a fraction: 0.25 for 25%.")
    importer: Countries = Field(description="Importing countries (ISO3, region, or \"*\").")
    exporters: Countries = Field(["*"], description="Exporting countries (ISO3, region, or \"*\").")
    products: list[str] = Field(["*"], min_length=1, description="HS prefixes, \"*\", or \"list:NAME\".")
    effective: dt.date | None = None
    expires: dt.date | None = None
    reference: str = Field("", description="Legal citation, e.g. '90 FR 15041'.")
    description: str = ""

    _lists = field_validator("importer", "exporters", mode="before")(classmethod(lambda cls, v: _as_list(v)))
    _products_list = field_validator("products", mode="before")(classmethod(lambda cls, v: _as_list(v)))
    _rate = field_validator("rate")(classmethod(lambda cls, v: _check_rate(v)))
    _prods = field_validator("products")(classmethod(lambda cls, v: _check_products(v)))

    @model_validator(mode="after")
    def _dates(self):
        if self.effective and self.expires and self.expires <= self.effective:
            raise ValueError(f"expires ({self.expires}) must be after effective ({self.effective})")
        return self


class Exemption(Strict):
    measures: list[str] = Field(min_length=1, description="Ids of the measures this exemption lifts.")
    exporters: Countries = Field(["*"], description="Exporters exempted (ISO3, region, or \"*\").")
    products: list[str] = Field(["*"], min_length=1, description="HS prefixes, \"*\", or \"list:NAME\".")
    reference: str = ""
    description: str = ""

    _lists = field_validator("measures", "exporters", mode="before")(classmethod(lambda cls, v: _as_list(v)))
    _products_list = field_validator("products", mode="before")(classmethod(lambda cls, v: _as_list(v)))
    _prods = field_validator("products")(classmethod(lambda cls, v: _check_products(v)))


class Scenario(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    as_of: dt.date | None = Field(None, description="Evaluate dated measures as of this date.")
    data: DataSection = DataSection()
    model: ModelSection = ModelSection()
    elasticities: Elasticities = Elasticities()
    measures: list[Measure] = Field(default_factory=list)
    exemptions: list[Exemption] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self):
        seen = set()
        for m in self.measures:
            if m.id in seen:
                raise ValueError(f"measure id '{m.id}' is used twice")
            seen.add(m.id)
        return self
