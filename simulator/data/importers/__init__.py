"""Importers: trade data as analysts download it (CEPII BACI, UN Comtrade, US Census API) turned into
tariffsim's flows format (``importer, exporter, hs, value`` and, where the source has them,
``quantity, unit``), for ``[data] flows = "..."`` in a scenario.

Each ``read_*`` function returns a pandas DataFrame in that format, with the conversion's report in
``DataFrame.attrs``: ``rows_read``, ``dropped`` (reason -> number of rows) and ``notes`` (units,
orientation, code mappings and their sources, HS revision). Every problem in the source raises
:class:`simulator.errors.InputError` with one :class:`~simulator.errors.Problem` per bad row or column
(the first 20 and a count); nothing is guessed and no row is silently changed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import InputError, Problem, suggest
from . import concordance as _concordance
from .baci import read_baci
from .census import SCHEDULE_C, read_census
from .comtrade import read_comtrade

FORMATS = {"baci": read_baci, "comtrade": read_comtrade, "census": read_census}
OUTPUT_SUFFIXES = (".csv", ".parquet", ".pq")


def convert(source_path: str | Path, fmt: str, *, country_codes: str | Path | None = None,
            concordance: str | Path | None = None, hs_revision: str | None = None, flows: str | None = None,
            hs_level: int | None = None, year: int | None = None) -> pd.DataFrame:
    """Convert ``source_path`` of format ``fmt`` (baci, comtrade or census) into a flows-format DataFrame.

    ``country_codes``: the source's code -> ISO3 mapping file (BACI's country_codes_V*.csv; for Census a CSV
    with columns cty_code, iso3; for Comtrade code, iso3). ``concordance``: a CSV from_hs, to_hs[, weight]
    applied after reading. ``hs_revision``: the HS revision of the source, recorded in the notes.
    ``flows``: imports or exports (Comtrade: which rows to keep; Census: must match the file; not for BACI).
    ``hs_level``: the one HS level to keep (Comtrade, Census). ``year``: the one year to keep.
    """
    key = str(fmt).strip().lower()
    if key not in FORMATS:
        raise InputError(Problem(None, "FORMAT", f"unknown format '{fmt}'{suggest(key, FORMATS)}; "
                                                 f"choose one of {', '.join(FORMATS)}"))
    if flows is not None and flows not in ("imports", "exports"):
        raise InputError(Problem(None, "flows", f"'{flows}' is neither imports nor exports"))
    if key == "baci" and flows is not None:
        raise InputError(Problem(None, "flows", "BACI rows are already bilateral (i exporter, j importer): "
                                                 "the direction applies to comtrade and census"))
    if key == "baci" and hs_level not in (None, 6):
        raise InputError(Problem(None, "hs_level", "BACI is by HS6 only"))
    conc = _concordance.read(concordance) if concordance is not None else None   # before a long read
    if key == "baci":
        return read_baci(source_path, country_codes, concordance=conc, hs_revision=hs_revision, year=year)
    if key == "census":
        return read_census(source_path, country_codes, flows=flows, hs_level=hs_level, concordance=conc,
                           hs_revision=hs_revision, year=year)
    return read_comtrade(source_path, flows=flows or "imports", hs_level=hs_level, country_codes=country_codes,
                         concordance=conc, hs_revision=hs_revision, year=year)


def check_output(path: str | Path) -> None:
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(Problem(str(path), None, "the output must be a .csv or .parquet file"))
    if not path.parent.is_dir():
        raise InputError(Problem(str(path), None, f"cannot write: directory '{path.parent}' does not exist"))


def write(flows: pd.DataFrame, path: str | Path) -> None:
    """Write atomically (a temporary file beside the target, then a rename): a failure leaves no partial file."""
    from ...atomic import write_atomic
    path = Path(path)
    check_output(path)
    if path.suffix.lower() == ".csv":
        write_atomic(path, flows.to_csv(index=False, lineterminator="\n"))
        return
    try:
        write_atomic(path, lambda tmp: flows.to_parquet(tmp, index=False))
    except ImportError:
        raise InputError(Problem(str(path), None, "writing Parquet needs pyarrow: pip install 'tariffsim[parquet]' "
                                                  "(or write a .csv)"))


def summary(flows: pd.DataFrame, output: str | Path | None = None) -> str:
    """One line: rows read, flows written, total value, rows dropped and why, countries."""
    a = flows.attrs
    countries = sorted(set(flows["importer"]) | set(flows["exporter"]))
    shown = ", ".join(countries[:12]) + (f" and {len(countries) - 12} more" if len(countries) > 12 else "")
    dropped = a.get("dropped", {})
    total = sum(dropped.values())
    drop = (f"; dropped {total:,} row{'s' if total != 1 else ''}: " + "; ".join(f"{n:,} {why}" for why, n in dropped.items())
            if dropped else "; no rows dropped")
    where = f" to {output}" if output is not None else ""
    return (f"read {a.get('rows_read', 0):,} rows of {a.get('source', 'the source')}; wrote {len(flows):,} flow{'s' if len(flows) != 1 else ''}{where}, "
            f"US$ {flows['value'].sum():,.0f} in total{drop}; {len(countries)} countries: {shown}")


__all__ = ["FORMATS", "SCHEDULE_C", "check_output", "convert", "read_baci", "read_census", "read_comtrade",
           "summary", "write"]
