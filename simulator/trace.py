"""The explanation of a schedule: what each rule did to the rate of the flows being explained.

``compile_schedule`` computes rates; given a ``ScheduleTracer`` it also reports each step to it, and the tracer
turns what it is told into words (as OpenFisca's tracer records a calculation it does not take part in). Without a
tracer no step is recorded and nothing here runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .cover import Cover
from .flows import FLAG_TEXT, Flows

if TYPE_CHECKING:
    from .schedule import CommitmentRule, ExemptionRule, MeasureRule, Plan, PreferenceRule, QuotaRule, Selector


@dataclass(frozen=True)
class Step:
    """One line of an explanation: what a rule did to the rate of the traced flows."""

    label: str
    rate: np.ndarray                 # the tariff after this step (NaN where the step sets no rate)
    touched: np.ndarray              # bool: did the rule touch each flow
    detail: list[str]                # per flow, words ("" where untouched)


def _shares(cover: Cover) -> np.ndarray:
    """The share of every flow a cover takes, as floats."""
    c = cover.dense()
    return c.astype(np.float64) if c.dtype == bool else c


def _whence(share: float | str, where: Selector, flows: Flows, k: int, covered: float) -> str:
    """Where a partial share of flow ``k`` came from."""
    if covered >= 1.0:
        return ""
    if isinstance(share, str):
        return f" (share table {share})"
    finer = max((d for _, d in where.products), default=0)
    if 0 < flows.hs_digits[k] < finer:
        return " (a list finer than the flow's code, weighted by the 2024 US HS10 import composition)"
    return f" (share {share:g})" if share != 1.0 else ""


class ScheduleTracer:
    """Records the steps of one ``compile_schedule`` in the order they happen; ``steps`` holds them."""

    _flows: Flows                   # the flows explained, from the first step on
    _after_add_ons: np.ndarray      # the rate once every add-on is on: the ntm steps show it

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def _no_rate(self) -> np.ndarray:
        return np.full(len(self._flows), np.nan)

    # -- what compile_schedule reports, in its order -------------------------------------------------------

    def base_rate(self, flows: Flows) -> None:
        self._flows = flows
        self.steps.append(Step("base rate in the data", flows.base_rate.copy(), np.ones(len(flows), bool),
                               [f"MFN {m:.4g}" + "".join(f"; {text}" for bit, text in FLAG_TEXT.items() if fl & bit)
                                for m, fl in zip(flows.mfn_rate, flows.flags)]))

    def preference(self, p: PreferenceRule, covered: np.ndarray, pref: np.ndarray, best: np.ndarray) -> None:
        """``best``: the lowest effective preference so far on each flow (inf where none applies yet)."""
        flows = self._flows
        detail = [f"{p.agreement or p.id}: {p.utilisation:g} x {pr:.4g} + {1 - p.utilisation:g} x MFN {mf:.4g}"
                  if hit else "" for hit, pr, mf in zip(covered, pref, flows.mfn_rate)]
        self.steps.append(Step(f"preference {p.id}", np.where(np.isfinite(best), best, flows.base_rate), covered, detail))

    def in_base(self, base_date: dt.date, t0: np.ndarray, pref: np.ndarray) -> None:
        hit = t0 != pref
        self.steps.append(Step(f"in force on the base date {base_date}", t0.copy(), hit,
                               [f"base-year rate {r:.4g}" if h else "" for h, r in zip(hit, t0)]))

    def exemption(self, ex: ExemptionRule, mid: str, cover: Cover, lifted: np.ndarray) -> None:
        """Exemption ``ex`` about to lift ``lifted`` (shares over every flow) from measure ``mid``'s ``cover``."""
        hit = (cover.dense() > 0) & (lifted > 0)
        if not hit.any():
            return
        flows = self._flows
        shares = lifted.astype(np.float64) if lifted.dtype == bool else lifted
        detail = [f"lifts {mid} on {s:.1%} of the flow{_whence(ex.share, ex.where, flows, k, s)}" if h else ""
                  for k, (h, s) in enumerate(zip(hit, shares))]
        self.steps.append(Step(f"exemption{' ' + ex.id if ex.id else ''} of {mid}", self._no_rate(), hit, detail))

    def exclusions(self, ids: list[str], targets: tuple[str, ...], cov: dict[str, Cover], own: dict[str, Cover]) -> None:
        """Measures ``ids`` (with their own covers ``own``) about to take their flows from the ``targets``."""
        for mid in ids:
            for other in targets:
                hit = (cov[other].dense() > 0) & (own[mid].dense() > 0)
                if hit.any():
                    detail = [f"{mid} applies on {s:.0%}: {other} does not" if h else ""
                              for h, s in zip(hit, _shares(own[mid]))]
                    self.steps.append(Step(f"{mid} excludes {other}", self._no_rate(), hit, detail))

    def set_rates(self, base: np.ndarray, set_rate: np.ndarray, set_cov: np.ndarray, winner: list[str]) -> None:
        """The set measures' step: where several cover a flow the highest rate wins; ``winner`` names it per flow."""
        hit = set_cov > 0
        won = sorted({w for w, h in zip(winner, hit) if h})
        self.steps.append(Step(f"set {', '.join(won)}", base.copy(), hit,
                               [f"{w}: set to {r:.4g} on {c:.0%}" if h else ""
                                for h, r, c, w in zip(hit, set_rate, set_cov, winner)]))

    def base_change(self, m: MeasureRule, cover: Cover, base: np.ndarray) -> None:
        hit = cover.dense() > 0
        self.steps.append(Step(f"{m.kind} {m.id}", base.copy(), hit, [m.reference if h else "" for h in hit]))

    def add_ons(self, plan: Plan, cov: dict[str, Cover], contributions: dict[str, tuple[np.ndarray, np.ndarray]],
                groups: dict[str, list[str]], base: np.ndarray) -> None:
        """One step per add-on, in file order: what it adds to each traced flow, and which measure of a max group
        counted (the first in file order on a tie)."""
        flows = self._flows
        n = len(flows)

        def dense(mid: str) -> np.ndarray:
            out = np.zeros(n)
            rows, add = contributions[mid]
            out[rows] = add
            return out

        full = {mid: dense(mid) for mid in contributions}
        counted = dict(full)
        for ids in groups.values():
            best = full[ids[0]].copy()
            winner = np.zeros(n, dtype=np.int32)
            for k, mid in enumerate(ids[1:], start=1):
                better = full[mid] > best
                np.copyto(best, full[mid], where=better)
                winner[better] = k
            for k, mid in enumerate(ids):
                counted[mid] = np.where(winner == k, full[mid], 0.0)
        running = base.copy()
        for m in plan.measures:
            if m.id not in counted:
                continue
            running = running + counted[m.id]
            hit = full[m.id] > 0
            detail = []
            share = _shares(cov[m.id])
            for i, (h, c, k) in enumerate(zip(hit, full[m.id], counted[m.id])):
                on = f" on {share[i]:.1%} of the value{_whence(m.share, m.where, flows, i, share[i])}" if share[i] < 1 else ""
                if not h:
                    detail.append("")
                elif k == 0 and c > 0:
                    detail.append(f"+{c:.4g}{on}, not counted: a higher measure of group {m.max_group} applies")
                else:
                    detail.append(f"+{k:.4g}{on}")
            self.steps.append(Step(f"{m.kind} {m.id}", running.copy(), hit, detail))
        self._after_add_ons = running

    def ntm(self, m: MeasureRule, cover: Cover) -> None:
        c = _shares(cover)
        hit = c > 0
        self.steps.append(Step(f"ntm {m.id}", self._after_add_ons.copy(), hit,
                               [f"price wedge +{m.rate * v:.4g} (no revenue)" if h else "" for h, v in zip(hit, c)]))

    def solved_with_demand(self, quotas: list[tuple[QuotaRule, np.ndarray]],
                           commitments: list[tuple[CommitmentRule, np.ndarray]]) -> None:
        """Quotas and commitments: their rates are left to the equilibrium solve."""
        for q, m in quotas:
            what = (f"TRQ in {q.in_rate:g} / out {q.out_rate:g}: the marginal rate replaces the base, solved with demand"
                    if q.kind == "trq" else f"{q.kind}: a quantity cap, its price wedge solved with demand")
            self.steps.append(Step(f"quota {q.id}", self._no_rate(), m, [what if h else "" for h in m]))
        for c, m in commitments:
            self.steps.append(Step(f"commitment {c.id}", self._no_rate(), m,
                                   ["purchase commitment: a uniform price wedge solved to reach the target" if h else ""
                                    for h in m]))

    # -- reading the record ------------------------------------------------------------------------------

    def of_flow(self, k: int) -> list[dict]:
        """The steps that touched flow ``k``: step, rate after it (None where the step sets none), and how."""
        return [{"step": st.label, "rate": None if np.isnan(st.rate[k]) else float(st.rate[k]), "detail": st.detail[k]}
                for st in self.steps if st.touched[k]]
