"""The evidence-based defaults every scenario gets, the same for a new file and for one that extends the library.

Each default carries the evidence behind it; docs/MODELS.md (Defaults from evidence) gives the ranges. A
compatibility model gets its tool's own defaults instead (``MODEL_DEFAULTS``: WITS-SMART's for ``smart``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import ElasticityOverride, Scenario


@dataclass(frozen=True)
class SectorDefault:
    name: str
    override: ElasticityOverride
    evidence: str


# Where the evidence on one sector differs from the general default. Applied before a scenario's own overrides
# (which win), and only where the scenario leaves the elasticity it sets unset: a scenario that sets export_supply
# sets it for every supplier.
SECTOR_DEFAULTS = (
    SectorDefault(
        "cars from Japan and Korea absorb much of the US tariff",
        ElasticityOverride(exporters=["JPN", "KOR"], products=["8703"], export_supply=1.5),
        "Bank of Japan export price index: cars to North America -19.4% (June 2025) to -13.0% (October 2025) in "
        "yen against a 27.5%, then 15% tariff; Hyundai and Kia reported KRW 7.2 tn of US tariff costs for 2025 "
        "(company results, January 2026) while keeping US prices: both absorb most of the duty at the border",
    ),
)


@dataclass(frozen=True)
class ModelDefaults:
    model: str
    values: dict[str, float]
    evidence: str


# A compatibility model reproduces its tool, defaults included: where the scenario leaves these elasticities
# unset, that model gets its tool's values instead of the defaults from evidence (and no sector default, since
# the tool has none).
MODEL_DEFAULTS = (
    ModelDefaults(
        "smart",
        {"substitution": 1.5, "export_supply": 99.0},
        "WITS online help, SMART, 'Checking the Raw Data': SMART uses a substitution elasticity of 1.5 and an "
        "export supply elasticity of 99 ('infinite') for all products and partners by default",
    ),
)


def with_model_defaults(spec: Scenario) -> Scenario:
    """The scenario with its model's own defaults (``MODEL_DEFAULTS``) where its elasticities leave them unset."""
    el = spec.elasticities
    update = {key: value for d in MODEL_DEFAULTS if d.model == spec.model.name
              for key, value in d.values.items() if key not in el.model_fields_set}
    if not update:
        return spec
    return spec.model_copy(update={"elasticities": el.model_copy(update=update)})
