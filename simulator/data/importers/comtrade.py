"""UN Comtrade: Comtrade+ API or bulk CSV (refYear, reporterISO, flowCode, cmdCode, primaryValue...), or the
legacy bulk CSV (Year, Reporter ISO, Trade Flow Code, Commodity Code, Trade Value (US$)...).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError, Problem
from .common import (
    Problems,
    Report,
    finish,
    iso_numeric,
    map_countries,
    normalise_codes,
    numbers,
    one_year,
    read_code_table,
    read_csv,
    select_level,
)

# Each field: Comtrade+ name first, then the legacy bulk name.
FIELDS = {
    "year": ("refYear", "Year"), "period": ("period", "Period"),
    "reporter_iso": ("reporterISO", "Reporter ISO"), "reporter_code": ("reporterCode", "Reporter Code"),
    "partner_iso": ("partnerISO", "Partner ISO"), "partner_code": ("partnerCode", "Partner Code"),
    "reporter_desc": ("reporterDesc", "Reporter"), "partner_desc": ("partnerDesc", "Partner"),
    "flow": ("flowCode", "Trade Flow Code"), "hs": ("cmdCode", "Commodity Code"),
    "value": ("primaryValue", "Trade Value (US$)"),
    "qty": ("qty", "Qty"), "qty_unit": ("qtyUnitAbbr", "Qty Unit"), "net_weight": ("netWgt", "Netweight (kg)"),
    "classification": ("classificationCode", "Classification"),
    "partner2": ("partner2Code", "2nd Partner Code"), "mot": ("motCode", "Mode of Transport Code"),
    "customs": ("customsCode", "Customs Proc. Code"),
}
FLOW_CODES = {"imports": {"M", "1"}, "exports": {"X", "2"}}   # Comtrade+ letters, legacy 1 = import, 2 = export
WORLD_ISO = {"W00", "WLD"}
NO_UNIT = {"", "N/A", "NA", "-1", "NO QUANTITY"}
# Breakdowns whose total must be kept alone (else the same trade is counted once per mode, procedure...).
TOTALS = {"partner2": ({"0", ""}, "second partner"), "mot": ({"0", ""}, "mode of transport"),
          "customs": ({"C00", ""}, "customs procedure")}
HS_EDITIONS = {"H0": "HS 1992", "H1": "HS 1996", "H2": "HS 2002", "H3": "HS 2007", "H4": "HS 2012",
               "H5": "HS 2017", "H6": "HS 2022"}
LAYOUT = ("a Comtrade file has flowCode, cmdCode, primaryValue and reporterISO/partnerISO or reporterCode/partnerCode "
          "(legacy bulk: Trade Flow Code, Commodity Code, Trade Value (US$), Reporter ISO/Code, Partner ISO/Code)")


def read_comtrade(source: str | Path, *, flows: str | None = "imports", hs_level: int | None = None,
                  year: int | None = None, country_codes: str | Path | None = None, concordance=None,
                  hs_revision: str | None = None) -> pd.DataFrame:
    """Convert a UN Comtrade CSV (Comtrade+ or legacy bulk column names) into the flows format.

    - ``flows="imports"`` (default) keeps import rows (flowCode M, legacy Trade Flow Code 1): the reporter
      is the importer and the partner the exporter. ``flows="exports"`` keeps export rows (X, legacy 2)
      mirrored: the reporter is the exporter and the partner the importer. Other rows are dropped and counted.
    - Countries: reporterISO/partnerISO where present (kept as given, including Comtrade's non-ISO codes such
      as S19 "Other Asia, nes", which are listed in the notes); else the numeric code as ISO 3166-1 numeric
      (M49) via pycountry, or via ``country_codes`` (a CSV with columns code, iso3). Codes not mapped are errors.
    - The partner World (code 0, ISO W00 or WLD) is dropped and counted.
    - One HS level is kept (``hs_level``, default 6 digits): TOTAL and 2/4-digit aggregates are dropped.
    - A file broken down by second partner, mode of transport or customs procedure keeps the total rows only.
    - ``primaryValue`` is in US dollars; ``qty`` with ``qtyUnitAbbr`` is the quantity, else ``netWgt`` in kg.
    """
    path = Path(source)
    shown = str(source)
    flows = flows or "imports"
    if flows not in FLOW_CODES:
        raise InputError(Problem(shown, "flows", f"'{flows}' is neither imports nor exports"))
    table = read_csv(path, shown)
    report = Report(shown, rows_read=len(table))
    problems = Problems(shown)
    col = {k: table.column(*names) for k, names in FIELDS.items()}
    for key in ("flow", "hs", "value"):
        if col[key] is None:
            problems.add(f"column {FIELDS[key][0]}", f"missing (or {FIELDS[key][1]}); {LAYOUT}")
    for side in ("reporter", "partner"):
        if col[f"{side}_iso"] is None and col[f"{side}_code"] is None:
            problems.add(f"column {FIELDS[side + '_iso'][0]}", f"missing (and no {FIELDS[side + '_code'][0]} either); {LAYOUT}")
    problems.check()

    if col["classification"] is not None:
        cls = table.text(col["classification"]).str.upper()
        problems.rows(~cls.str.startswith("H").to_numpy(), table.labels,
                      lambda i: f"column '{col['classification']}': '{cls.iloc[i]}' is not an HS classification "
                                "(download the data in HS)")
        problems.check()
        editions = sorted(set(cls))
        report.notes.append("Comtrade classification " + ", ".join(
            f"{e} ({HS_EDITIONS[e]})" if e in HS_EDITIONS else e for e in editions) + ".")

    when = col["year"] or col["period"]
    if when:
        years = table.text(when) if col["year"] else table.text(when).str[:4]
        table = table.subset(one_year(table, years, year, report, when))
    elif year is not None:
        raise InputError(Problem(shown, "year", "the file has no refYear or period column to choose a year by"))
    if col["period"] is not None:
        _check_periods(table.text(col["period"]), col["period"], report)

    flow_col, hs_col, value_col = col["flow"], col["hs"], col["value"]
    assert flow_col is not None and hs_col is not None and value_col is not None   # else problems.check() raised
    flow = table.text(flow_col).str.upper()
    keep = flow.isin(FLOW_CODES[flows]).to_numpy()
    if not keep.any():
        raise InputError(Problem(shown, f"column {flow_col}", f"no {flows} rows (flow codes in the file: "
                                 f"{', '.join(sorted(set(flow)))}; imports are M or 1, exports X or 2)"))
    if (~keep).any():
        other = flow[~keep].value_counts()
        report.drop(f"of other trade flows than {flows} ({', '.join(f'flow code {c}: {n}' for c, n in other.items())})",
                    int((~keep).sum()))
    table = table.subset(keep)

    for key, (totals, name) in TOTALS.items():
        if (total_col := col[key]) is not None:
            table = _keep_totals(table, total_col, totals, name, report)

    blank = pd.Series([""] * len(table), dtype=object)
    partner_code = normalise_codes(table.text(col["partner_code"])) if col["partner_code"] else blank
    partner_iso = table.text(col["partner_iso"]).str.upper() if col["partner_iso"] else blank
    world = ((partner_code == "0") | partner_iso.isin(WORLD_ISO)).to_numpy()
    report.drop("with the partner World (the aggregate of all partners)", int(world.sum()))
    table = table.subset(~world)
    if len(table) == 0:
        raise InputError(Problem(shown, None, "no rows left after dropping the partner World: the file holds "
                                              "totals only; download it by partner"))

    hs = table.text(hs_col)
    keep = select_level(hs, table.labels, problems, hs_col, hs_level, report, frozenset({"TOTAL"}))
    table, hs = table.subset(keep), hs[keep].reset_index(drop=True)
    value = numbers(table.text(value_col), table.labels, problems, value_col, required=True)
    quantity, unit = _quantity(table, col, problems, report)

    if country_codes is not None:
        mapping = read_code_table(Path(country_codes), ("code", "country_code"), ("iso3", "country_iso3"),
                                  "a country codes file has columns code, iso3")
        unmapped = f"not in {country_codes}"
    else:
        mapping = iso_numeric()
        unmapped = ("not an ISO 3166-1 numeric (M49) code; Comtrade uses codes of its own for some countries "
                    "(842 USA, 251 France, 699 India, 757 Switzerland, 490 Other Asia nes): download the file with "
                    "the reporterISO and partnerISO columns, or pass --country-codes (columns code, iso3)")
    iso, names = {}, {}
    blank = pd.Series([""] * len(table), dtype=object)
    for side in ("reporter", "partner"):
        iso_col, code_col = col[f"{side}_iso"], col[f"{side}_code"]
        given = table.text(iso_col).str.upper() if iso_col else blank
        codes = normalise_codes(table.text(code_col)) if code_col else blank
        out = given.to_numpy(dtype=object).copy()
        need = given.eq("").to_numpy()
        if need.any():  # no ISO code in the row: map the numeric code
            code_name = code_col or iso_col
            assert code_name is not None   # one of the two is there, else problems.check() raised
            mapped = map_countries({code_name: codes[need].reset_index(drop=True)}, table.labels[need], mapping,
                                   problems, unmapped)[code_name]
            out[need] = mapped.to_numpy(dtype=object)
        iso[side] = pd.Series(out, dtype=object)
        if desc_col := col[f"{side}_desc"]:
            names.update(dict(zip(out, table.text(desc_col))))
    problems.check()

    importer, exporter = (iso["reporter"], iso["partner"]) if flows == "imports" else (iso["partner"], iso["reporter"])
    if flows == "imports":
        report.notes.append("Comtrade import rows: the reporter is the importer, the partner the exporter; "
                            f"{col['value']} in US dollars as reported by the importer (usually CIF).")
    else:
        report.notes.append("Comtrade export rows mirrored: the reporter is the exporter, the partner the importer; "
                            f"{col['value']} in US dollars as reported by the exporter (FOB), not the importer's CIF figure.")
    rows = pd.DataFrame({"importer": importer.to_numpy(dtype=object), "exporter": exporter.to_numpy(dtype=object),
                         "hs": hs.to_numpy(dtype=object), "value": value, "quantity": quantity, "unit": unit})
    return finish(rows, report, concordance=concordance, hs_revision=hs_revision, names=names)


def _check_periods(periods: pd.Series, column: str, report: Report) -> None:
    """Annual and monthly rows must not be mixed (a year would count twice); several months are summed."""
    found = sorted(set(periods) - {""})
    if len({len(p) for p in found}) > 1:
        raise InputError(Problem(report.shown, f"column {column}", f"annual and monthly rows mixed ({', '.join(found[:6])}"
                                 f"{'...' if len(found) > 6 else ''}): keep one frequency"))
    if len(found) > 1:
        months = "" if len(found) == 12 else " (not a full year)"
        report.notes.append(f"Rows of {len(found)} periods summed, {found[0]} to {found[-1]}{months}.")


def _keep_totals(table, column: str, totals: set[str], name: str, report: Report):
    codes = table.text(column).str.upper()
    total = codes.isin(totals).to_numpy()
    if total.all():
        return table
    if not total.any():
        raise InputError(Problem(report.shown, f"column {column}", f"the file is broken down by {name} without the "
                                 f"total ({' or '.join(sorted(t for t in totals if t))}): download it with the total only"))
    report.drop(f"broken down by {name} ({column}; the total rows are kept)", int((~total).sum()))
    return table.subset(total)


def _quantity(table, col, problems: Problems, report: Report):
    n = len(table)
    quantity, unit = np.full(n, np.nan), np.full(n, "", dtype=object)
    if col["qty"] is not None and col["qty_unit"] is not None:
        units = table.text(col["qty_unit"])
        has = ~units.str.upper().isin(NO_UNIT).to_numpy()
        q = numbers(table.text(col["qty"]), table.labels, problems, col["qty"], required=False)
        has &= ~np.isnan(q)
        quantity[has], unit[has] = q[has], units.to_numpy(dtype=object)[has]
    if col["net_weight"] is not None:
        w = numbers(table.text(col["net_weight"]), table.labels, problems, col["net_weight"], required=False)
        use = np.isnan(quantity) & (np.nan_to_num(w) > 0)
        quantity[use], unit[use] = w[use], "kg"
        if use.any():
            report.notes.append(f"{int(use.sum())} rows without a quantity unit: net weight in kg used as quantity.")
    return quantity, unit
