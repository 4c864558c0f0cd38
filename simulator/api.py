"""The small public API: load a scenario and its data, run it, explain a flow, walk a time path."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import __version__, hs
from .data import Dataset, lists, load_dataset
from .equilibrium import check as check_instruments
from .equilibrium import solve as solve_instruments
from .errors import InputError, Problem
from .flows import Flows
from .markets import Markets, markets
from .models import DESCRIPTIONS, MODELS, SolverReport
from .models.armington import SupplyLayouts, WarmStart
from .parameters import Parameters
from .parameters import build as build_parameters
from .parameters import describe as describe_parameters
from .progress import Progress, Steps
from .records import DrawSettings, ElasticitySettings, MeasureSummary, Provenance, instrument_outcome
from .results import CLOSURE_NOTE, Result
from .scenario import ScenarioFile, load_scenario, resolve, resolve_elasticities  # noqa: F401 (re-exported)
from .scenario.resolve import sector_defaults
from .scenario.schema import SECTIONS
from .schedule import Plan, Schedule, compile_schedule
from .trace import ScheduleTracer

if TYPE_CHECKING:
    from .uncertainty import Draws


def dataset_for(sf: ScenarioFile, progress: Progress | None = None) -> Dataset:
    d = sf.spec.data
    # a problem with [data] is the file's that set it (a base, maybe), not the top file's
    return load_dataset(d.flows, d.basis, base_dir=sf.data_dir or sf.path.parent, regions=tuple(d.regions),
                        shown_as=sf.key_origin("data.flows"), market_specific=tuple(d.market_specific),
                        progress=progress)


def with_basis(sf: ScenarioFile, basis: str | None) -> ScenarioFile:
    """The scenario with its [data] basis replaced (the --basis option); unchanged for None."""
    if basis is None:
        return sf
    return dataclasses.replace(sf, spec=sf.spec.model_copy(
        update={"data": sf.spec.data.model_copy(update={"basis": basis})}))


def _as_file(scenario) -> ScenarioFile:
    return scenario if isinstance(scenario, ScenarioFile) else load_scenario(scenario)


def _model(sf: ScenarioFile, flows: Flows, mk: Markets, params: Parameters, layouts: SupplyLayouts):
    """The run's model as a function of the wedges; armington's solves start from the run's own last answer (and
    reuse the supply layout of the scenario's last solve, which changes no number)."""
    solve = MODELS[sf.spec.model.name]
    if sf.spec.model.name == "armington":
        warm = WarmStart()
        return lambda tau0, tau1: solve(flows.value, tau0, tau1, params, mk, warm=warm, layouts=layouts)
    return lambda tau0, tau1: solve(flows.value, tau0, tau1, params, mk)


def _instruments(doc):
    """Every instrument of a scenario or plan, section by section."""
    return [item for section in SECTIONS for item in getattr(doc, section)]


def rule_warnings(sf: ScenarioFile, plan: Plan, flows: Flows) -> list[str]:
    """Instruments whose selection matches no flow of the dataset (whatever the date)."""
    out = []
    for section in SECTIONS:
        for i, rule in enumerate(getattr(plan, section)):
            if not rule.where.any(flows):
                name = getattr(rule, "id", None)
                file, where = sf.locate(section, i, f"{section}[{i}]")     # the file's own index, not the merged one
                out.append(f"{file}: {where}{f' ({name!r})' if name else ''} matches no flow in the data")
    return out


@dataclass(frozen=True)
class _Prepared:
    """What a run needs that does not depend on the date: the resolved plan, its warnings, the elasticities."""

    plan: Plan
    warnings: list[str]
    params: Parameters
    parameter_notes: list[str]        # the elasticities' sources and summary (the same on every date)
    layouts: SupplyLayouts = field(default_factory=SupplyLayouts)     # armington's, kept from date to date


def _prepare(sf: ScenarioFile, flows: Flows) -> _Prepared:
    plan = resolve(sf, flows)
    warnings = rule_warnings(sf, plan, flows)
    params = build_parameters(flows, markets(flows), sf.spec.elasticities, resolve_elasticities(sf, flows))
    notes = describe_parameters(params, flows) if sf.spec.model.name in ("armington", "smart", "gsim") else []
    return _Prepared(plan, warnings, params, notes)


def _schedule(sf: ScenarioFile, data: Dataset, prep: _Prepared, when: dt.date | None) -> tuple[Schedule, list[str]]:
    """The scenario's rates on a date, and every warning about the scenario on that data."""
    sched = compile_schedule(data.flows, prep.plan, when, ctx=data.rate_context)
    warnings = list(prep.warnings)
    dated = [r.id for r in _instruments(prep.plan) if getattr(r, "effective", None) or getattr(r, "expires", None)]
    if when is None and dated:
        warnings.append(f"{sf.shown_as}: no as_of date, so every dated instrument applies at once "
                        f"({len(dated)} have dates); set as_of in the file or use --as-of")
    for mid, missing in sched.unpriced_specific.items():
        if missing:
            warnings.append(f"{sf.shown_as}: specific duty '{mid}' covers {missing} flow(s) with no quantity in the data: "
                            "no ad valorem equivalent, not applied to them")
    return sched, warnings


def validate(scenario: ScenarioFile | str | Path, as_of: dt.date | None = None,
             progress: Progress | None = None) -> list[str]:
    """Check a scenario against the language and its data without running the model: its rules, elasticities,
    rates on its date and what its instruments need of the data. Returns the warnings; raises InputError.
    ``progress`` hears of the reading of a flows file (simulator.progress)."""
    sf = _as_file(scenario)
    data = dataset_for(sf, progress)
    prep = _prepare(sf, data.flows)
    sched, warnings = _schedule(sf, data, prep, as_of or sf.spec.as_of)
    check_instruments(data.flows, sched, sf.shown_as)
    return warnings


def _provenance(sf: ScenarioFile, data: Dataset, when: dt.date | None, solver: SolverReport | None) -> Provenance:
    """Where a run's result comes from: the scenario file, its data, model and elasticities, the date, the solve."""
    spec, el = sf.spec, sf.spec.elasticities
    elasticities = ElasticitySettings(el.import_demand, el.substitution, el.substitution_default,
                                      export_supply=None if math.isinf(el.export_supply) else el.export_supply,
                                      overrides=len(el.overrides))
    return Provenance(spec.name, sf.path.name, sf.sha256, spec.model.name, data.id, data.basis, data.basis_label,
                      as_of=when, tariffsim_version=__version__, extends=tuple(name for name, _ in sf.chain[1:]),
                      elasticities=elasticities, solver=solver)


def run(scenario: ScenarioFile | str | Path, as_of: dt.date | None = None,
        dataset: Dataset | None = None, draws: Draws | None = None, client=None,
        prepared: _Prepared | None = None, progress: Progress | None = None) -> tuple[Result, list[str]]:
    """Run one scenario. Returns the result and warnings (e.g. a measure that matches no flow).
    With ``draws``, adds percentile bands over elasticity draws (on a Dask ``client`` if given).
    ``prepared``: the date-independent part, when the same scenario runs on several dates.
    ``progress`` hears of the reading of a flows file and of the draws (simulator.progress); it changes nothing."""
    sf = _as_file(scenario)
    spec = sf.spec
    data = dataset or dataset_for(sf, progress)
    flows = data.flows
    prep = prepared or _prepare(sf, flows)
    plan, params = prep.plan, prep.params
    when = as_of or spec.as_of
    sched, warnings = _schedule(sf, data, prep, when)
    mk = markets(flows)
    sol = solve_instruments(flows, sched, _model(sf, flows, mk, params, prep.layouts), sf.shown_as)

    measures = tuple(MeasureSummary(m.id, m.kind, m.rate, m.reference, sched.in_force[m.id],
                                    flows=int(sched.coverage[m.id].rows.size),
                                    value_base=float((flows.value[sched.coverage[m.id].rows]
                                                      * sched.coverage[m.id].values()).sum()))
                     for m in plan.measures)
    el = spec.elasticities
    supply = "price takers (infinite export supply)" if math.isinf(el.export_supply) else f"export supply {el.export_supply:g}"
    overrides = f"; {len(el.overrides)} override(s)" if el.overrides else ""
    sector = "".join(f"; {d.name} (export supply {d.override.export_supply:g}, a sector default)"
                     for d in sector_defaults(sf, flows))
    notes = [
        f"Model '{spec.model.name}': {DESCRIPTIONS[spec.model.name]}; import demand elasticity {el.import_demand:g}, "
        f"{supply}{sector}{overrides}.",
        CLOSURE_NOTE,
        *([f"Scenario: {spec.description}"] if spec.description else []),
        *data.notes,
        *sol.outcome.notes,
    ]
    notes.extend(prep.parameter_notes)
    if (solver := sol.outcome.solver) is not None and solver.residual is not None:
        notes.append(f"World prices solved with {solver.method}: {solver.unknowns} suppliers, largest residual "
                     f"{solver.residual:.2e} (tolerance {solver.tolerance:.0e}).")
    if len(sf.chain) > 1:
        notes.append("Scenario built from " + " <- ".join(f"{name} (sha256 {sha[:12]})" for name, sha in sf.chain) + ".")
    used = sorted({p[5:] for item in _instruments(spec)
                   for p in (getattr(item, "products", None) or []) + list(getattr(item, "exclude", []) or [])
                   if p.startswith("list:")})
    for name in used:
        if bad := lists.rejected(name):
            notes.append(f"list:{name}: {len(bad)} source entr{'y' if len(bad) == 1 else 'ies'} skipped as not HS codes: "
                         f"{', '.join(bad)}.")
    if lost := [(name, len(codes)) for name in used if (codes := lists.unmatched(name))]:
        notes.append("Product list codes that match no line of the 2025 US schedule or the 2024 trade data (chapter "
                     "98-99 provisions, statistical suffixes of later HTS revisions) and so cover nothing: "
                     + ", ".join(f"{name} {k}" for name, k in lost) + " (docs/DATA.md, Named product lists).")
    result = Result(provenance=_provenance(sf, data, when, sol.outcome.solver), dataset=data, t0=sol.tau0,
                    t1=sol.tariff1, outcome=sol.outcome, measures=measures, notes=notes, wedge1=sol.tau1,
                    rent_importer=sol.rent_importer, rent_exporter=sol.rent_exporter,
                    commitment_cost=sol.commitment_cost,
                    instruments=tuple(instrument_outcome(solved) for solved in sol.instruments))
    result.notes.extend(result.flag_notes(set(result.balances.country)))
    if draws is not None:
        from .uncertainty import EPS_LOGSD, ETA_LOGSD, DrawProblem, bands, failed, run_draws, sigma_logsd
        problem = DrawProblem(flows, sched, sol, params, spec.model.name, sigma_logsd(flows, mk), sf.shown_as)
        stacked = run_draws(problem, draws, client, progress)
        result = dataclasses.replace(result, bands=bands(result, stacked), provenance=dataclasses.replace(
            result.provenance, draws=DrawSettings(draws.n, draws.seed)))
        result.notes.append(f"Bands: {draws.n} draws (seed {draws.seed}) of the elasticities around their point values: "
                            f"substitution lognormal with the spread of the Broda-Weinstein estimates, import demand "
                            f"log-sd {ETA_LOGSD}, export supply log-sd {EPS_LOGSD} (docs/MODELS.md, Uncertainty)."
                            + (" Quotas, commitments and specific duties are solved again for every draw."
                               if problem.has_instruments else "")
                            + (f" {failed(stacked)} draw(s) did not converge and are left out." if failed(stacked) else ""))
    return result, warnings


# -- explain ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Explanation:
    scenario: str
    as_of: dt.date | None
    flows: list[dict]          # importer, exporter, hs, value, rate_base, rate_static, steps [(label, rate, detail)]
    total_matched: int


def explain(scenario, importer: str, exporter: str, hs_prefix: str, as_of: dt.date | None = None,
            limit: int = 20) -> Explanation:
    """Every instrument that touched the flows of one importer, exporter and HS prefix, in order."""
    sf = _as_file(scenario)
    data = dataset_for(sf)
    flows = data.flows
    problems = []
    for name, code in (("importer", importer), ("exporter", exporter)):
        if code not in flows.countries:
            from .countries import suggest
            problems.append(Problem(None, name, f"'{code}' is not a country of {data.id}{suggest(code, flows.countries)}"))
    if hs_prefix != "*" and (msg := hs.prefix_problem(hs_prefix)):
        problems.append(Problem(None, "hs_prefix", msg))
    if problems:
        raise InputError(problems)
    direction = (flows.importer == flows.index(importer)) & (flows.exporter == flows.index(exporter))
    mask = hs.PrefixSet([hs.parse_prefix(hs_prefix)]).matches(flows.hs, flows.hs_digits) & direction
    if not mask.any():
        from .flows import RESIDUAL
        hint = ("; this direction's other products are one residual line 'other goods, not itemised' with no HS code, "
                "so no rule on an HS prefix applies to them" if (direction & ((flows.flags & RESIDUAL) != 0)).any() else "")
        raise InputError(Problem(None, "hs_prefix", f"no flow {exporter} -> {importer} under HS '{hs_prefix}' in {data.id}{hint}"))
    order = np.flatnonzero(mask)[np.argsort(-flows.value[mask], kind="stable")]
    pick = np.zeros(len(flows), bool)
    pick[order[:limit]] = True
    sub = flows.subset(pick)
    plan = resolve(sf, flows)
    when = as_of or sf.spec.as_of
    tracer = ScheduleTracer()
    sched = compile_schedule(sub, plan, when, ctx=data.rate_context, tracer=tracer)
    out = [{"importer": importer, "exporter": exporter, "hs": sub.hs_text(k), "value": float(sub.value[k]),
            "rate_base": float(sched.t0[k]), "rate_scenario": float(sched.t1_static[k]),
            "wedge_ntm": float(sched.ntm1[k]), "steps": tracer.of_flow(k)}
           for k in np.argsort(-sub.value, kind="stable")]      # largest first (a subset keeps the data's order)
    return Explanation(sf.spec.name, when, out, int(mask.sum()))


# -- time path -------------------------------------------------------------------------------------

def dates(start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    if step not in ("monthly", "quarterly", "yearly", "daily", "weekly"):
        raise InputError(Problem(None, "step", f"unknown step '{step}'; use monthly, quarterly, yearly, weekly or daily"))
    if end < start:
        raise InputError(Problem(None, "end", f"the end {end} is before the start {start}"))
    out: list[dt.date] = []
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}.get(step)
    for k in range(5001):
        # every date counted from the start, so a month's end stays a month's end (31 Jan, 28 Feb, 31 Mar)
        d = _add_months(start, k * months) if months else _add_days(start, k * (7 if step == "weekly" else 1))
        if d is None or d > end:
            return out
        out.append(d)
    raise InputError(Problem(None, "step", "more than 5,000 dates; choose a longer step"))


def _add_months(d: dt.date, months: int) -> dt.date | None:
    """The same day ``months`` later, or the month's last day where it is shorter (None past year 9999)."""
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    if year > dt.MAXYEAR:
        return None
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _add_days(d: dt.date, days: int) -> dt.date | None:
    try:
        return d + dt.timedelta(days=days)
    except OverflowError:               # past year 9999
        return None


def path(scenario, when: list[dt.date], progress: Progress | None = None) -> tuple[Iterator[tuple[dt.date, Result]], list[str]]:
    """The scenario evaluated on each date (the data is read once), date by date as the caller reads them: a
    result per flow is tens of megabytes on the bundled data, so a daily path over years is never held at once.
    The warnings are those of the first date, which is run at once (so bad input is reported before any output).
    ``progress`` hears of the reading of a flows file and of each date done (simulator.progress)."""
    sf = _as_file(scenario)
    data = dataset_for(sf, progress)
    prepared = _prepare(sf, data.flows)
    if not when:
        return iter(()), []
    steps = Steps(progress, f"{sf.shown_as}: dates", len(when))
    first: Result | None
    first, warnings = run(sf, as_of=when[0], dataset=data, prepared=prepared)
    steps.advance()

    def series() -> Iterator[tuple[dt.date, Result]]:
        nonlocal first
        assert first is not None                       # read once
        result: Result = first
        first = None
        yield when[0], result
        for d in when[1:]:
            # let the last date's result go before the next date runs: its cached headline refers back to it, so
            # without breaking that cycle only a collection of the whole heap would free it (0.05 s a date)
            result.drop_headline()
            del result
            result = run(sf, as_of=d, dataset=data, prepared=prepared)[0]
            steps.advance()
            yield d, result
    return series(), warnings


# -- compare ---------------------------------------------------------------------------------------

def compare(files, as_of: dt.date | None = None, basis: str | None = None, draws=None, client=None,
            progress: Progress | None = None):
    """Run every scenario (errors in any file are all reported) and put them side by side.
    With a Dask ``client``, the scenarios run as a sweep on the cluster, one task each.
    ``progress`` hears of the scenarios done, and here of the reading of flows files and of the draws."""

    from .comparison import Comparison
    problems, loaded = [], []
    for f in files:
        try:
            loaded.append(with_basis(_as_file(f), basis))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    cache: dict = {}
    results, warnings = [], []
    if client is not None:
        # run(scenario, as_of, dataset, draws) on the cluster; each task loads its own dataset
        runs = client.gather(client.map(run, loaded, [as_of] * len(loaded), [None] * len(loaded),
                                        [draws] * len(loaded), pure=False))
    else:
        runs = []
        steps = Steps(progress, "scenarios", len(loaded))
        for sf in loaded:
            d = sf.spec.data
            key = (d.flows, d.basis, tuple(d.regions), tuple(d.market_specific), str(sf.data_dir))
            if key not in cache:
                cache[key] = dataset_for(sf, progress)
            runs.append(run(sf, as_of=as_of, dataset=cache[key], draws=draws, progress=progress))
            steps.advance()
    for r, w in runs:
        results.append(r)
        warnings.extend(w)
    if len({(r.provenance.dataset, r.provenance.basis) for r in results}) > 1:
        warnings.append("the scenarios use different datasets or bases: their differences mix policy and data")
    return Comparison(results), warnings


# -- statutory rates -------------------------------------------------------------------------------

def statutory_rates(scenario, when: list[dt.date], importer: str = "USA") -> dict[dt.date, dict[str, float]]:
    """The trade-weighted statutory tariff (base-year weights, before any model response) on ``importer``'s
    imports on each date: {"all": rate, exporter or group: rate}. No model is solved, so it is fast."""
    from .groups import STANDARD_GROUPS
    sf = _as_file(scenario)
    data = dataset_for(sf)
    flows = data.flows
    plan = resolve(sf, flows)
    into = flows.importer == flows.index(importer)
    names = np.array(flows.countries, dtype=object)[flows.exporter[into]]
    value = flows.value[into]
    out = {}
    for d in when:
        t = compile_schedule(flows, plan, d, ctx=data.rate_context).t1_static[into]
        def weighted(pick):
            total = value[pick].sum()
            return float((value[pick] * t[pick]).sum() / total) if total > 0 else 0.0
        by = {"all": weighted(np.ones(value.size, dtype=bool))}
        by.update({code: weighted(names == code) for code in sorted(set(names))})
        by.update({g: weighted(np.isin(names, members)) for g, members in STANDARD_GROUPS.items()
                   if value[np.isin(names, members)].sum() > 0})
        out[d] = by
    return out
