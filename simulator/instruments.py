"""The instruments whose rate depends on demand, one class per kind, each with the same four parts:

- ``start``: its value before any solve (a tariff-rate quota: its in-quota rate; a cap or commitment: no wedge);
- ``enter(value, base, wedge)``: where the value enters the landed price of its flows (a tariff-rate quota's marginal
  rate replaces the base rate; a cap's or commitment's wedge is added to the price);
- ``update(trial)``: the value at which its condition holds, the other instruments held where they are;
- ``settle(value, out, trial, books)``: its record in the result, and what it adds to duty, rents and costs.

``equilibrium.solve`` sweeps them in turn until none moves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import InputError, Problem
from .flows import Flows
from .models import Outcome
from .records import CommitmentOutcome, InstrumentOutcome, QuotaOutcome
from .schedule import CommitmentRule, QuotaRule, Schedule

MAX_WEDGE = 1e4


class SolveError(InputError):
    """The instruments could not be solved: a clear message, exit code 1."""


@dataclass(frozen=True)
class Trial:
    """The model with every other instrument held at its value, as a function of one instrument's value."""

    outcome: Callable[[float], Outcome]          # the model's answer
    landed: Callable[[float], np.ndarray]        # the landed-price wedge of every flow


@dataclass(frozen=True)
class Books:
    """Per flow, what the instruments add up after the solve (written in place by each ``settle``)."""

    tariff1: np.ndarray              # duty collected per unit of new value (starts as the marginal rate)
    rent_importer: np.ndarray        # quota rents held in the importing country (US dollars)
    rent_exporter: np.ndarray        # quota rents held by the exporter
    commitment_cost: np.ndarray      # implicit subsidy of purchase commitments, borne by the importer


def _root(f: Callable[[float], float], lo: float, hi: float, shown: str, what: str) -> float:
    from scipy import optimize  # imported when an instrument needs it: most runs do not
    try:
        return optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-12, maxiter=500)
    except (ValueError, RuntimeError) as exc:
        raise SolveError(Problem(shown, what, f"could not be solved: {exc}"))


class Instrument(ABC):
    """One instrument on the flows of ``mask``."""

    def __init__(self, mask: np.ndarray, shown: str) -> None:
        self.mask, self.shown = mask, shown

    @property
    @abstractmethod
    def start(self) -> float: ...

    @abstractmethod
    def enter(self, value: float, base: np.ndarray, wedge: np.ndarray) -> None: ...

    @abstractmethod
    def update(self, trial: Trial) -> float: ...

    @abstractmethod
    def settle(self, value: float, out: Outcome, trial: Trial, books: Books) -> InstrumentOutcome: ...


class _Quota(Instrument):
    """A limit on the imports of its flows, in US dollars at base prices or in the data's quantity units."""

    def __init__(self, rule: QuotaRule, mask: np.ndarray, flows: Flows, shown: str) -> None:
        super().__init__(mask, shown)
        self.rule = rule
        self.limit = rule.limit
        self.v0 = flows.value[mask]
        self.units = _limit_units(flows, rule, mask, shown)
        self.what = f"quotas '{rule.id}'"

    def imports(self, out: Outcome) -> float:
        """Imports of its flows in the quota's units."""
        return float(np.sum(self.v0 * out.quantity_ratio[self.mask] * self.units))


class TariffRateQuota(_Quota):
    """The marginal rate of its flows: the in-quota rate (demand below the quota), the out-of-quota rate (demand
    above it), or the rate between at which demand equals the quota. Marginal rate less duty paid is the rent."""

    def __init__(self, rule: QuotaRule, mask: np.ndarray, flows: Flows, shown: str) -> None:
        super().__init__(rule, mask, flows, shown)
        if rule.in_rate is None or rule.out_rate is None:       # the scenario schema requires both of a TRQ
            raise ValueError(f"tariff-rate quota '{rule.id}' without its in- and out-of-quota rates")
        self.in_rate, self.out_rate = rule.in_rate, rule.out_rate

    @property
    def start(self) -> float:
        return self.in_rate

    def enter(self, value, base, wedge):
        base[self.mask] = value

    def update(self, trial):
        def excess(r):
            return self.imports(trial.outcome(r)) - self.limit
        if excess(self.in_rate) <= 0:
            return self.in_rate
        if excess(self.out_rate) >= 0:
            return self.out_rate
        return _root(excess, self.in_rate, self.out_rate, self.shown, self.what)

    def settle(self, value, out, trial, books):
        q, m = self.rule, self.mask
        used = self.imports(out)
        inside = min(used, self.limit) / used if used > 0 else 1.0
        paid = self.in_rate * inside + self.out_rate * (1 - inside)
        rent = (value - paid) * out.value_new[m]
        if q.rent != "government":   # auctioned licences (government) keep the rent as revenue
            books.tariff1[m] += paid - value
            (books.rent_exporter if q.rent == "exporter" else books.rent_importer)[m] += rent
        regime = ("in-quota rate applies (quota not filled)" if value <= self.in_rate + 1e-12 and used <= self.limit * (1 + 1e-9)
                  else "out-of-quota rate applies (quota filled)" if value >= self.out_rate - 1e-12
                  else "quota binds (rate between in and out)")
        return QuotaOutcome(id=q.id, kind=q.kind, regime=regime, marginal_rate=value, limit=self.limit, imports=used,
                            fill=used / self.limit if self.limit else None, rent=float(rent.sum()), rent_holder=q.rent,
                            reference=q.reference)


class _PriceWedge(Instrument):
    """An instrument whose value is a price wedge on its flows, added to the landed price, zero to start."""

    @property
    def start(self) -> float:
        return 0.0

    def enter(self, value, base, wedge):
        wedge[self.mask] += value


class QuantityCap(_PriceWedge, _Quota):
    """An import quota or export restraint: a price wedge just high enough to hold imports to the cap (none if
    demand is below it). The wedge is the rent."""

    def update(self, trial):
        def excess(w):
            return self.imports(trial.outcome(w)) - self.limit
        if excess(0.0) <= 0:
            return 0.0
        hi = 1.0
        while excess(hi) > 0:
            hi *= 4
            if hi > MAX_WEDGE:
                raise SolveError(Problem(self.shown, self.what, "the cap cannot be reached: imports do not fall "
                                         "enough even at a price wedge of 10,000% (is import_demand 0?)"))
        return _root(excess, 0.0, hi, self.shown, self.what)

    def settle(self, value, out, trial, books):
        q, m = self.rule, self.mask
        used = self.imports(out)
        rent = value * out.value_new[m]
        if q.rent == "government":
            books.tariff1[m] += value
        else:
            (books.rent_exporter if q.rent == "exporter" else books.rent_importer)[m] += rent
        return QuotaOutcome(id=q.id, kind=q.kind, regime="cap binds" if value > 0 else "cap not binding",
                            marginal_rate=value, limit=self.limit, imports=used,
                            fill=used / self.limit if self.limit else None, rent=float(rent.sum()), rent_holder=q.rent,
                            reference=q.reference)


class PurchaseCommitment(_PriceWedge):
    """A uniform price wedge on one exporter's flows (negative: a preference) just large enough that the importer's
    purchases reach the target at world prices. It collects no revenue; its cost, ``-wedge * value``, falls on the
    importer."""

    def __init__(self, rule: CommitmentRule, mask: np.ndarray, flows: Flows, shown: str) -> None:
        super().__init__(mask, shown)
        self.rule, self.flows = rule, flows
        self.v0 = flows.value[mask]

    def update(self, trial):
        c, m = self.rule, self.mask

        def shortfall(w):
            out = trial.outcome(w)
            return float(np.sum(self.v0 * out.quantity_ratio[m] * out.price_ratio[m])) - c.target
        if shortfall(0.0) >= 0:
            return 0.0
        # the deepest preference: the landed price of the cheapest covered flow falls to (almost) nothing
        lo = -float(np.min(1.0 + trial.landed(0.0)[m])) * (1 - 1e-9)
        if shortfall(lo) < 0:
            raise SolveError(Problem(self.shown, f"commitments '{c.id}'", f"the target ${c.target / 1e9:,.2f} bn cannot "
                                     "be reached by any price preference: purchases do not respond enough "
                                     "(is import_demand 0, or are the covered flows too small?)"))
        return _root(shortfall, lo, 0.0, self.shown, f"commitments '{c.id}'")

    def settle(self, value, out, trial, books):
        c, m, flows = self.rule, self.mask, self.flows
        v1 = out.value_new
        books.commitment_cost[m] += -value * v1[m]
        without = trial.outcome(0.0)
        importers = np.unique(flows.importer[m])
        same_market = np.isin(flows.importer, importers) & ~m & np.isin(flows.hs, flows.hs[m])
        return CommitmentOutcome(
            id=c.id, kind="commitment",
            regime="binding: a preference is needed" if value < 0 else "met without a preference",
            wedge=value, target=c.target,
            purchases_base=float(self.v0.sum()),
            purchases_without=float(without.value_new[m].sum()),
            purchases_new=float(v1[m].sum()),
            diversion_from_others=float(v1[same_market].sum() - without.value_new[same_market].sum()),
            cost=float(books.commitment_cost[m].sum()), reference=c.reference)


def _limit_units(flows: Flows, q: QuotaRule, mask: np.ndarray, shown: str) -> np.ndarray:
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


def _one_trq_per_flow(trqs: list[tuple[QuotaRule, np.ndarray]], shown: str) -> None:
    """A tariff-rate quota replaces the flow's rate by its marginal rate: two on one flow would each replace it."""
    for i, (q, m) in enumerate(trqs):
        for p, other in trqs[:i]:
            shared = int(np.count_nonzero(m & other))
            if shared:
                raise InputError(Problem(shown, f"quotas '{q.id}'", f"covers {shared} flow(s) that tariff-rate quota "
                                         f"'{p.id}' also covers; a flow can be under one tariff-rate quota (narrow "
                                         "the products or exporters of one of them)"))


def instruments(flows: Flows, sched: Schedule, shown: str = "scenario") -> list[Instrument]:
    """The schedule's instruments that cover any flow, tariff-rate quotas first, then caps, then commitments (the
    order of the sweeps); raises InputError for what they need and the data lacks."""
    trqs = [(q, m) for q, m in sched.quotas if q.kind == "trq" and m.any()]
    caps = [(q, m) for q, m in sched.quotas if q.kind != "trq" and m.any()]
    _one_trq_per_flow(trqs, shown)
    return [*(TariffRateQuota(q, m, flows, shown) for q, m in trqs), *(QuantityCap(q, m, flows, shown) for q, m in caps),
            *(PurchaseCommitment(c, m, flows, shown) for c, m in sched.commitments if m.any())]
