"""From instruments to the rates of every flow, before (t0) and after (t1) a scenario.

Rules arrive resolved (country indices, HS prefixes) from ``scenario.resolve``; this module
only does arrays. The steps, each independent of the order of instruments in the file:

1. Base: the data's base rate; where a preference is declared, ``u * t_pref + (1 - u) * t_mfn``
   (the lowest where several cover a flow). This is ``t0``, the rate before the scenario.
2. Coverage of each measure: its selection times its ``share``, less exemptions (by share),
   less the share where a measure that ``excludes`` it applies; dates decide what is in force.
3. Base changes, in this order: ``set`` (the highest), ``cut``, ``swiss``, ``cap``.
4. Add-ons on top: ``add``, ``floor`` (``max(0, floor - base)`` against the base of step 3),
   ``specific`` (ad valorem equivalent at the base unit value); within a ``max_group`` only the
   highest contribution counts. ``ntm`` adds a price wedge that collects no revenue.
5. Quotas and purchase commitments are left to ``equilibrium``: their rates depend on demand.

``explain``'s steps are not kept here: given a ``trace.ScheduleTracer``, each step is reported to it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from . import hs
from .cover import Cover
from .flows import Flows

if TYPE_CHECKING:
    from .trace import ScheduleTracer

BASE_CHANGE_ORDER = ("set", "cut", "swiss", "cap")
ADD_ONS = ("add", "floor", "specific")


@dataclass(frozen=True)
class Selector:
    """Which flows a rule covers. ``None`` means every importer / exporter."""

    importers: frozenset[int] | None
    exporters: frozenset[int] | None
    products: tuple[tuple[int, int], ...]            # HS prefixes as (code, digits); (0, 0) is "*"
    exclude: tuple[tuple[int, int], ...] = ()

    @cached_property
    def _products(self) -> hs.PrefixSet:
        return hs.PrefixSet(list(self.products))

    @cached_property
    def _excluded(self) -> hs.PrefixSet | None:
        return hs.PrefixSet(list(self.exclude)) if self.exclude else None

    def _matched(self, flows: Flows) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(rows, None) where a few exporters are chosen (only their flows are touched), else (None, mask).
        Kept for the last flows matched: a run's warnings and its schedule match the same rules."""
        last = self.__dict__.get("_last")
        if last is not None and last[0]() is flows:
            return last[1]
        found = self._match(flows)
        for a in found:
            if a is not None:
                a.flags.writeable = False
        self.__dict__["_last"] = (weakref.ref(flows), found)
        return found

    def __getstate__(self):                            # the kept match stays in this process
        return {k: v for k, v in self.__dict__.items() if k != "_last"}

    def _match(self, flows: Flows) -> tuple[np.ndarray | None, np.ndarray | None]:
        # products: matched on the distinct codes, gathered to flows; countries: a lookup table per country
        ucodes, udigits, inverse = flows.hs_unique
        if self.exporters is not None and (rows := flows.rows_of_exporters(self.exporters)).size * 4 < len(flows):
            # a few exporters: only their flows, and only the codes they trade
            if self.importers is not None:
                rows = rows[_member(self.importers, flows)[flows.importer[rows]]]
            if not self._products.match_all or self._excluded is not None:
                codes, back = np.unique(inverse[rows], return_inverse=True)
                rows = rows[self._hit(ucodes[codes], udigits[codes])[back.ravel()]]
            return (rows if len(self.exporters) == 1 else np.sort(rows)), None     # one exporter's rows are sorted
        hit = self._hit(ucodes, udigits)
        m = None if hit.all() else hit[inverse]          # "*" needs no gather
        for chosen, side in ((self.importers, flows.importer), (self.exporters, flows.exporter)):
            if chosen is not None:
                table = _member(chosen, flows)
                m = table[side] if m is None else np.logical_and(m, table[side], out=m)
        return None, np.ones(len(flows), dtype=bool) if m is None else m

    def _hit(self, ucodes: np.ndarray, udigits: np.ndarray) -> np.ndarray:
        hit = self._products.matches_unique(ucodes, udigits)
        if self._excluded is not None:
            hit &= ~self._excluded.matches_unique(ucodes, udigits)
        return hit

    def mask(self, flows: Flows) -> np.ndarray:
        rows, m = self._matched(flows)
        if m is None:
            m = np.zeros(len(flows), dtype=bool)
            m[rows] = True
        return m

    def rows(self, flows: Flows) -> np.ndarray:
        """The flows selected whole, ascending."""
        rows, m = self._matched(flows)
        if rows is not None:
            return rows
        assert m is not None                             # _matched gives rows or a mask
        return np.flatnonzero(m)

    def any(self, flows: Flows) -> bool:
        rows, m = self._matched(flows)
        if rows is not None:
            return rows.size > 0
        assert m is not None
        return bool(m.any())

    def _countries_on(self, flows: Flows, rows: np.ndarray) -> np.ndarray:
        """Whether the selection's importers and exporters include each of the given flows."""
        ok = np.ones(rows.size, dtype=bool)
        for chosen, side in ((self.importers, flows.importer), (self.exporters, flows.exporter)):
            if chosen is not None:
                ok &= _member(chosen, flows)[side[rows]]
        return ok

    def cover(self, flows: Flows, composition: Callable[[], hs.Composition] | None) -> Cover:
        """The share of each flow the selection covers: whole where every product rule is at the flow's level
        or coarser; where a rule is finer than a flow's code (an HTS10 list on an HS6 flow), the share of the
        flow's code that the matching finer codes carry in ``composition()`` (read only when needed)."""
        exact = Cover(self.rows(flows), None, len(flows))
        if composition is None:
            return exact
        finest = max(self._products.max_digits, self._excluded.max_digits if self._excluded is not None else 0)
        coarse = flows.rows_coarser_than(finest)
        if not coarse.size or not self._countries_on(flows, coarse).any():
            return exact                                 # no selected flow is coarser than the rule's codes
        ucodes, udigits, inverse = flows.hs_unique

        def covered(ps: hs.PrefixSet, hit: np.ndarray) -> np.ndarray:
            """1 where a prefix matches the code, else the share of the code that finer prefixes cover."""
            share = hit.astype(np.float64)
            finer = (udigits > 0) & (udigits < ps.max_digits) & ~hit
            if finer.any():
                share[finer] = composition().share_covered(ps, ucodes[finer], udigits[finer].astype(np.int64))
            return share

        included = self._products.matches_unique(ucodes, udigits)
        share = covered(self._products, included)
        exact_u = included
        if self._excluded is not None:
            out = self._excluded.matches_unique(ucodes, udigits)
            share *= 1.0 - covered(self._excluded, out)
            exact_u = included & ~out
        if np.array_equal(share, exact_u):              # nothing finer than a flow: the plain mask
            return exact
        countries = Selector(self.importers, self.exporters, ((0, 0),)).mask(flows)
        if ((share == 0) | (share == 1)).all():         # finer rules that cover whole codes: still a mask
            return Cover.of((share[inverse] == 1) & countries)
        return Cover.of(share[inverse] * countries)


def _member(chosen: frozenset[int], flows: Flows) -> np.ndarray:
    """A lookup table over the country indices: True for the chosen countries."""
    table = np.zeros(len(flows.countries), dtype=bool)
    table[list(chosen)] = True
    return table


@dataclass(frozen=True, kw_only=True)
class Dated:
    """Every rule may carry dates: in force on d when effective <= d < expires (always, with no date)."""

    effective: dt.date | None = None
    expires: dt.date | None = None

    def in_force(self, as_of: dt.date | None) -> bool:
        if as_of is None:
            return True
        return (self.effective is None or self.effective <= as_of) and (self.expires is None or as_of < self.expires)


@dataclass(frozen=True)
class MeasureRule(Dated):
    id: str
    kind: str                       # add | set | cap | cut | swiss | floor | specific | ntm
    rate: float | None
    where: Selector
    share: float | str = 1.0        # a fraction, or the name of a share table (content, claims)
    coefficient: float | None = None
    duty: float | None = None
    unit: str | None = None
    excludes: tuple[str, ...] = ()
    max_group: str | None = None
    reference: str = ""


@dataclass(frozen=True)
class ExemptionRule(Dated):
    measure_ids: tuple[str, ...]    # ("*",) lifts every measure
    where: Selector
    share: float | str = 1.0
    id: str | None = None


@dataclass(frozen=True)
class PreferenceRule(Dated):
    id: str
    where: Selector
    rate: float | None              # None: the data's base rate of each line
    utilisation: float = 1.0
    agreement: str = ""


@dataclass(frozen=True)
class QuotaRule(Dated):
    id: str
    kind: str                       # trq | quota | export-restraint
    where: Selector
    limit_value: float | None
    limit_quantity: float | None
    rent: str                       # importer | exporter | government
    in_rate: float | None = None
    out_rate: float | None = None
    reference: str = ""

    @property
    def limit(self) -> float:
        """The quota, in US dollars or in the data's units: the scenario gives exactly one of the two."""
        limit = self.limit_value if self.limit_value is not None else self.limit_quantity
        if limit is None:
            raise ValueError(f"quota {self.id} has no limit")
        return limit

    @property
    def trq_rates(self) -> tuple[float, float]:
        """(in-quota, out-of-quota) rate of a tariff-rate quota."""
        if self.in_rate is None or self.out_rate is None:
            raise ValueError(f"quota {self.id}: a 'trq' needs 'in_rate' and 'out_rate'")
        return self.in_rate, self.out_rate


@dataclass(frozen=True)
class CommitmentRule(Dated):
    id: str
    where: Selector
    target: float
    reference: str = ""


@dataclass(frozen=True)
class Plan:
    measures: tuple[MeasureRule, ...] = ()
    exemptions: tuple[ExemptionRule, ...] = ()
    preferences: tuple[PreferenceRule, ...] = ()
    quotas: tuple[QuotaRule, ...] = ()
    commitments: tuple[CommitmentRule, ...] = ()

    def in_base(self, base_date: dt.date | None) -> Plan | None:
        """The measures and exemptions dated on or before the data's base date: in force in the base year, so
        part of the base rate as well as of the scenario while they last. None if there are none."""
        if base_date is None:
            return None
        early = lambda r: r.effective is not None and r.effective <= base_date  # noqa: E731
        measures = tuple(m for m in self.measures if early(m))
        if not measures:
            return None
        ids = {m.id for m in measures}
        measures = tuple(dataclasses.replace(m, excludes=tuple(o for o in m.excludes if o in ids)) for m in measures)
        exemptions = tuple(dataclasses.replace(e, measure_ids=tuple(i for i in e.measure_ids if i == "*" or i in ids))
                           for e in self.exemptions if early(e))
        return Plan(measures, tuple(e for e in exemptions if e.measure_ids))


@dataclass(frozen=True)
class RateContext:
    """What the data adds to the rules: the base date, the make-up of coarse codes, and share tables."""

    base_date: dt.date | None = None
    composition: Callable[[], hs.Composition] | None = None    # the ten-digit make-up of coarse codes
    table: Callable[[str, Flows], np.ndarray] | None = None    # share table name, flows -> share of each flow

    def share(self, share: float | str, flows: Flows):
        if isinstance(share, str):
            if self.table is None:
                raise ValueError(f"share table '{share}' needs a dataset that provides share tables")
            return self.table(share, flows)
        return share


@dataclass
class Schedule:
    t0: np.ndarray                   # rate before the scenario (after preferences)
    base1: np.ndarray                # base after set/cut/swiss/cap
    addon: np.ndarray                # add-on tariffs (add, floor), per unit of value
    specific_ave0: np.ndarray        # specific duties' ad valorem equivalent at base prices (re-priced with 1/rp)
    ntm1: np.ndarray                 # non-tariff wedge (no revenue)
    coverage: dict[str, Cover]       # measure id -> the flows it applies to and the share of each
    in_force: dict[str, bool]
    quotas: list[tuple[QuotaRule, np.ndarray]] = field(default_factory=list)
    commitments: list[tuple[CommitmentRule, np.ndarray]] = field(default_factory=list)
    unpriced_specific: dict[str, int] = field(default_factory=dict)   # id -> covered flows with no quantity

    @cached_property
    def t1_static(self) -> np.ndarray:
        """The scenario rate before quotas, commitments and re-pricing of specific duties."""
        return self.base1 + self.addon + self.specific_ave0


def _preferences(flows: Flows, plan: Plan, as_of, tracer: ScheduleTracer | None) -> np.ndarray:
    active = [p for p in plan.preferences if p.in_force(as_of)]
    base = flows.base_rate                                  # read-only: nothing writes into t0
    if not active:
        return base
    best = np.full(len(flows), np.inf)
    for p in active:
        m = p.where.mask(flows)
        pref = flows.base_rate if p.rate is None else np.full(len(flows), p.rate)
        eff = p.utilisation * pref + (1 - p.utilisation) * flows.mfn_rate
        best = np.where(m, np.minimum(best, eff), best)
        if tracer is not None:
            tracer.preference(p, m, pref, best)
    return np.where(np.isfinite(best), best, base)


def _given(value: float | None, m: MeasureRule, what: str) -> float:
    """A number the measure's kind needs (the scenario check makes sure it is there)."""
    if value is None:
        raise ValueError(f"measure {m.id}: a '{m.kind}' measure needs '{what}'")
    return value


def _as_float(c: np.ndarray) -> np.ndarray:
    return c.astype(np.float64) if c.dtype == bool else c


def _coverage(flows: Flows, plan: Plan, as_of, tracer: ScheduleTracer | None,
              ctx: RateContext) -> tuple[dict[str, Cover], dict]:
    """Share of each flow each measure applies to, as a sparse cover of the flows it touches."""
    n = len(flows)
    in_force = {m.id: m.in_force(as_of) for m in plan.measures}
    cov: dict[str, Cover] = {}
    for m in plan.measures:
        if not in_force[m.id]:
            cov[m.id] = Cover.none(n)
            continue
        c = m.where.cover(flows, ctx.composition)
        cov[m.id] = c if not isinstance(m.share, str) and m.share == 1.0 else c.scaled(ctx.share(m.share, flows))
    for ex in plan.exemptions:
        if not ex.in_force(as_of):
            continue
        lifted_cover = ex.where.cover(flows, ctx.composition)
        if isinstance(ex.share, str) or ex.share != 1.0:
            lifted_cover = lifted_cover.scaled(ctx.share(ex.share, flows))
        lifted = lifted_cover.dense()            # once per exemption: each measure reads its own rows of it
        ids = [m.id for m in plan.measures] if "*" in ex.measure_ids else ex.measure_ids
        for mid in ids:
            if not in_force[mid]:          # nothing to lift
                continue
            if tracer is not None:
                tracer.exemption(ex, mid, cov[mid], lifted)
            cov[mid] = cov[mid].less(lifted)
    # Exclusions use each excluding measure's own coverage, so their order does not matter. Measures that exclude
    # the same set are applied together: c * (1 - a) * (1 - b) = c * (1 - (a + b - ab)), one pass per target.
    own = {m.id: cov[m.id] for m in plan.measures if m.excludes}      # covers are immutable: no copy
    by_targets: dict[tuple[str, ...], list[str]] = {}
    for m in plan.measures:
        if m.excludes and in_force[m.id]:
            by_targets.setdefault(m.excludes, []).append(m.id)
    for targets, ids in by_targets.items():
        if tracer is not None:
            tracer.exclusions(ids, targets, cov, own)
        together = own[ids[0]].dense()
        for mid in ids[1:]:
            more = own[mid].dense()
            if together.dtype == bool and more.dtype == bool:
                together = together | more
            else:
                a, b = _as_float(together), _as_float(more)
                together = a + b - a * b
        if not together.any():
            continue
        for other in targets:
            if in_force.get(other):
                cov[other] = cov[other].less(together)
    return cov, in_force


def _unit_values(flows: Flows) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((flows.quantity > 0) & (flows.value > 0), flows.value / flows.quantity, np.nan)


def compile_schedule(flows: Flows, plan: Plan, as_of: dt.date | None = None, ctx: RateContext | None = None,
                     tracer: ScheduleTracer | None = None) -> Schedule:
    """The rates of every flow before (t0) and after (t1) the scenario on ``as_of``.

    t0 is the data's base rate with the preferences, plus the measures in force on the data's base date
    (``Plan.in_base``): a duty of 2018 still in force in 2024 is in the base and in the scenario alike.
    ``tracer`` (``trace.ScheduleTracer``), if given, is told every step, for ``explain``."""
    ctx = ctx or RateContext()
    n = len(flows)
    if tracer is not None:
        tracer.base_rate(flows)
    pref = _preferences(flows, plan, as_of, tracer)
    base_plan = plan.in_base(ctx.base_date)
    if base_plan is None:
        t0 = pref
    else:
        then = compile_schedule(flows, dataclasses.replace(base_plan, preferences=plan.preferences), ctx.base_date,
                                ctx=dataclasses.replace(ctx, base_date=None))
        t0 = then.t1_static
        if tracer is not None:
            assert ctx.base_date is not None                 # a plan in the base needs the base date
            tracer.in_base(ctx.base_date, t0, pref)
    cov, in_force = _coverage(flows, plan, as_of, tracer, ctx)

    base = pref.copy()
    # Within a kind, measures apply in id order: never in file order, so moving a table in the file changes nothing.
    by_kind = {k: sorted((m for m in plan.measures if m.kind == k and in_force[m.id]), key=lambda m: m.id)
               for k in (*BASE_CHANGE_ORDER, *ADD_ONS, "ntm")}
    # set: the highest set rate wins where several cover a flow; a share blends it with the base
    if by_kind["set"]:
        set_rate: np.ndarray = np.full(n, -np.inf)
        set_cov: np.ndarray = np.zeros(n)
        set_by = np.full(n, -1)              # which set measure won each flow (for explain)
        for i, m in enumerate(by_kind["set"]):
            c = _as_float(cov[m.id].dense())
            rate = _given(m.rate, m, "rate")
            better = (c > 0) & (rate > set_rate)
            set_rate, set_cov = np.where(better, rate, set_rate), np.where(better, c, set_cov)
            set_by = np.where(better, i, set_by)
        safe_rate = np.where(set_cov > 0, set_rate, 0.0)
        base = np.where(set_cov > 0, set_cov * safe_rate + (1 - set_cov) * base, base)
        if tracer is not None:
            ids = [m.id for m in by_kind["set"]]
            tracer.set_rates(base, set_rate, set_cov, [ids[k] if k >= 0 else "" for k in set_by])
    for kind in ("cut", "swiss", "cap"):
        for m in by_kind[kind]:
            rows, c = cov[m.id].rows, cov[m.id].values()
            now = base[rows]
            if kind == "cut":
                new = now * (1 - _given(m.rate, m, "rate"))
            elif kind == "swiss":
                coefficient = _given(m.coefficient, m, "coefficient")
                new = coefficient * now / (coefficient + now)
            else:
                new = np.minimum(now, _given(m.rate, m, "rate"))
            base[rows] = c * new + (1 - c) * now
            if tracer is not None:
                tracer.base_change(m, cov[m.id], base)

    # The rate each add-on adds on the flows it covers: (rows, rate on each row).
    contributions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    specific = np.zeros(n)
    unpriced = {}
    for m in by_kind["add"]:
        contributions[m.id] = (cov[m.id].rows, cov[m.id].values() * _given(m.rate, m, "rate"))
    for m in by_kind["floor"]:
        gap = np.subtract(_given(m.rate, m, "rate"), base[cov[m.id].rows])
        np.maximum(gap, 0.0, out=gap)
        contributions[m.id] = (cov[m.id].rows, np.multiply(gap, cov[m.id].values(), out=gap))
    if by_kind["specific"]:
        unit_value = _unit_values(flows)
        priced = np.isfinite(unit_value)
        units = np.asarray(flows.unit) if flows.unit is not None else None
        for m in by_kind["specific"]:
            ok = priced if m.unit is None or units is None else priced & np.isin(units, ("", "nan", m.unit))
            rows = cov[m.id].rows
            unpriced[m.id] = int((~ok[rows]).sum())
            duty = (np.where(ok[rows], _given(m.duty, m, "duty") / np.where(ok[rows], unit_value[rows], 1.0), 0.0)
                    * cov[m.id].values())
            contributions[m.id] = (rows, duty)
            specific[rows] += duty

    # Within a max group only the highest contribution counts (every contribution is >= 0, so a max from zero).
    groups: dict[str, list[str]] = {}
    for m in plan.measures:
        if m.max_group and m.id in contributions and m.kind != "specific":
            groups.setdefault(m.max_group, []).append(m.id)
    grouped = {mid for ids in groups.values() for mid in ids}
    addon = np.zeros(n)
    for ids in groups.values():
        best = np.zeros(n)
        for mid in ids:
            rows, add = contributions[mid]
            best[rows] = np.maximum(best[rows], add)
        addon += best
    for m in plan.measures:
        if m.id in contributions and m.kind != "specific" and m.id not in grouped:
            rows, add = contributions[m.id]
            addon[rows] += add
    if tracer is not None:
        tracer.add_ons(plan, cov, contributions, groups, base)

    ntm = np.zeros(n)
    for m in by_kind["ntm"]:
        ntm[cov[m.id].rows] += _given(m.rate, m, "rate") * cov[m.id].values()
        if tracer is not None:
            tracer.ntm(m, cov[m.id])

    quotas = [(q, q.where.mask(flows)) for q in plan.quotas if q.in_force(as_of)]   # quotas are whole flows
    commitments = [(c, c.where.mask(flows)) for c in plan.commitments if c.in_force(as_of)]
    if tracer is not None:
        tracer.solved_with_demand(quotas, commitments)
    return Schedule(t0=t0, base1=base, addon=addon, specific_ave0=specific, ntm1=ntm, coverage=cov, in_force=in_force,
                    quotas=quotas, commitments=commitments, unpriced_specific=unpriced)
