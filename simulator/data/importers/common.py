"""What the importers share: reading a source file with its line numbers, collecting problems,
checking codes and numbers, choosing one HS level, and the final aggregation into flows.

Every importer produces one row per kept source row (importer, exporter, hs, value, quantity,
unit), hands it to :func:`finish`, and gets back the flows-format DataFrame with a report in
``DataFrame.attrs``: ``rows_read``, ``dropped`` (reason -> rows) and ``notes``.
"""

from __future__ import annotations

import csv
import gzip
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from ... import countries, hs
from ...errors import InputError, Problem
from ...files import check_regular_file

MAX_PROBLEMS = 20
# Cells that mean "no number" in an optional column (BACI writes NA, Comtrade N/A).
NA_TOKENS = frozenset({"", "NA", "N/A", "NAN", "NULL", "NONE"})
OUTPUT_COLUMNS = ("importer", "exporter", "hs", "value", "quantity", "unit")


class Problems:
    """Every problem of one file, raised together: the first 20 and a count of the rest."""

    def __init__(self, file: str):
        self.file = file
        self.shown: list[Problem] = []
        self.count = 0

    def add(self, where: str | None, message: str) -> None:
        self.count += 1
        if len(self.shown) < MAX_PROBLEMS:
            self.shown.append(Problem(self.file, where, message))

    def rows(self, mask, labels, message) -> None:
        """One problem per row where ``mask`` holds; ``message(i)`` says what is wrong with row i."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        for i in idx[: max(0, MAX_PROBLEMS - len(self.shown))]:
            self.shown.append(Problem(self.file, labels[i], message(i)))
        self.count += len(idx)

    def check(self) -> None:
        if self.count:
            shown = sorted(self.shown, key=_line)
            if self.count > len(shown):
                shown.append(Problem(self.file, None, f"... and {self.count - len(shown)} more problems"))
            raise InputError(shown)


def _line(p: Problem) -> int:
    m = re.fullmatch(r"(?:row|line) (\d+)", p.where or "")
    return int(m.group(1)) if m else 0


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class Table:
    """A source file as text cells, one label ("row N", the file's line number) per row."""

    frame: pd.DataFrame
    labels: np.ndarray
    shown: str

    def __len__(self) -> int:
        return len(self.frame)

    def column(self, *names: str) -> str | None:
        """The file's name of the first of ``names`` it has (exact, else ignoring case and spaces)."""
        for name in names:
            if name in self.frame.columns:
                return name
        squash = {re.sub(r"\s+", "", str(c)).lower(): c for c in self.frame.columns}
        for name in names:
            hit = squash.get(re.sub(r"\s+", "", name).lower())
            if hit is not None:
                return hit
        return None

    def text(self, column: str) -> pd.Series:
        return self.frame[column].fillna("").astype(str).str.strip()

    def subset(self, mask) -> Table:
        mask = np.asarray(mask, dtype=bool)
        return Table(self.frame[mask].reset_index(drop=True), self.labels[mask], self.shown)


@dataclass
class Report:
    """What happened on the way: rows read, rows dropped and why, and notes for the user."""

    shown: str
    rows_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def drop(self, reason: str, rows: int) -> None:
        if rows:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(rows)


def _open_text(path: Path):
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


MAX_SOURCE_BYTES = 20_000_000_000     # 20 GB: BACI for one year is about 1 GB


def require_file(path: Path, shown: str, what: str = "a data file") -> None:
    if not path.exists():
        raise InputError(Problem(shown, None, "file not found"))
    if path.is_dir():
        raise InputError(Problem(shown, None, "is a folder, not a file"))
    check_regular_file(path, shown, MAX_SOURCE_BYTES, what)      # a named pipe would wait forever


def read_csv(path: Path, shown: str, what: str = "a data file") -> Table:
    """Read a CSV (or tab-separated, or .gz) file as text, keeping leading zeros and line numbers.

    The one CSV reader of the package: user flows files and every importer read through it."""
    require_file(path, shown, what)
    try:
        with _open_text(path) as fh:
            header = fh.readline()
    except OSError as exc:
        raise InputError(Problem(shown, None, f"cannot read the file: {exc.strerror or exc}"))
    sep = "\t" if "\t" in header and "," not in header else ","
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # dtype=str: codes keep their leading zeros; skip_blank_lines=False: row labels are line numbers;
            # index_col=False: a trailing separator on every row must not shift the columns.
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, index_col=False,
                             skip_blank_lines=False, sep=sep, encoding="utf-8-sig", encoding_errors="replace")
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise InputError(Problem(shown, f"row {m.group(2)}", f"{m.group(3)} fields but the header has "
                                     f"{m.group(1)} (an unquoted separator in a value?)"))
        raise InputError(Problem(shown, None, f"cannot read the file: {exc}".splitlines()[0]))
    except pd.errors.EmptyDataError:
        raise InputError(Problem(shown, None, "the file is empty"))
    except Exception as exc:  # pandas raises many types for broken files
        raise InputError(Problem(shown, None, f"cannot read the file: {exc}".splitlines()[0]))
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        _check_extra_fields(path, shown, sep)
    names = next(csv.reader([header], delimiter=sep), []) if header.strip() else []
    if len(names) == len(df.columns):       # pandas renames a repeated name ('value.1'): keep the file's, to report it
        df.columns = names
    df.columns = [str(c).strip() for c in df.columns]
    labels = np.array([f"row {i + 2}" for i in range(len(df))], dtype=object)
    if len(df):
        blank = (df.fillna("").astype(str).apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy()
        df = df[~blank].reset_index(drop=True)
        labels = labels[~blank]
    if df.empty:
        raise InputError(Problem(shown, None, "the file has a header but no data rows"))
    return Table(df, labels, shown)


def _check_extra_fields(path: Path, shown: str, sep: str) -> None:
    """Every row is longer than the header: refuse it unless the extra fields are all empty."""
    problems = Problems(shown)
    with _open_text(path) as fh:
        reader = csv.reader(fh, delimiter=sep)
        width = len(next(reader, []))
        for line, row in enumerate(reader, start=2):
            if len(row) > width and any(f.strip() for f in row[width:]):
                problems.add(f"row {line}", f"{len(row)} fields but the header has {width} "
                                            "(an unquoted separator in a value?)")
    problems.check()


def missing_columns(table: Table, problems: Problems, wanted: dict[str, tuple[str, ...]], layout: str) -> dict:
    """Resolve each wanted column (key -> accepted names); one problem per missing one."""
    found = {}
    for key, names in wanted.items():
        col = table.column(*names)
        if col is None:
            problems.add(f"column {names[0]}", f"missing{' (or ' + ', '.join(names[1:]) + ')' if len(names) > 1 else ''}; "
                                               f"{layout}")
        found[key] = col
    problems.check()
    return found


def numbers(values: pd.Series, labels, problems: Problems, column: str, required: bool) -> np.ndarray:
    """Parse a column of numbers; blank or NA is NaN in an optional column; non-numbers and negatives are problems."""
    raw = values.fillna("").astype(str).str.strip()
    parsed = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
    if required:
        na = (raw == "").to_numpy()
        problems.rows(na, labels, lambda i: f"column '{column}': empty, a number is needed")
    else:
        na = raw.str.upper().isin(NA_TOKENS).to_numpy()
        parsed[na] = np.nan
    bad = ~np.isfinite(parsed) & ~na
    problems.rows(bad, labels, lambda i: f"column '{column}': '{raw.iloc[i]}' is not a number")
    problems.rows(np.nan_to_num(parsed, nan=0.0) < 0, labels, lambda i: f"column '{column}': {raw.iloc[i]} is negative")
    return parsed


def select_level(codes: pd.Series, labels, problems: Problems, column: str, hs_level: int | None,
                 report: Report, totals: frozenset[str]) -> np.ndarray:
    """Keep the rows at one HS level, so aggregates are never added to their own detail.

    ``hs_level`` None: 6 digits if the file has any, else its only level. Returns the keep mask.
    """
    upper = codes.str.upper()
    is_total = upper.isin(totals).to_numpy()
    why = by_value(codes, hs.code_problem).to_numpy()
    bad = ~pd.isna(why) & ~is_total
    problems.rows(bad, labels, lambda i: f"column '{column}': {why[i]}")
    problems.check()
    length = np.where(is_total, 0, codes.str.len().to_numpy())
    levels = sorted(set(length.tolist()) - {0})
    if not levels:
        raise InputError(Problem(report.shown, f"column {column}", "only total rows (no HS codes) in the file"))
    if hs_level is not None:
        if hs_level not in (2, 4, 6, 8, 10):
            raise InputError(Problem(report.shown, "hs_level", f"{hs_level} is not an HS level (2, 4, 6, 8 or 10)"))
        if hs_level not in levels:
            raise InputError(Problem(report.shown, f"column {column}", f"no {hs_level}-digit codes in the file "
                                     f"(it has {', '.join(f'{k}-digit' for k in levels)}): choose one with --hs-level"))
        level = hs_level
    elif 6 in levels:
        level = 6
    elif len(levels) == 1:
        level = levels[0]
    else:
        raise InputError(Problem(report.shown, f"column {column}", "the file mixes HS levels "
                                 f"{', '.join(f'{k}-digit' for k in levels)} and has no 6-digit codes: "
                                 "choose one with --hs-level (an aggregate must not be added to its own detail)"))
    keep = length == level
    if (~keep).any():
        parts = [f"{int((length == 0).sum())} total"] if (length == 0).any() else []
        parts += [f"{int((length == k).sum())} of {k} digits" for k in levels if k != level]
        report.drop(f"at other HS levels ({', '.join(parts)}; only {level}-digit rows kept, "
                    "so that no aggregate is added to its own detail)", int((~keep).sum()))
    if level != 6:
        report.notes.append(f"HS codes kept at {level} digits (the bundled data is by HS6 and, for Korea, HTS10).")
    return keep


def one_year(table: Table, years: pd.Series, year: int | None, report: Report, what: str) -> np.ndarray:
    """Rows of one year: ``year`` if given, else the file's only year (several without --year is an error)."""
    found = sorted(set(years.tolist()) - {""})
    if year is None:
        if len(found) > 1:
            raise InputError(Problem(report.shown, f"column {what}", f"the file holds several years ({', '.join(found)}): "
                                     "values of different years must not be added; choose one with --year"))
        if found:
            report.notes.append(f"Year {found[0]}.")
        return np.ones(len(table), dtype=bool)
    keep = (years == str(year)).to_numpy()
    if not keep.any():
        raise InputError(Problem(report.shown, f"column {what}", f"no rows of {year} (the file has "
                                 f"{', '.join(found) or 'no year'})"))
    report.drop(f"of other years than {year}", int((~keep).sum()))
    report.notes.append(f"Year {year}.")
    return keep


@lru_cache(maxsize=1)
def iso_numeric() -> dict[str, str]:
    """ISO 3166-1 numeric code (as an integer string, '4' not '004') -> alpha-3, from pycountry."""
    return {str(int(c.numeric)): c.alpha_3 for c in pycountry.countries}




def map_countries(codes: dict[str, pd.Series], labels, mapping: dict[str, str], problems: Problems,
                  unmapped: str) -> dict[str, pd.Series]:
    """Map each column of codes through ``mapping``; every code it cannot map is one problem naming its first row.

    ``unmapped`` completes the message "country code X in column 'c' (rows ...) " with the reason and remedy.
    """
    out = {}
    where: dict[str, dict] = {}   # code -> first row, columns, number of rows
    for column, series in codes.items():
        mapped = by_value(series, mapping.get)
        out[column] = mapped
        missing = mapped.isna().to_numpy()
        for code in pd.unique(series[missing]):
            rows = np.flatnonzero(missing & (series == code).to_numpy())
            w = where.setdefault(code, {"first": int(rows[0]), "columns": [], "rows": 0})
            w["first"] = min(w["first"], int(rows[0]))
            w["columns"].append(column)
            w["rows"] += len(rows)
    for code, w in sorted(where.items(), key=lambda kv: kv[1]["first"]):
        more = f", {w['rows']} rows in all" if w["rows"] > 1 else ""
        cols = " and ".join(f"'{c}'" for c in w["columns"])
        problems.add(labels[w["first"]], f"country code {code or '(empty)'} in column {cols}{more}: {unmapped}")
    return out


def read_code_table(path: Path, code_columns: tuple[str, ...], iso_columns: tuple[str, ...],
                    layout: str) -> dict[str, str]:
    """A code -> ISO3 mapping file (BACI's country_codes_V*.csv, or cty_code,iso3 for Census).

    Numeric codes are normalised ('004' and '4' are the same code). A blank ISO3 is left unmapped.
    """
    shown = str(path)
    table = read_csv(path, shown)
    problems = Problems(shown)
    cols = missing_columns(table, problems, {"code": code_columns, "iso3": iso_columns}, layout)
    code = normalise_codes(table.text(cols["code"]))
    iso = table.text(cols["iso3"]).str.upper()
    problems.rows((code == "").to_numpy(), table.labels, lambda i: f"column '{cols['code']}': empty code")
    seen: dict[str, tuple[str, str]] = {}
    for c, i, lab in zip(code, iso, table.labels):
        if c in seen and seen[c][0] != i:
            problems.add(lab, f"code {c} maps to {i or '(nothing)'} here but to {seen[c][0] or '(nothing)'} "
                              f"at {seen[c][1]}")
        seen.setdefault(c, (i, lab))
    problems.check()
    return {c: i for c, (i, _) in seen.items() if i}


def normalise_code(code: str) -> str:
    code = str(code).strip()
    return str(int(code)) if code.isdigit() else code.upper()


def by_value(series: pd.Series, fn) -> pd.Series:
    """``fn`` applied once per distinct value (fast on millions of rows with few distinct codes); None stays missing."""
    idx, uniques = pd.factorize(series, use_na_sentinel=False)
    done = np.array([fn(u) for u in uniques] + [None], dtype=object)
    return pd.Series(done[idx], index=series.index, dtype=object)


def normalise_codes(series: pd.Series) -> pd.Series:
    return by_value(series, normalise_code)


def finish(rows: pd.DataFrame, report: Report, *, concordance=None, hs_revision: str | None = None,
           revision_hint: str | None = None, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Concordance, aggregation of rows on the same (importer, exporter, hs), notes; the flows-format frame."""
    from . import concordance as conc

    if rows.empty:
        why = "; ".join(f"{n} {r}" for r, n in report.dropped.items()) or "no rows"
        raise InputError(Problem(report.shown, None, f"no flows left to write (dropped: {why})"))
    keys = ["importer", "exporter", "hs"]
    dup = rows.duplicated(keys, keep=False)
    if dup.any():
        n_flows = rows[dup].drop_duplicates(keys).shape[0]
        report.notes.append(f"{int(dup.sum())} source rows on the same importer, exporter and HS code were summed "
                            f"into {plural(n_flows, 'flow')} (value and, where the units agree, quantity).")
    if concordance is not None:
        if not isinstance(concordance, conc.Concordance):
            concordance = conc.read(concordance)
        rows = conc.apply(rows, concordance, report)
    flows = aggregate(rows, report)

    if hs_revision:
        if concordance is None:
            report.notes.append(f"HS revision declared: {hs_revision}; codes kept as given (the bundled data and "
                                "product lists are HS 2022-based: pass --concordance to convert them).")
        else:
            report.notes.append(f"HS revision declared for the source: {hs_revision}.")
    elif concordance is None:
        hint = f"{revision_hint}; " if revision_hint else ""
        report.notes.append(f"HS revision not declared ({hint}declare it with --hs-revision); codes kept as given "
                            "(the bundled data and product lists are HS 2022-based).")
    elif revision_hint:
        report.notes.append(f"Source HS revision: {revision_hint}.")

    others = sorted({c for c in pd.unique(flows[["importer", "exporter"]].to_numpy().ravel()) if not countries.is_iso3(c)})
    if others:
        def label(c: str) -> str:               # 'KR (KOREA, SOUTH; did you mean 'KOR'?)'
            hint = countries.suggest(c, (), valid=countries.is_iso3)
            said = [names[c]] if names and names.get(c) else []
            said += [hint[2:-1]] if hint.startswith(" (did you mean") else []
            return f"{c} ({'; '.join(said)})" if said else c
        named = ", ".join(label(c) for c in others)
        quoted = ", ".join(f'"{c}"' for c in others)
        report.notes.append(f"Not ISO3 country codes, kept as the source's mapping gives them: {named}. Declare them in "
                            f"the scenario ([data] regions = [{quoted}]) or edit the mapping file.")
    flows.attrs = {"source": report.shown, "rows_read": report.rows_read, "dropped": dict(report.dropped),
                   "notes": list(report.notes)}
    return flows


def aggregate(rows: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Sum value over rows on the same key; quantity too where every row has one, all in the same unit."""
    keys = ["importer", "exporter", "hs"]
    rows = rows.reset_index(drop=True)
    rows["unit"] = rows["unit"].fillna("").astype(str)
    rows.loc[rows["quantity"].isna(), "unit"] = ""
    dup = rows.duplicated(keys, keep=False).to_numpy()
    single = rows[~dup]
    parts = [single[list(OUTPUT_COLUMNS)]]
    if dup.any():
        g = rows[dup].groupby(keys, sort=False)
        agg = g.agg(value=("value", "sum"), quantity=("quantity", "sum"), known=("quantity", "count"),
                    n=("value", "size"), units=("unit", "nunique"), unit=("unit", "first")).reset_index()
        ok = (agg["known"] == agg["n"]) & (agg["units"] == 1)
        lost = int((~ok & (agg["known"] > 0)).sum())
        if lost:
            report.notes.append(f"{plural(lost, 'flow')} summed from rows with missing or different quantity units: "
                                "quantity left blank.")
        agg.loc[~ok, "quantity"] = np.nan
        agg.loc[~ok, "unit"] = ""
        parts.append(agg[list(OUTPUT_COLUMNS)])
    flows = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].copy()
    flows = flows.sort_values(keys, kind="stable").reset_index(drop=True)
    flows["value"] = flows["value"].astype(float)
    flows["quantity"] = flows["quantity"].astype(float)
    flows["hs"] = flows["hs"].astype(str)
    if flows["quantity"].isna().all():
        flows = flows.drop(columns=["quantity", "unit"])
    return flows
