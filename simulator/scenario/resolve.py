"""Resolving a scenario's names against a dataset: countries, product lists, measure ids.

Every unknown name is reported with the nearest valid one. The output is plain data
(``schedule.MeasureRule`` / ``ExemptionRule``); no arrays are touched here.
"""

from __future__ import annotations

from .. import countries as country_codes
from .. import hs
from ..data import lists
from ..errors import InputError, Problem, suggest
from ..flows import Flows
from ..schedule import ExemptionRule, MeasureRule, Selector
from .loader import ScenarioFile


def _countries(codes: list[str], flows: Flows, where: str, shown: str, problems: list) -> frozenset[int] | None:
    if "*" in codes:
        return None
    known = {c: i for i, c in enumerate(flows.countries)}
    out = set()
    for j, code in enumerate(codes):
        if code in known:
            out.add(known[code])
            continue
        valid = sorted(known) + ["*"]
        if country_codes.is_iso3(code):
            msg = (f"'{code}' ({country_codes.name(code)}) has no flows in this dataset; "
                   f"its countries and regions are: {', '.join(sorted(known))}")
        else:
            msg = f"unknown country or region '{code}'{suggest(code, valid)}; use an ISO3 code, a region of the dataset, or \"*\""
        problems.append(Problem(shown, f"{where}[{j}]", msg))
    return frozenset(out)


def _products(items: list[str], where: str, shown: str, problems: list) -> tuple[tuple[int, int], ...]:
    out = []
    for j, item in enumerate(items):
        if item.startswith("list:"):
            name = item[5:]
            if name not in lists.LISTS:
                problems.append(Problem(shown, f"{where}[{j}]", f"unknown product list '{name}'"
                                        f"{suggest(name, lists.LISTS)}; available: {', '.join(sorted(lists.LISTS))}"))
                continue
            out.extend(hs.parse_prefix(c) for c in lists.codes(name))
        else:
            out.append(hs.parse_prefix(item))
    return tuple(out)


def resolve(sf: ScenarioFile, flows: Flows) -> tuple[list[MeasureRule], list[ExemptionRule]]:
    shown, spec = sf.shown_as, sf.spec
    problems: list[Problem] = []
    measures = []
    for i, m in enumerate(spec.measures):
        where = f"measures[{i}]"
        sel = Selector(_countries(m.importer, flows, f"{where}.importer", shown, problems),
                       _countries(m.exporters, flows, f"{where}.exporters", shown, problems),
                       _products(m.products, f"{where}.products", shown, problems))
        measures.append(MeasureRule(m.id, m.kind, m.rate, sel, m.effective, m.expires))
    ids = [m.id for m in spec.measures]
    exemptions = []
    for i, e in enumerate(spec.exemptions):
        where = f"exemptions[{i}]"
        for j, mid in enumerate(e.measures):
            if mid not in ids:
                problems.append(Problem(shown, f"{where}.measures[{j}]", f"no measure with id '{mid}'{suggest(mid, ids)}"
                                        + (f"; measures in this file: {', '.join(ids)}" if ids else "; this file defines no measures")))
        sel = Selector(None, _countries(e.exporters, flows, f"{where}.exporters", shown, problems),
                       _products(e.products, f"{where}.products", shown, problems))
        exemptions.append(ExemptionRule(tuple(mid for mid in e.measures if mid in ids), sel))
    if problems:
        raise InputError(problems)
    return measures, exemptions
