"""The small public API: load a scenario and its data, run it, get a Result."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from . import __version__
from .data import Dataset, lists, load_dataset
from .models import DESCRIPTIONS, MODELS
from .results import CLOSURE_NOTE, Result
from .scenario import ScenarioFile, load_scenario, resolve  # noqa: F401 (re-exported)
from .schedule import compile_schedule


def dataset_for(sf: ScenarioFile) -> Dataset:
    d = sf.spec.data
    return load_dataset(d.flows, d.basis, base_dir=sf.path.parent, regions=tuple(d.regions), shown_as=sf.shown_as)


def run(scenario: ScenarioFile | str | Path, as_of: dt.date | None = None,
        dataset: Dataset | None = None) -> tuple[Result, list[str]]:
    """Run one scenario. Returns the result and warnings (e.g. a measure that matches no flow)."""
    sf = scenario if isinstance(scenario, ScenarioFile) else load_scenario(scenario)
    spec = sf.spec
    data = dataset or dataset_for(sf)
    flows = data.flows
    measures, exemptions = resolve(sf, flows)
    when = as_of or spec.as_of
    sched = compile_schedule(flows, measures, exemptions, when)

    warnings = []
    for i, m in enumerate(measures):
        if sched.in_force[m.id] and not sched.coverage[m.id].any():
            warnings.append(f"{sf.shown_as}: measures[{i}] ('{m.id}') matches no flow in {data.id}")

    el = spec.elasticities
    n = len(flows)
    outcome = MODELS[spec.model.name](flows.value, sched.t0, sched.t1,
                                      np.full(n, el.import_demand), np.full(n, el.export_supply))
    measure_rows = [{"id": m.id, "kind": m.kind, "rate": m.rate, "reference": s.reference, "in_force": sched.in_force[m.id],
                     "flows": int(sched.coverage[m.id].sum()),
                     "value_base": float(flows.value[sched.coverage[m.id]].sum())}
                    for m, s in zip(measures, spec.measures)]
    supply = "price takers (infinite export supply)" if math.isinf(el.export_supply) else f"export supply {el.export_supply:g}"
    notes = [
        f"Model '{spec.model.name}': {DESCRIPTIONS[spec.model.name]}; import demand elasticity {el.import_demand:g}, {supply}.",
        CLOSURE_NOTE,
        *data.notes,
    ]
    info = {
        "name": spec.name, "file": sf.path.name, "sha256": sf.sha256, "model": spec.model.name,
        "dataset": data.id, "basis": data.basis, "basis_label": data.basis_label,
        "as_of": when.isoformat() if when else None, "tariffsim_version": __version__,
        "elasticities": {"import_demand": el.import_demand, "substitution": el.substitution,
                         "export_supply": None if math.isinf(el.export_supply) else el.export_supply},
    }
    for name in sorted({p[5:] for item in (*spec.measures, *spec.exemptions) for p in item.products
                         if p.startswith("list:")}):
        if bad := lists.rejected(name):
            notes.append(f"list:{name}: {len(bad)} source entr{'y' if len(bad) == 1 else 'ies'} skipped as not HS codes: "
                         f"{', '.join(bad)}.")
    result = Result(scenario=info, dataset=data, t0=sched.t0, t1=sched.t1, outcome=outcome,
                    measures=measure_rows, notes=notes)
    balance_countries = set(result.balances.country)
    result.notes.extend(result.flag_notes(balance_countries))
    return result, warnings
