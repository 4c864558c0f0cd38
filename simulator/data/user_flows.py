"""Reading a user's own flows file (CSV or Parquet) with row-level validation.

Columns: ``importer, exporter, hs, value`` and optionally ``quantity, unit, base_rate``.
Countries are ISO3 codes or regions the scenario declares; ``hs`` is 2-10 digits as text
(a code that lost its leading zero is reported, not guessed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import countries, hs
from ..errors import InputError, Problem, has_control
from ..flows import RATE_UNKNOWN, Flows
from ..progress import Progress, Steps
from .importers.common import by_value, read_csv, require_file

REQUIRED = ("importer", "exporter", "hs", "value")
OPTIONAL = ("quantity", "unit", "base_rate", "mfn_rate")
MAX_ROW_PROBLEMS = 20
MAX_VALUE = 1e15       # US$ on one line: world trade is about 3e13 a year


STEPS = 6            # of reading a flows file, told to a progress callback: the file, then the checks of validate


def read(path: Path, regions: frozenset[str], shown_as: str, market_specific: frozenset[str] = frozenset(),
         progress: Progress | None = None) -> Flows:
    if not path.exists():
        raise InputError(Problem(shown_as, None, "flows file not found"))
    steps = Steps(progress, f"reading {shown_as}", STEPS)
    if path.suffix.lower() in (".parquet", ".pq"):
        require_file(path, shown_as, "a flows file")
        try:
            df = pd.read_parquet(path)
        except ImportError:
            raise InputError(Problem(shown_as, None, "reading Parquet needs pyarrow: pip install 'tariffsim[parquet]'"))
        except Exception as exc:  # pyarrow raises many types for broken files
            raise InputError(Problem(shown_as, None, f"cannot read the file: {exc}".splitlines()[0]))
        # Parquet nulls become empty text, as an empty CSV cell does.
        df = df.astype(object).where(df.notna(), "").astype(str)
        labels = [f"record {i + 1}" for i in range(len(df))]
    else:
        table = read_csv(path, shown_as, "a flows file")     # the importers' reader: one CSV path in the package
        df, labels = table.frame, list(table.labels)
    steps.advance()
    return validate(df, regions, shown_as, labels, market_specific, steps)


def _numbers(df: pd.DataFrame, column: str, problems: list, shown_as: str, required: bool, labels: list[str]) -> np.ndarray:
    raw = df[column].astype(str).str.strip()
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    blank = raw.isin(["", "nan", "None", "NaN"]).to_numpy() & ~required
    for i in np.flatnonzero(~np.isfinite(values) & ~blank):
        problems.append(Problem(shown_as, labels[i], f"column '{column}': '{raw.iloc[i]}' is not a finite number"))
    for i in np.flatnonzero(values < 0):
        problems.append(Problem(shown_as, labels[i], f"column '{column}': {raw.iloc[i]} is negative"))
    return values


def validate(df: pd.DataFrame, regions: frozenset[str], shown_as: str, labels: list[str],
             market_specific: frozenset[str] = frozenset(), steps: Steps | None = None) -> Flows:
    steps = steps or Steps(None, "", STEPS)
    given = [str(c) for c in df.columns]
    df.columns = [c.strip().lower() for c in given]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:   # the file may be no flows file at all: nothing of it is quoted
        raise InputError(Problem(shown_as, None, f"missing column(s) {', '.join(missing)}; "
                                                 f"expected {', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)})"))
    names = list(df.columns)
    repeated = sorted({c for c in names if names.count(c) > 1}, key=names.index)
    if repeated:  # one of them would be read and the other ignored, or both would be summed: neither is safe
        raise InputError([Problem(shown_as, None, f"column '{c}' appears {names.count(c)} times ("
                                  + ", ".join(f"'{g}'" for g, n in zip(given, names) if n == c)
                                  + "; names are read without regard to case and spaces); keep one")
                          for c in repeated])
    unknown = [c for c in df.columns if c not in REQUIRED + OPTIONAL]
    problems: list[Problem] = [Problem(shown_as, None, f"unknown column '{c}' (allowed: {', '.join(REQUIRED + OPTIONAL)})")
                               for c in unknown]
    if df.empty:
        raise InputError(Problem(shown_as, None, "the file has no rows"))

    for col in ("importer", "exporter"):
        codes = df[col].astype(str).str.strip().str.upper()
        df[col] = codes
        known = by_value(codes, lambda c: c in regions or countries.is_iso3(c)).to_numpy(dtype=bool)
        hints: dict[str, str] = {}
        for i in np.flatnonzero(~known):
            code = codes.iloc[i]
            if code not in hints:       # "did you mean 'USA'?" for 'US': once per code, however many rows
                meant = countries.suggest(code, sorted(regions), valid=countries.is_iso3)
                hints[code] = f"{meant[2:-1]} Otherwise " if meant.startswith(" (did you mean") else ""
            problems.append(Problem(shown_as, labels[i],
                                    f"column '{col}': '{code}' is neither an ISO3 country code nor a declared region "
                                    f"({hints[code]}declare regions in the scenario: [data] regions = [\"{code}\"])"))
        steps.advance()
    raw_codes = df["hs"].astype(str).str.strip()
    # a code stored as a number ("20130.0", "8.7e3") has lost what it was: its leading zeros, its digits
    as_number = raw_codes.str.fullmatch(r"\d+\.\d*|\d*\.?\d+[eE][+-]?\d+").fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(as_number):
        problems.append(Problem(shown_as, labels[i], f"column 'hs': '{raw_codes.iloc[i]}' is a number, not an HS code "
                                "(a spreadsheet converted it); write codes as text with their leading zeros, e.g. 020130"))
    codes = by_value(df["hs"].astype(str), hs.clean)
    why = by_value(codes, hs.code_problem).to_numpy()          # the importers' check of a code
    for i in np.flatnonzero(pd.notna(why) & ~as_number):
        problems.append(Problem(shown_as, labels[i], f"column 'hs': {why[i]}"))
    steps.advance()

    value = _numbers(df, "value", problems, shown_as, True, labels)
    for i in np.flatnonzero(value > MAX_VALUE):
        problems.append(Problem(shown_as, labels[i], f"column 'value': {value[i]:g} is above {MAX_VALUE:g} US$, more than "
                                "all world trade; check the units"))
    quantity = _numbers(df, "quantity", problems, shown_as, False, labels) if "quantity" in df else None
    base_rate = _numbers(df, "base_rate", problems, shown_as, False, labels) if "base_rate" in df else None
    if base_rate is not None:
        for i in np.flatnonzero(base_rate > 5):
            problems.append(Problem(shown_as, labels[i], f"column 'base_rate': {base_rate[i]} is above 500%; "
                                                              "rates are fractions (write 25% as 0.25)"))
        unknown_rate = np.isnan(base_rate)              # blank or "nan": not known, 0 used and flagged, as in the
        base_rate = np.nan_to_num(base_rate, nan=0.0)   # bundled data (never a silent 0)
    mfn_rate = _numbers(df, "mfn_rate", problems, shown_as, False, labels) if "mfn_rate" in df else None
    if mfn_rate is not None:
        for i in np.flatnonzero(mfn_rate > 5):
            problems.append(Problem(shown_as, labels[i], f"column 'mfn_rate': {mfn_rate[i]} is above 500%; "
                                                              "rates are fractions (write 25% as 0.25)"))
        # a blank MFN rate means: no preference known, the base rate is the MFN rate
        fallback = base_rate if base_rate is not None else np.zeros(len(df))
        mfn_rate = np.where(np.isnan(mfn_rate), fallback, mfn_rate)
    steps.advance()

    if problems:
        shown = problems[:MAX_ROW_PROBLEMS]
        if len(problems) > MAX_ROW_PROBLEMS:
            shown.append(Problem(shown_as, None, f"... and {len(problems) - MAX_ROW_PROBLEMS} more problems"))
        raise InputError(shown)

    digits = codes.str.len().to_numpy()
    unit = df["unit"].astype(str).str.strip().tolist() if "unit" in df else None
    if unit is not None:
        bad_unit = [i for i, u in enumerate(unit) if has_control(u)]
        if bad_unit:
            raise InputError([Problem(shown_as, labels[i], f"column 'unit': '{unit[i]}' holds control characters")
                              for i in bad_unit[:MAX_ROW_PROBLEMS]])
    flags = np.where(unknown_rate, RATE_UNKNOWN, 0).astype(np.uint8) if base_rate is not None else None
    flows = Flows.build(df.importer, df.exporter, codes.astype("int64"), digits, value, base_rate, quantity, flags,
                        regions=regions, description=f"flows from {shown_as}", mfn_rate=mfn_rate, unit=unit,
                        market_specific=market_specific)
    steps.finish()
    return flows
