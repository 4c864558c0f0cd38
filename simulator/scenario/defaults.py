"""The evidence-based defaults every scenario gets, the same for a new file and for one that extends the library.

Each default carries the evidence behind it; docs/MODELS.md (Defaults from evidence) gives the ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import ElasticityOverride


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
