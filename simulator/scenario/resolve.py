"""Resolving a scenario's names against a dataset: countries, groups, product lists, ids.

Every unknown name is reported with the nearest valid one. Mirror measures (retaliation) are
expanded here. The output is plain data (``schedule.Plan``); no arrays are touched here.
"""

from __future__ import annotations

import dataclasses
from functools import cache

from .. import countries as country_codes
from .. import hs
from ..data import lists, shares
from ..errors import InputError, Problem, suggest
from ..flows import Flows
from ..groups import STANDARD_GROUPS
from ..schedule import CommitmentRule, ExemptionRule, MeasureRule, Plan, PreferenceRule, QuotaRule, Selector
from .defaults import SECTOR_DEFAULTS
from .loader import ScenarioFile
from .schema import MAX_RATE, NEEDS_RATE


class _Resolver:
    def __init__(self, sf: ScenarioFile, flows: Flows):
        self.sf, self.flows = sf, flows
        self.known = {c: i for i, c in enumerate(flows.countries)}
        self.own_groups = sf.spec.groups
        self.groups = {**STANDARD_GROUPS, **sf.spec.groups}
        self.problems: list[Problem] = []

    def problem(self, section: str, index: int | None, where: str, msg: str):
        # the file the item (or key) is written in, and that file's own index of the item
        file, located = self.sf.locate(section, index, where)
        self.problems.append(Problem(file, located, msg))

    def countries(self, codes: list[str], section: str, index: int | None, where: str) -> frozenset[int] | None:
        if "*" in codes:
            return None
        out: set[int] = set()
        valid = sorted(self.known) + sorted(self.groups) + ["*"]
        for j, code in enumerate(codes):
            if code in self.known:
                out.add(self.known[code])
            elif code in self.groups:
                out.update(self.known[m] for m in self.groups[code] if m in self.known)
            elif country_codes.is_iso3(code):
                self.problem(section, index, f"{where}[{j}]",
                             f"'{code}' ({country_codes.name(code)}) has no flows in this dataset; its countries and "
                             f"regions are: {_listing(self.known)}")
            else:
                self.problem(section, index, f"{where}[{j}]",
                             f"unknown country, region or group '{code}'{country_codes.suggest(code, valid)}; use an ISO3 "
                             "code, a region "
                             "of the dataset, a group defined under [groups], or \"*\"")
        return frozenset(out)

    def products(self, items: list[str], section: str, index: int | None, where: str) -> tuple[tuple[int, int], ...]:
        out: list[tuple[int, int]] = []
        for j, item in enumerate(items):
            if item.startswith("list:"):
                name = item[5:]
                if name not in lists.LISTS:
                    self.problem(section, index, f"{where}[{j}]", f"unknown product list '{name}'{suggest(name, lists.LISTS)}; "
                                 f"available: {', '.join(sorted(lists.LISTS))}")
                    continue
                out.extend(_list_prefixes(name))
            else:
                out.append(hs.parse_prefix(item))
        return tuple(out)

    def selector(self, item, section: str, index: int, importer=None, exporters=None, products=None, exclude=None) -> Selector:
        at = f"{section}[{index}]"
        section = section.split(".")[0]
        return Selector(self.countries(importer if importer is not None else item.importer, section, index, f"{at}.importer"),
                        self.countries(exporters if exporters is not None else item.exporters, section, index, f"{at}.exporters"),
                        self.products(products if products is not None else item.products, section, index, f"{at}.products"),
                        self.products(exclude if exclude is not None else item.exclude, section, index, f"{at}.exclude"))

    def share(self, value, section: str, index: int) -> float | str:
        """A fraction, or a share table's name (checked against the bundled tables)."""
        if not isinstance(value, str):
            return float(value)
        name = value.removeprefix("table:")          # the schema admits only "table:NAME" strings
        if name not in shares.TABLES:
            self.problem(section, index, f"{section}[{index}].share", f"unknown share table '{name}'"
                         f"{suggest(name, shares.TABLES)}; available: {', '.join(sorted(shares.TABLES))}")
        return name

    def check_groups(self):
        for g, members in self.own_groups.items():
            if g in self.known:
                self.problem("groups", None, f"groups.{g}", f"'{g}' is already a country or region of the dataset; "
                             "choose another group name")
            for j, code in enumerate(members):
                if code not in self.known and not country_codes.is_iso3(code):
                    self.problem("groups", None, f"groups.{g}[{j}]", f"unknown country or region '{code}'"
                                 f"{country_codes.suggest(code, sorted(self.known), valid=country_codes.is_iso3)}")


def _listing(names, most: int = 30) -> str:
    """Names for a message: all of a short list; the first of a long one, with the count and where to see all."""
    names = sorted(names)
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])} ... ({len(names)} in all: tariffsim data coverage lists the markets)"


@cache
def _list_prefixes(name: str) -> tuple[tuple[int, int], ...]:
    """A bundled list's codes as prefixes, parsed once (lists hold thousands of codes and rules reuse them)."""
    return tuple((int(c), len(c)) for c in lists.codes(name))     # the list's codes are clean digit strings


def sector_defaults(sf: ScenarioFile, flows: Flows) -> list:
    """The evidence-specific defaults (``scenario.defaults``) that apply to this scenario and its data: those whose
    elasticity the scenario leaves unset, on countries the data has."""
    el = sf.spec.elasticities
    if not el.sector_defaults:
        return []
    have = set(flows.countries)
    out = []
    for d in SECTOR_DEFAULTS:
        if any(getattr(d.override, k) is not None and k in el.model_fields_set
               for k in ("import_demand", "substitution", "export_supply")):
            continue
        # on the countries the data has (a user's flows file may hold only some of them)
        scope = {k: [c for c in getattr(d.override, k) if c == "*" or c in have] for k in ("importer", "exporters")}
        if all(scope.values()):
            out.append(dataclasses.replace(d, override=d.override.model_copy(update=scope)))
    return out


def resolve_elasticities(sf: ScenarioFile, flows: Flows) -> list:
    """The elasticity overrides as selectors over flows: the sector defaults that apply, then the scenario's own
    (later ones win where they overlap)."""
    from ..parameters import ElasticityRule
    r = _Resolver(sf, flows)
    out = [ElasticityRule(r.selector(d.override, "elasticities.sector_defaults", i), d.override.import_demand,
                          d.override.substitution, d.override.export_supply)
           for i, d in enumerate(sector_defaults(sf, flows))]
    out += [ElasticityRule(r.selector(o, "elasticities.overrides", i), o.import_demand, o.substitution, o.export_supply)
            for i, o in enumerate(sf.spec.elasticities.overrides)]
    if r.problems:
        raise InputError(r.problems)
    return out


def resolve(sf: ScenarioFile, flows: Flows) -> Plan:
    spec = sf.spec
    r = _Resolver(sf, flows)
    r.check_groups()
    ids = [m.id for m in spec.measures]
    by_id = {m.id: m for m in spec.measures}
    groups: dict[str, list[str]] = {}
    for m in spec.measures:
        if m.max_group:
            groups.setdefault(m.max_group, []).append(m.id)

    def expand(names: list[str], section: str, i: int, at: str) -> list[str]:
        """Measure ids, with "group:NAME" standing for every measure of max_group NAME."""
        out = []
        for j, name in enumerate(names):
            if name.startswith("group:"):
                if name[6:] not in groups:
                    r.problem(section, i, f"{at}[{j}]", f"no measure has max_group '{name[6:]}'{suggest(name[6:], groups)}")
                out.extend(groups.get(name[6:], []))
            else:
                out.append(name)
        return out

    measures = []
    for i, m in enumerate(spec.measures):
        at = f"measures[{i}]"
        src = m
        kind, rate, duty, coefficient, unit = m.kind or "add", m.rate, m.duty, m.coefficient, m.unit
        exporters: list[str] | None
        importer, exporters, products, exclude = m.importer, m.exporters or ["*"], m.products or ["*"], m.exclude
        if m.mirror:
            mirrored = by_id.get(m.mirror)
            if mirrored is None:
                r.problem("measures", i, f"{at}.mirror", f"no measure with id '{m.mirror}'{suggest(m.mirror, ids)}")
                continue
            src = mirrored
            if src.mirror:
                r.problem("measures", i, f"{at}.mirror", f"'{m.mirror}' is itself a mirror; mirror the original measure")
                continue
            kind = m.kind or src.kind or "add"
            rate = (m.rate if m.rate is not None else src.rate)
            rate = None if rate is None else (rate if kind == "cut" else rate * m.scale)
            duty = m.duty if m.duty is not None else src.duty
            duty = None if duty is None else duty * m.scale
            coefficient = m.coefficient if m.coefficient is not None else src.coefficient
            unit = m.unit or src.unit
            exporters = m.exporters or src.importer
            products = m.products or src.products or ["*"]
            exclude = m.exclude or src.exclude
            missing = [what for what, needed, have in (("rate", kind in NEEDS_RATE, rate), ("coefficient", kind == "swiss",
                                                       coefficient), ("duty", kind == "specific", duty)) if needed and have is None]
            if missing:
                r.problem("measures", i, f"{at}.mirror", f"a mirror of kind '{kind}' needs '{missing[0]}', and neither this "
                          f"measure nor '{m.mirror}' has one")
                continue
            if kind == "cut" and rate is not None and not 0 <= rate <= 1:   # a cut has a rate: checked above
                r.problem("measures", i, f"{at}.mirror", f"the mirrored cut is {rate:g}; a cut is a share between 0 and 1")
                continue
            if rate is not None and rate > MAX_RATE:
                r.problem("measures", i, f"{at}.scale", f"the mirrored rate {rate:g} is above {MAX_RATE * 100:g}%")
                continue
        excludes = expand(m.excludes, "measures", i, f"{at}.excludes")
        for j, other in enumerate(m.excludes):
            if other not in ids and not other.startswith("group:"):
                r.problem("measures", i, f"{at}.excludes[{j}]", f"no measure with id '{other}'{suggest(other, ids)}")
        sel = r.selector(m, "measures", i, importer, exporters, products, exclude)
        measures.append(MeasureRule(
            id=m.id, kind=kind, rate=rate, where=sel, effective=m.effective or src.effective,   # src is m unless a mirror
            expires=m.expires or src.expires, share=r.share(m.share, "measures", i), coefficient=coefficient, duty=duty,
            unit=unit, excludes=tuple(dict.fromkeys(o for o in excludes if o in ids and o != m.id)), max_group=m.max_group,
            reference=m.reference or (f"mirrors {m.mirror}: {src.reference}" if m.mirror else "")))

    exemptions = []
    for i, e in enumerate(spec.exemptions):
        lifted = expand(e.measures, "exemptions", i, f"exemptions[{i}].measures")
        for j, mid in enumerate(e.measures):
            if mid != "*" and mid not in ids and not mid.startswith("group:"):
                r.problem("exemptions", i, f"exemptions[{i}].measures[{j}]", f"no measure with id '{mid}'{suggest(mid, ids)}"
                          + (f"; measures: {', '.join(ids)}" if ids else "; the scenario defines no measures"))
        exemptions.append(ExemptionRule(tuple(dict.fromkeys(mid for mid in lifted if mid == "*" or mid in ids)),
                                        r.selector(e, "exemptions", i), share=r.share(e.share, "exemptions", i), effective=e.effective,
                                        expires=e.expires, id=e.id))

    preferences = [PreferenceRule(p.id, r.selector(p, "preferences", i), None if p.rate == "data" else p.rate,
                                  p.utilisation, agreement=p.agreement, effective=p.effective, expires=p.expires)
                   for i, p in enumerate(spec.preferences)]
    quotas = [QuotaRule(q.id, q.kind, r.selector(q, "quotas", i), q.limit_value, q.limit_quantity,
                        q.rent or ("importer" if q.kind == "trq" else "exporter"), q.in_rate, q.out_rate,
                        reference=q.reference, effective=q.effective, expires=q.expires)
              for i, q in enumerate(spec.quotas)]
    commitments = [CommitmentRule(c.id, r.selector(c, "commitments", i, importer=[c.importer], exporters=[c.exporter],
                                                   products=c.products, exclude=[]),
                                  c.target, reference=c.reference, effective=c.effective, expires=c.expires)
                   for i, c in enumerate(spec.commitments)]
    if r.problems:
        raise InputError(r.problems)
    return Plan(tuple(measures), tuple(exemptions), tuple(preferences), tuple(quotas), tuple(commitments))
