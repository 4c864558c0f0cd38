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

Each instrument is a one-dimensional monotone condition solved with ``scipy.optimize.brentq``;
several are solved in turn (Gauss-Seidel sweeps) until no wedge moves by more than ``TOL``.
A solve that does not converge is an error, never a silent answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError, Problem
from .flows import Flows
from .models import Outcome
from .schedule import Schedule

TOL = 1e-10
MAX_SWEEPS = 200
MAX_WEDGE = 1e4


class SolveError(InputError):
    """The instruments could not be solved: a clear message, exit code 1."""


@dataclass
class Solution:
    outcome: Outcome
    tau0: np.ndarray                 # landed-price wedge before (the base tariff)
    tau1: np.ndarray                 # landed-price wedge after: tariffs, ntm, quota and commitment wedges
    tariff1: np.ndarray              # duty actually collected per unit of new value
    rent_importer: np.ndarray        # quota rents held in the importing country (US dollars, per flow)
    rent_exporter: np.ndarray        # quota rents held by the exporter
    commitment_cost: np.ndarray      # implicit subsidy of purchase commitments, borne by the importer
    instruments: list[dict] = field(default_factory=list)
    sweeps: int = 0


Model = Callable[[np.ndarray, np.ndarray], Outcome]   # (tau0, tau1) -> Outcome


def _limit_units(flows: Flows, q, mask: np.ndarray, shown: str) -> np.ndarray:
    """Per flow, the quota units per unit of base-price quantity (m0 = v0)."""
    if q.limit_value is not None:
        return np.ones(int(mask.sum()))
    qty, val = flows.quantity[mask], flows.value[mask]
    if not np.all(np.isfinite(qty)):
        missing = int((~np.isfinite(qty)).sum())
        raise InputError(Problem(shown, f"quotas '{q.id}'", f"limit_quantity needs quantities for every covered flow; "
                                 f"{missing} of {mask.sum()} have none in the data (use limit_value in US dollars)"))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(val > 0, qty / val, 0.0)


def solve(flows: Flows, sched: Schedule, model: Model, shown: str = "scenario") -> Solution:
    n = len(flows)
    v0 = flows.value
    tau0 = sched.t0
    trqs = [(q, m) for q, m in sched.quotas if q.kind == "trq" and m.any()]
    caps = [(q, m) for q, m in sched.quotas if q.kind != "trq" and m.any()]
    commits = [(c, m) for c, m in sched.commitments if m.any()]
    units = {q.id: _limit_units(flows, q, m, shown) for q, m in (*trqs, *caps)}
    limit = {q.id: q.limit for q, _ in (*trqs, *caps)}

    state = {q.id: q.trq_rates[0] for q, _ in trqs} | {q.id: 0.0 for q, _ in caps} | {c.id: 0.0 for c, _ in commits}
    rp = np.ones(n)
    has_specific = bool(np.any(sched.specific_ave0))

    def assemble(st: dict, rp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        base = sched.base1.copy()
        for q, m in trqs:
            base[m] = st[q.id]
        marginal = base + sched.addon + sched.specific_ave0 / rp
        wedge = sched.ntm1.copy()
        for q, m in caps:
            wedge[m] += st[q.id]
        for c, m in commits:
            wedge[m] += st[c.id]
        return marginal, marginal + wedge

    def run(st: dict, rp: np.ndarray) -> Outcome:
        return model(tau0, assemble(st, rp)[1])

    def quantity(out: Outcome, q, m) -> float:
        return float(np.sum(v0[m] * out.quantity_ratio[m] * units[q.id]))

    def root(f, lo, hi, what):
        from scipy import optimize  # imported when an instrument needs it: most runs do not
        try:
            return optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-12, maxiter=500)
        except (ValueError, RuntimeError) as exc:
            raise SolveError(Problem(shown, what, f"could not be solved: {exc}"))

    for sweep in range(1, MAX_SWEEPS + 1):  # noqa: B007 (the count is reported)
        before = dict(state)
        for q, m in trqs:
            in_rate, out_rate = q.trq_rates
            def f(r, q=q, m=m):
                return quantity(run(state | {q.id: r}, rp), q, m) - limit[q.id]
            if f(in_rate) <= 0:
                state[q.id] = in_rate
            elif f(out_rate) >= 0:
                state[q.id] = out_rate
            else:
                state[q.id] = root(f, in_rate, out_rate, f"quotas '{q.id}'")
        for q, m in caps:
            def g(w, q=q, m=m):
                return quantity(run(state | {q.id: w}, rp), q, m) - limit[q.id]
            if g(0.0) <= 0:
                state[q.id] = 0.0
                continue
            hi = 1.0
            while g(hi) > 0:
                hi *= 4
                if hi > MAX_WEDGE:
                    raise SolveError(Problem(shown, f"quotas '{q.id}'", "the cap cannot be reached: imports do not fall "
                                             "enough even at a price wedge of 10,000% (is import_demand 0?)"))
            state[q.id] = root(g, 0.0, hi, f"quotas '{q.id}'")
        for c, m in commits:
            def h(w, c=c, m=m):
                out = run(state | {c.id: w}, rp)
                return float(np.sum(v0[m] * out.quantity_ratio[m] * out.price_ratio[m])) - c.target
            if h(0.0) >= 0:
                state[c.id] = 0.0
                continue
            _, tau_without = assemble(state | {c.id: 0.0}, rp)
            lo = -float(np.min(1.0 + tau_without[m])) * (1 - 1e-9)
            if h(lo) < 0:
                raise SolveError(Problem(shown, f"commitments '{c.id}'", f"the target ${c.target / 1e9:,.2f} bn cannot be "
                                         "reached by any price preference: purchases do not respond enough "
                                         "(is import_demand 0, or are the covered flows too small?)"))
            state[c.id] = root(h, lo, 0.0, f"commitments '{c.id}'")
        out = run(state, rp)
        moved = max((abs(state[k] - before[k]) for k in state), default=0.0)
        if has_specific:
            moved = max(moved, float(np.max(np.abs(out.price_ratio - rp))))
            rp = out.price_ratio.copy()
        if moved < TOL:
            break
    else:
        raise SolveError(Problem(shown, None, f"quotas, commitments and specific duties did not converge in {MAX_SWEEPS} "
                                 f"sweeps (last change {moved:.3g})"))

    if has_specific:   # rp moved after the last solve; without specific duties `out` is already final
        out = run(state, rp)
    marginal, tau1 = assemble(state, rp)
    v1 = out.value_new
    tariff1 = marginal.copy()
    rent_imp, rent_exp = np.zeros(n), np.zeros(n)
    cost = np.zeros(n)
    instruments = []
    for q, m in trqs:
        used = quantity(out, q, m)
        in_rate, out_rate = q.trq_rates
        inside = min(used, limit[q.id]) / used if used > 0 else 1.0
        paid = in_rate * inside + out_rate * (1 - inside)
        rent = (state[q.id] - paid) * v1[m]
        if q.rent != "government":   # auctioned licences (government) keep the rent as revenue
            tariff1[m] += paid - state[q.id]
            (rent_exp if q.rent == "exporter" else rent_imp)[m] += rent
        regime = ("in-quota rate applies (quota not filled)" if state[q.id] <= in_rate + 1e-12 and used <= limit[q.id] * (1 + 1e-9)
                  else "out-of-quota rate applies (quota filled)" if state[q.id] >= out_rate - 1e-12
                  else "quota binds (rate between in and out)")
        instruments.append({"id": q.id, "kind": q.kind, "regime": regime, "marginal_rate": state[q.id],
                            "limit": limit[q.id], "imports": used, "fill": used / limit[q.id] if limit[q.id] else None,
                            "rent": float(rent.sum()), "rent_holder": q.rent, "reference": q.reference})
    for q, m in caps:
        used = quantity(out, q, m)
        rent = state[q.id] * v1[m]
        if q.rent == "government":
            tariff1[m] += state[q.id]
        else:
            (rent_exp if q.rent == "exporter" else rent_imp)[m] += rent
        instruments.append({"id": q.id, "kind": q.kind, "regime": "cap binds" if state[q.id] > 0 else "cap not binding",
                            "marginal_rate": state[q.id], "limit": limit[q.id], "imports": used,
                            "fill": used / limit[q.id] if limit[q.id] else None, "rent": float(rent.sum()),
                            "rent_holder": q.rent, "reference": q.reference})
    for c, m in commits:
        cost[m] += -state[c.id] * v1[m]
        without = run(state | {c.id: 0.0}, rp)
        importers = np.unique(flows.importer[m])
        same_market = np.isin(flows.importer, importers) & ~m & np.isin(flows.hs, flows.hs[m])
        instruments.append({
            "id": c.id, "kind": "commitment", "regime": "binding: a preference is needed" if state[c.id] < 0 else "met without a preference",
            "wedge": state[c.id], "target": c.target,
            "purchases_base": float(v0[m].sum()),
            "purchases_without": float(without.value_new[m].sum()),
            "purchases_new": float(v1[m].sum()),
            "diversion_from_others": float(v1[same_market].sum() - without.value_new[same_market].sum()),
            "cost": float(cost[m].sum()), "reference": c.reference,
        })
    return Solution(outcome=out, tau0=tau0, tau1=tau1, tariff1=tariff1, rent_importer=rent_imp, rent_exporter=rent_exp,
                    commitment_cost=cost, instruments=instruments, sweeps=sweep)
