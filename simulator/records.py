"""The typed records a result carries beside its arrays: where it comes from (provenance), what each measure
covered, and how each quota and purchase commitment was solved. Each writes itself as its object of the JSON
contract (``to_dict``), so the field names are the dataclasses' own.

Nothing here depends on the result, so the solve below it may build these records too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Literal

from .models import SolverReport


@dataclass(frozen=True)
class ElasticitySettings:
    """The scenario's [elasticities] as the run used them."""

    import_demand: float
    substitution: float | Literal["data"]     # "data": the bundled estimates, else substitution_default
    substitution_default: float
    export_supply: float | None               # None: price takers (infinite export supply)
    overrides: int                            # how many per-importer, exporter or product overrides

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class DrawSettings:
    """The draws of the elasticities behind a result's bands."""

    n: int
    seed: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Provenance:
    """What a result was computed from: the scenario file, its data and model, the version, the solve."""

    name: str
    file: str                      # the scenario file's name
    sha256: str                    # of the scenario file
    model: str
    dataset: str
    basis: str
    basis_label: str
    as_of: dt.date | None          # the date the dated instruments were evaluated on
    tariffsim_version: str
    extends: tuple[str, ...]       # the files it overlays
    elasticities: ElasticitySettings
    solver: SolverReport | None    # None where the model needed no solve
    draws: DrawSettings | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name, "file": self.file, "sha256": self.sha256, "model": self.model, "dataset": self.dataset,
            "basis": self.basis, "basis_label": self.basis_label,
            "as_of": self.as_of.isoformat() if self.as_of else None, "tariffsim_version": self.tariffsim_version,
            "extends": list(self.extends), "elasticities": self.elasticities.to_dict(),
            "solver": self.solver.to_dict() if self.solver else {},
        }
        if self.draws is not None:
            out["draws"] = self.draws.to_dict()
        return out


@dataclass(frozen=True)
class MeasureSummary:
    """One measure of the scenario: whether it is in force on the run's date and the flows it applies to."""

    id: str
    kind: str
    rate: float | None
    reference: str
    in_force: bool
    flows: int                     # how many flows it applies to
    value_base: float              # their base-year value, weighted by the share of each flow covered

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class QuotaOutcome:
    """How a tariff-rate quota, import quota or export restraint was solved."""

    id: str
    kind: str
    regime: str                    # e.g. "quota binds (rate between in and out)", "cap not binding"
    marginal_rate: float           # the rate (or wedge) at the margin
    limit: float
    imports: float                 # in the quota's units
    fill: float | None             # imports / limit; None for a zero limit
    rent: float                    # US dollars
    rent_holder: str               # importer, exporter or government
    reference: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class CommitmentOutcome:
    """How a purchase commitment was solved, and what it bought."""

    id: str
    kind: Literal["commitment"]
    regime: str                    # binding (a preference is needed) or met without one
    wedge: float                   # the price wedge on the committed flows (negative: a preference)
    target: float
    purchases_base: float
    purchases_without: float       # with every other instrument, without this commitment
    purchases_new: float
    diversion_from_others: float   # the change in the same markets' purchases from other suppliers
    cost: float                    # the implicit subsidy, borne by the importer
    reference: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


InstrumentOutcome = QuotaOutcome | CommitmentOutcome


def instrument_outcome(solved: InstrumentOutcome | dict) -> InstrumentOutcome:
    """The record of one instrument from the equilibrium solve's report of it (a record already, or its fields)."""
    if isinstance(solved, QuotaOutcome | CommitmentOutcome):
        return solved
    return CommitmentOutcome(**solved) if solved["kind"] == "commitment" else QuotaOutcome(**solved)
