"""CEPII BACI: bilateral trade by HS6, reconciled from Comtrade (http://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37).

A BACI year file ``BACI_HSxx_Yyyyy_Vzzzzzz.csv`` has the columns ``t, i, j, k, v, q``: year, exporter,
importer, HS6 product, value in thousands of US dollars (FOB), quantity in metric tons.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .common import (
    Problems,
    Report,
    finish,
    iso_numeric,
    map_countries,
    missing_columns,
    normalise_codes,
    numbers,
    one_year,
    read_code_table,
    read_csv,
)

LAYOUT = ("a BACI file has columns t, i, j, k, v, q (year, exporter, importer, HS6 product, value in thousands "
          "of US dollars, quantity in metric tons)")
CODES_LAYOUT = ("BACI's country codes file has columns country_code, country_name, country_iso2, country_iso3 "
                "(older releases: country_code, ..., iso_3digit_alpha)")


def read_baci(source: str | Path, country_codes: str | Path | None = None, *, year: int | None = None,
              concordance=None, hs_revision: str | None = None) -> pd.DataFrame:
    """Convert a CEPII BACI year file into the flows format.

    - ``v`` is in **thousands** of US dollars: it is multiplied by 1000 (and rounded to a millionth of a
      dollar, which removes binary floating-point noise such as 1004.9999999999999 for 1.005 x 1000).
      BACI values are FOB.
    - ``q`` is in metric tons: ``quantity`` with ``unit`` "t"; ``NA`` or blank leaves it blank.
    - ``i`` is the exporter and ``j`` the importer. With ``country_codes`` (BACI's own
      ``country_codes_V*.csv`` from the same download) the codes are mapped by that file. Without it they
      are read as ISO 3166-1 numeric codes (pycountry); BACI's codes of its own (842 USA, 251 France,
      699 India, 757 Switzerland, 579 Norway, 490 Other Asia nes...) are then not mapped, and every code
      that is not mapped is reported: nothing is guessed.
    - ``k`` is read as text and must have 6 digits; a 5-digit code (a leading zero lost in a
      spreadsheet) is an error naming its row, never padded.
    - Rows on the same importer, exporter and product are summed.
    """
    path = Path(source)
    shown = str(source)
    table = read_csv(path, shown)
    report = Report(shown, rows_read=len(table))
    problems = Problems(shown)
    cols = missing_columns(table, problems, {c: (c,) for c in ("t", "i", "j", "k", "v")}, LAYOUT)
    keep = one_year(table, table.text(cols["t"]), year, report, "t")
    table = table.subset(keep)

    hs = table.text(cols["k"])
    bad = (hs.str.len() != 6) | ~hs.str.fullmatch(r"[0-9]+")
    problems.rows(bad.to_numpy(), table.labels, lambda i: _k_problem(hs.iloc[i]))
    value = numbers(table.text(cols["v"]), table.labels, problems, "v", required=True)
    q_col = table.column("q")
    quantity = (numbers(table.text(q_col), table.labels, problems, "q", required=False) if q_col
                else np.full(len(table), np.nan))

    if country_codes is not None:
        mapping = read_code_table(Path(country_codes), ("country_code",), ("country_iso3", "iso_3digit_alpha"),
                                  CODES_LAYOUT)
        unmapped = f"not in {country_codes} (or no ISO3 code there): is it the country codes file of the same BACI release?"
        report.notes.append(f"BACI country codes mapped with {country_codes}.")
    else:
        mapping = iso_numeric()
        unmapped = ("not an ISO 3166-1 numeric code; BACI uses codes of its own for some countries "
                    "(842 USA, 251 France, 699 India...): pass BACI's country_codes_V*.csv from the same "
                    "download with --country-codes")
        report.notes.append("BACI country codes read as ISO 3166-1 numeric (pycountry): no country codes file given.")
    codes = {"i": normalise_codes(table.text(cols["i"])), "j": normalise_codes(table.text(cols["j"]))}
    iso = map_countries(codes, table.labels, mapping, problems, unmapped)
    problems.check()

    report.notes.append("BACI values are in thousands of US dollars (FOB): multiplied by 1000. "
                        "Quantities in metric tons (unit 't').")
    rows = pd.DataFrame({
        "importer": iso["j"].to_numpy(), "exporter": iso["i"].to_numpy(), "hs": hs.to_numpy(),
        "value": np.round(value * 1000.0, 6), "quantity": quantity,
        "unit": np.where(np.isnan(quantity), "", "t"),
    })
    m = re.search(r"BACI_(HS\d{2})_", path.name)
    hint = f"the file name says {m.group(1)}" if m else None
    return finish(rows, report, concordance=concordance, hs_revision=hs_revision, revision_hint=hint)


def _k_problem(code: str) -> str:
    if code.isdigit() and len(code) == 5:
        return (f"column 'k': '{code}' has 5 digits: a leading zero lost (the file has been through a spreadsheet "
                "or was read as numbers); use the original BACI file")
    return f"column 'k': '{code}' is not a 6-digit HS code"
