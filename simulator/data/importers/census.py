"""US Census Bureau international trade API (api.census.gov/data/timeseries/intltrade/imports/hs and
.../exports/hs): a JSON array of arrays of strings whose first row is the header.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError, Problem
from .common import (
    Problems,
    Report,
    Table,
    by_value,
    finish,
    map_countries,
    numbers,
    read_code_table,
    require_file,
    select_level,
)

# Census Schedule C country codes -> ISO 3166-1 alpha-3, for the main US trading partners only.
# Source: US Census Bureau, Schedule C, Classification of Country and Territory Designations for U.S. Foreign
# Trade Statistics, https://www.census.gov/foreign-trade/schedules/c/countrycode.html
# Cross-checked code by code against the table in GitHub jimdatapro/us-trade-api, data/country.csv @ a771803be00e.
# Only these main partners are listed; any other code is an error asking for a mapping file (--country-codes).
SCHEDULE_C = {
    "1220": "CAN", "2010": "MEX", "2050": "GTM", "2110": "SLV", "2150": "HND", "2190": "NIC", "2230": "CRI",
    "2250": "PAN", "2470": "DOM", "3010": "COL", "3070": "VEN", "3310": "ECU", "3330": "PER", "3370": "CHL",
    "3510": "BRA", "3570": "ARG",
    "4010": "SWE", "4039": "NOR", "4050": "FIN", "4099": "DNK", "4120": "GBR", "4190": "IRL", "4210": "NLD",
    "4231": "BEL", "4239": "LUX", "4279": "FRA", "4280": "DEU", "4330": "AUT", "4351": "CZE", "4359": "SVK",
    "4370": "HUN", "4419": "CHE", "4550": "POL", "4621": "RUS", "4623": "UKR", "4700": "ESP", "4710": "PRT",
    "4759": "ITA", "4840": "GRC", "4850": "ROU", "4890": "TUR",
    "5081": "ISR", "5170": "SAU", "5200": "ARE", "5330": "IND", "5350": "PAK", "5380": "BGD", "5490": "THA",
    "5520": "VNM", "5550": "KHM", "5570": "MYS", "5590": "SGP", "5600": "IDN", "5650": "PHL", "5700": "CHN",
    "5800": "KOR", "5820": "HKG", "5830": "TWN", "5880": "JPN",
    "6021": "AUS", "6141": "NZL", "7910": "ZAF",
}
# Value variables, preferred first: general imports (customs value) or total exports (FAS); _MO monthly,
# _YR year to date. CIF values (GEN_CIF_MO) are not accepted: the flows format is at world (FOB-type) prices.
VALUES = {"imports": ("GEN_VAL_MO", "CON_VAL_MO", "GEN_VAL_YR", "CON_VAL_YR"), "exports": ("ALL_VAL_MO", "ALL_VAL_YR")}
QUANTITIES = {"GEN_VAL_MO": "GEN_QY1_MO", "CON_VAL_MO": "CON_QY1_MO", "GEN_VAL_YR": "GEN_QY1_YR",
              "CON_VAL_YR": "CON_QY1_YR", "ALL_VAL_MO": "QTY_1_MO", "ALL_VAL_YR": "QTY_1_YR"}
NO_UNIT = {"", "-", "X"}       # Census unit codes meaning "no quantity"
TOTAL_COMMODITY = frozenset({"-", "TOTAL"})


def read_census(source: str | Path, country_codes: str | Path | None = None, *, flows: str | None = None,
                hs_level: int | None = None, year: int | None = None, concordance=None,
                hs_revision: str | None = None) -> pd.DataFrame:
    """Convert a US Census international trade API response (JSON) into the flows format.

    - I_COMMODITY (imports): importer USA, exporter the partner; value GEN_VAL_MO (general imports, customs
      value) or CON_VAL_MO (imports for consumption). E_COMMODITY (exports): exporter USA, importer the
      partner; value ALL_VAL_MO (FAS). ``flows``, if given, must agree with the file.
    - Values are strings in US dollars. Monthly (_MO) values of several months are summed (and the months
      named in the notes); year-to-date (_YR) values of several months of a year are refused.
    - CTY_CODE is a Census Schedule C code, not ISO: mapped by ``country_codes`` (a CSV with columns
      cty_code, iso3) or, without one, by the small table ``SCHEDULE_C`` of main partners. Unmapped codes are errors.
    - Aggregate rows are dropped and counted: CTY_CODE '-' (all countries), codes starting with 0 (groupings
      such as the European Union) or containing X (continents such as 4XXX Europe), SUMMARY_LVL other than DET.
    - One HS level is kept (``hs_level``; default 6 digits if present, else the file's only level).
    """
    path = Path(source)
    shown = str(source)
    table = _read_json(path, shown)
    report = Report(shown, rows_read=len(table))
    problems = Problems(shown)

    commodity = table.column("I_COMMODITY", "E_COMMODITY")
    if commodity is None:
        raise InputError(Problem(shown, "column I_COMMODITY", "missing (or E_COMMODITY for exports); request "
                                 "CTY_CODE, I_COMMODITY (or E_COMMODITY), GEN_VAL_MO (or ALL_VAL_MO) and time"))
    direction = "imports" if commodity.upper() == "I_COMMODITY" else "exports"
    if flows is not None and flows != direction:
        raise InputError(Problem(shown, "flows", f"the file holds US {direction} ({commodity}), not {flows}"))
    value_col = table.column(*VALUES[direction])
    cty_col = table.column("CTY_CODE")
    if cty_col is None:
        problems.add("column CTY_CODE", "missing; request CTY_CODE (and CTY_NAME) in get=")
    if value_col is None:
        problems.add(f"column {VALUES[direction][0]}", f"missing (or {', '.join(VALUES[direction][1:])}): "
                     f"request a value in US dollars for {direction}")
    problems.check()
    assert cty_col is not None and value_col is not None   # else problems.check() raised
    others = [c for c in VALUES[direction] if c != value_col and table.column(c)]
    report.notes.append(f"Census {direction}: value {value_col}" + (f" (not {', '.join(others)})" if others else "")
                        + (", importer USA, exporter the partner." if direction == "imports"
                           else ", exporter USA, importer the partner."))

    cty = table.text(cty_col).str.upper()
    aggregate = (cty.isin({"-", ""}) | cty.str.startswith("0") | cty.str.contains("X")).to_numpy()
    summary = table.column("SUMMARY_LVL")
    if summary is not None:
        aggregate |= (table.text(summary).str.upper() != "DET").to_numpy()
    report.drop("of country totals and groupings (CTY_CODE '-', 0xxx, nXXX or SUMMARY_LVL not DET)", int(aggregate.sum()))
    table = table.subset(~aggregate)
    if len(table) == 0:
        raise InputError(Problem(shown, "column CTY_CODE", "only totals and groupings of countries in the file: "
                                                           "request it by country"))

    table = _one_period(table, value_col, year, report)
    hs = table.text(commodity)
    keep = select_level(hs, table.labels, problems, commodity, hs_level, report, TOTAL_COMMODITY)
    table, hs = table.subset(keep), hs[keep].reset_index(drop=True)
    value = numbers(table.text(value_col), table.labels, problems, value_col, required=True)
    quantity, unit = np.full(len(table), np.nan), np.full(len(table), "", dtype=object)
    q_col, u_col = table.column(QUANTITIES[value_col]), table.column("UNIT_QY1")
    if q_col and u_col:
        units = table.text(u_col).str.upper()
        q = numbers(table.text(q_col), table.labels, problems, q_col, required=False)
        has = ~units.isin(NO_UNIT).to_numpy() & ~np.isnan(q)
        quantity[has], unit[has] = q[has], table.text(u_col).to_numpy(dtype=object)[has]

    if country_codes is not None:
        mapping = read_code_table(Path(country_codes), ("cty_code",), ("iso3",),
                                  "a Census country mapping file has columns cty_code, iso3")
        mapping = {k.zfill(4) if k.isdigit() else k: v for k, v in mapping.items()}
        unmapped = f"not in {country_codes}"
        report.notes.append(f"Census country codes mapped with {country_codes}.")
    else:
        mapping = SCHEDULE_C
        unmapped = ("a Census Schedule C code not in tariffsim's small table of main partners: pass a mapping "
                    "file with --country-codes (columns cty_code, iso3; codes from "
                    "https://www.census.gov/foreign-trade/schedules/c/countrycode.html)")
        report.notes.append("Census country codes mapped by tariffsim's table of main partners (Census Schedule C).")
    cty = by_value(table.text(cty_col), lambda c: c.zfill(4) if c.isdigit() else c.upper())
    partner = map_countries({cty_col: cty}, table.labels, mapping, problems, unmapped)[cty_col]
    problems.check()
    name_col = table.column("CTY_NAME")
    names = dict(zip(partner, table.text(name_col))) if name_col else None

    usa = np.full(len(table), "USA", dtype=object)
    importer, exporter = (usa, partner.to_numpy(dtype=object)) if direction == "imports" else \
        (partner.to_numpy(dtype=object), usa)
    rows = pd.DataFrame({"importer": importer, "exporter": exporter, "hs": hs.to_numpy(dtype=object),
                         "value": value, "quantity": quantity, "unit": unit})
    return finish(rows, report, concordance=concordance, hs_revision=hs_revision, names=names)


def _read_json(path: Path, shown: str) -> Table:
    """The API's array of arrays, each record labelled with the line it starts on."""
    require_file(path, shown)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(shown, None, f"cannot read the file: {exc}"))
    decoder = json.JSONDecoder()
    records, lines = [], []
    pos = _skip(text, 0)
    try:
        if pos >= len(text) or text[pos] != "[":
            raise ValueError("not a JSON array (the Census API answers with [[header...], [row...], ...])")
        pos = _skip(text, pos + 1)
        while pos < len(text) and text[pos] != "]":
            record, end = decoder.raw_decode(text, pos)
            records.append(record)
            lines.append(text.count("\n", 0, pos) + 1)
            pos = _skip(text, end)
            if pos < len(text) and text[pos] == ",":
                pos = _skip(text, pos + 1)
            elif pos < len(text) and text[pos] != "]":
                raise ValueError(f"expected ',' or ']' on line {text.count(chr(10), 0, pos) + 1}")
        if pos >= len(text):
            raise ValueError("the JSON array is not closed (a truncated download?)")
    except ValueError as exc:
        raise InputError(Problem(shown, None, f"cannot read the file as JSON: {exc}".splitlines()[0]))
    if not records or not isinstance(records[0], list) or not all(isinstance(h, str) for h in records[0]):
        raise InputError(Problem(shown, "line 1", "the first record must be the header (a list of column names)"))
    header = [h.strip() for h in records[0]]
    problems = Problems(shown)
    rows = []
    for record, line in zip(records[1:], lines[1:]):
        if not isinstance(record, list) or len(record) != len(header):
            n = len(record) if isinstance(record, list) else "not a list:"
            problems.add(f"line {line}", f"{n} fields but the header has {len(header)}")
            continue
        rows.append(["" if v is None else str(v) for v in record])
    problems.check()
    if not rows:
        raise InputError(Problem(shown, None, "the file has a header but no data rows"))
    first: dict[str, int] = {}
    for i, h in enumerate(header):    # the API repeats a predicate that is also requested: keep the first
        first.setdefault(h, i)
    frame = pd.DataFrame([[r[i] for i in first.values()] for r in rows], columns=list(first), dtype=object)
    return Table(frame, np.array([f"line {n}" for n in lines[1:]], dtype=object), shown)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _one_period(table: Table, value_col: str, year: int | None, report: Report) -> Table:
    """One year; monthly values summed over its months, year-to-date values from a single month only."""
    time_col = table.column("time")
    if time_col is not None:
        time = table.text(time_col)
    elif (year_col := table.column("YEAR")) is not None:
        month_col = table.column("MONTH")
        time = table.text(year_col) + ("-" + table.text(month_col).str.zfill(2) if month_col else "")
    else:
        report.notes.append("No time column in the file: the period is not recorded.")
        return table
    years = time.str[:4]
    found = sorted(set(years))
    if year is None and len(found) > 1:
        raise InputError(Problem(report.shown, f"column {time_col or 'YEAR'}", f"the file holds several years "
                                 f"({', '.join(found)}): values of different years must not be added; choose one with --year"))
    if year is not None:
        keep = (years == str(year)).to_numpy()
        if not keep.any():
            raise InputError(Problem(report.shown, f"column {time_col or 'YEAR'}", f"no rows of {year} "
                                     f"(the file has {', '.join(found)})"))
        report.drop(f"of other years than {year}", int((~keep).sum()))
        table, time = table.subset(keep), time[keep].reset_index(drop=True)
    periods = sorted(set(time))
    if value_col.endswith("_YR") and len(periods) > 1:
        raise InputError(Problem(report.shown, f"column {value_col}", f"year-to-date values of several months "
                                 f"({', '.join(periods)}) cannot be added: request one month (e.g. December) "
                                 "or the monthly value (_MO)"))
    if value_col.endswith("_MO") and len(periods) > 1:
        months = len(periods)
        report.notes.append(f"Monthly values summed over {months} months, {periods[0]} to {periods[-1]}"
                            + ("" if months == 12 else " (not a full year)") + ".")
    elif value_col.endswith("_MO"):
        report.notes.append(f"Values of one month only: {periods[0]} (not a year).")
    else:
        report.notes.append(f"Year-to-date values as of {periods[0]}.")
    return table
