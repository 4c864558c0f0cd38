"""The briefing's sensitivity table: the floor-15 scenario with each elasticity at the ends of the range the
evidence gives (docs/MODELS.md, Defaults from evidence), one at a time.

    python docs/examples/sensitivity/table.py

prints a Markdown table; docs/us-korea-2025.md quotes it and tests/test_docs.py checks that it is current.
"""

from __future__ import annotations

from pathlib import Path

from simulator import api

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parents[2] / "scenarios"

# (elasticity, value, the evidence for it, the file)
CASES = [
    ("all at their defaults", "eps 10, sigma robust BW, eta -1", "docs/MODELS.md", SCENARIOS / "floor-15.toml"),
    ("export supply", "6", "exporters absorb about 14% (New York Fed, November 2025)", HERE / "floor-15-supply-6.toml"),
    ("export supply", "25", "exporters absorb about 4% (Kiel Institute)", HERE / "floor-15-supply-25.toml"),
    ("export supply", "inf", "price takers: 2018-19 pass-through (Amiti et al.; Fajgelbaum et al.)",
     HERE / "floor-15-price-takers.toml"),
    ("substitution", "1.5", "a first-year response (Boehm et al. 2023: 0.76 in year one)", HERE / "floor-15-substitution-1.5.toml"),
    ("substitution", "6", "a long-run response (Fontagne et al. 2022: about 5)", HERE / "floor-15-substitution-6.toml"),
    ("import demand", "-0.5", "first year", HERE / "floor-15-import-demand-0.5.toml"),
    ("import demand", "-2", "long run", HERE / "floor-15-import-demand-2.toml"),
]


def row(path: Path) -> tuple[float, float, float, float]:
    """Korea's exports to the US and its surplus (US$ bn), the share of the tariff change foreign exporters absorb
    on US imports, and the US welfare change (US$ bn)."""
    r, _ = api.run(path)
    pair = r.pairs[(r.pairs.exporter == "KOR") & (r.pairs.importer == "USA")].iloc[0]
    balance = r.balances[(r.balances.country == "KOR") & (r.balances.partner == "USA")].iloc[0]
    absorbed = r.absorbed_share("USA")
    usa = r.countries[r.countries.country == "USA"].iloc[0]
    return pair.value_new / 1e9, balance.balance_new / 1e9, absorbed, usa.welfare_change / 1e9


def table() -> str:
    out = ["| Elasticity | Value | Evidence | Trade: KOR → USA | Balance: KOR vs USA | Exporters absorb | Welfare change: USA |",
           "|---|---|---|---:|---:|---:|---:|"]
    for name, value, evidence, path in CASES:
        trade, balance, absorbed, welfare = row(path)
        out.append(f"| {name} | {value} | {evidence} | {trade:,.2f} | {balance:,.2f} | {absorbed:.1%} | {welfare:,.2f} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(table(), end="")
