"""The names of the output tables' fields, defined once: the result tables, the comparison, every writer, the
tests and the README's JSON contract all read them from here.

A table's fields are its keys (what identifies a row: the long CSV's key columns, the comparison's join), text
beside them, then its figures, in the order the JSON writes them; later versions may only add fields at the end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableFields:
    name: str
    keys: tuple[str, ...]
    numbers: tuple[str, ...]
    labels: tuple[str, ...] = ()      # text fields written to the JSON only (the long CSV holds numbers)

    @property
    def fields(self) -> list[str]:
        return [*self.keys, *self.labels, *self.numbers]


COUNTRIES = TableFields("countries", ("country",), (
    "exports_base", "exports_new", "imports_base", "imports_new", "tariff_revenue_base", "tariff_revenue_new",
    "consumer_surplus_change", "producer_surplus_change", "welfare_change", "quota_rent_new", "commitment_cost"))
PAIRS = TableFields("pairs", ("exporter", "importer"), (
    "value_base", "value_new", "tariff_rate_base", "tariff_rate_new_base_weights", "tariff_rate_new",
    "creation", "diversion"))
BALANCES = TableFields("balances", ("country", "partner"), ("balance_base", "balance_new"))
CHAPTERS = TableFields("chapters", ("exporter", "importer", "chapter"), ("value_base", "value_new"),
                       labels=("chapter_name",))
PRICES = TableFields("prices", ("exporter", "hs"), ("price_change", "exports_base"))
PRODUCTS = TableFields("products", ("importer", "exporter", "hs"), (
    "value_base", "value_new", "rate_base", "rate_new", "price_change", "wedge_new", "creation", "diversion"))
EFFECTIVE_RATES = TableFields("effective_rates", ("exporter",), (
    "value_base", "value_new", "tariff_rate_base", "tariff_rate_new_base_weights", "tariff_rate_new",
    "revenue_base", "revenue_new"))

# the tables a comparison puts side by side, long, a row per scenario
COMPARED = {t.name: t for t in (COUNTRIES, PAIRS, BALANCES, CHAPTERS)}

# the long CSV of a run, and of a comparison; `text` holds the provenance rows' values (table "scenario": name,
# file, date, basis, version...) and the caveats (table "notes"), so the figures' `value` column stays numeric
CSV_COLUMNS = ["table", "country", "partner", "exporter", "importer", "hs", "field", "value", "text"]
COMPARE_CSV_COLUMNS = ["table", "scenario", "country", "partner", "exporter", "importer", "chapter", "field", "value",
                       "delta_vs_first", "text"]
# the provenance fields the long CSVs write as rows of table "scenario" (Provenance.to_dict's scalar fields)
CSV_PROVENANCE = ("name", "file", "sha256", "as_of", "dataset", "basis", "basis_label", "model", "tariffsim_version",
                  "extends")
