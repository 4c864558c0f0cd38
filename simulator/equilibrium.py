"""Instruments whose rate depends on demand, solved together with any model.

- Specific duties are re-priced as world prices move: ``ave = ave0 / rp``.
- A tariff-rate quota sets the marginal rate of its flows to the in-quota rate (demand below
  the quota), the out-of-quota rate (demand above it), or the rate between at which demand
  equals the quota (the quota binds); the difference between the marginal rate and the duty
  actually paid is the quota rent, held by whoever the scenario names.
- An import quota or export restraint is a price wedge just high enough to hold imports to the
  cap (none if demand is below it); the wedge is the rent, held by the exporter by default.
- A purchase commitment is a uniform price wedge on one exporter's flows (negative: a preference)
  just large enough that the importer's purchases reach the target at world prices. It collects
  no revenue; its cost, the implicit subsidy ``-wedge * value``, falls on the importer.

Each instrument (``instruments``: one class per kind) is a one-dimensional monotone condition solved with
``scipy.optimize.brentq``; several are solved in turn (Gauss-Seidel sweeps) until no wedge moves by more than
``TOL``. A solve that does not converge is an error, never a silent answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .errors import Problem
from .flows import Flows
from .instruments import Books, SolveError, Trial, instruments
from .models import Outcome
from .records import InstrumentOutcome
from .schedule import Schedule

TOL = 1e-10
MAX_SWEEPS = 200


@dataclass
class Solution:
    outcome: Outcome
    tau0: np.ndarray                 # landed-price wedge before (the base tariff)
    tau1: np.ndarray                 # landed-price wedge after: tariffs, ntm, quota and commitment wedges
    tariff1: np.ndarray              # duty actually collected per unit of new value
    rent_importer: np.ndarray        # quota rents held in the importing country (US dollars, per flow)
    rent_exporter: np.ndarray        # quota rents held by the exporter
    commitment_cost: np.ndarray      # implicit subsidy of purchase commitments, borne by the importer
    instruments: list[InstrumentOutcome] = field(default_factory=list)
    sweeps: int = 0


Model = Callable[[np.ndarray, np.ndarray], Outcome]   # (tau0, tau1) -> Outcome


def check(flows: Flows, sched: Schedule, shown: str = "scenario") -> None:
    """What the instruments need of the data, checked without solving: one tariff-rate quota per flow, and
    quantities for quotas stated in them."""
    instruments(flows, sched, shown)


def _with(values: list[float], i: int, x: float) -> list[float]:
    """The values with instrument ``i``'s replaced by ``x``."""
    return [*values[:i], x, *values[i + 1:]]


def solve(flows: Flows, sched: Schedule, model: Model, shown: str = "scenario") -> Solution:
    n = len(flows)
    tau0 = sched.t0
    held = instruments(flows, sched, shown)
    values = [inst.start for inst in held]
    rp = np.ones(n)
    has_specific = bool(np.any(sched.specific_ave0))

    def assemble(values: list[float], rp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The marginal tariff and the whole landed-price wedge of every flow."""
        base, wedge = sched.base1.copy(), sched.ntm1.copy()
        for inst, x in zip(held, values):
            inst.enter(x, base, wedge)
        marginal = base + sched.addon + sched.specific_ave0 / rp
        return marginal, marginal + wedge

    def run(values: list[float], rp: np.ndarray) -> Outcome:
        return model(tau0, assemble(values, rp)[1])

    def trial(i: int) -> Trial:
        """Instrument ``i`` free, the others where they are now."""
        return Trial(outcome=lambda x: run(_with(values, i, x), rp), landed=lambda x: assemble(_with(values, i, x), rp)[1])

    for sweep in range(1, MAX_SWEEPS + 1):  # noqa: B007 (the count is reported)
        before = list(values)
        for i, inst in enumerate(held):
            values[i] = inst.update(trial(i))
        out = run(values, rp)
        moved = max((abs(x - b) for x, b in zip(values, before)), default=0.0)
        if has_specific:
            moved = max(moved, float(np.max(np.abs(out.price_ratio - rp))))
            rp = out.price_ratio.copy()
        if moved < TOL:
            break
    else:
        raise SolveError(Problem(shown, None, f"quotas, commitments and specific duties did not converge in {MAX_SWEEPS} "
                                 f"sweeps (last change {moved:.3g})"))

    if has_specific:   # rp moved after the last solve; without specific duties `out` is already final
        out = run(values, rp)
    marginal, tau1 = assemble(values, rp)
    books = Books(tariff1=marginal.copy(), rent_importer=np.zeros(n), rent_exporter=np.zeros(n),
                  commitment_cost=np.zeros(n))
    rows = [inst.settle(x, out, trial(i), books) for i, (inst, x) in enumerate(zip(held, values))]
    return Solution(outcome=out, tau0=tau0, tau1=tau1, tariff1=books.tariff1, rent_importer=books.rent_importer,
                    rent_exporter=books.rent_exporter, commitment_cost=books.commitment_cost, instruments=rows,
                    sweeps=sweep)
