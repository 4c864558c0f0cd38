"""Golden outputs of the shipped scenarios: the headline figures stored beside them.

Check (what the test suite does):   python -m pytest tests/test_golden.py
Regenerate, deliberately, after a change you mean to make, then review the diff:
    python tests/golden.py --update && git diff scenarios/golden/
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
GOLDEN = SCENARIOS / "golden"
PATH_SCENARIO = "in-force.toml"
PATH_DATES = ("2025-01-01", "2025-12-01", "monthly")
REL_TOL = 1e-6        # relative, on money
ABS_TOL = 1.0         # US dollars, for figures near zero
RATE_TOL = 1e-9       # absolute, on tariff rates


def headline(result) -> dict:
    pairs = result.headline.pairs
    countries = result.headline.country_totals
    scenario = result.provenance.to_dict()
    return {
        "scenario": {k: scenario[k] for k in ("name", "file", "model", "dataset", "basis", "as_of")},
        "balances": [{"country": b.country, "partner": b.partner, "balance_base": b.balance_base,
                      "balance_new": b.balance_new} for b in result.balances.itertuples()],
        "pairs": [{"exporter": p.exporter, "importer": p.importer, "value_base": p.value_base, "value_new": p.value_new,
                   "tariff_rate_base": p.tariff_rate_base, "tariff_rate_new_base_weights": p.tariff_rate_new_base_weights,
                   "tariff_rate_new": p.tariff_rate_new} for p in pairs.itertuples()],
        "countries": [{"country": c.country, "imports_new": c.imports_new, "exports_new": c.exports_new,
                       "tariff_revenue_new": c.tariff_revenue_new, "welfare_change": c.welfare_change}
                      for c in countries.itertuples()],
        "instruments": [{k: v for k, v in ins.to_dict().items()
                         if k in ("id", "regime", "marginal_rate", "wedge", "purchases_new", "cost")}
                        for ins in result.instruments],
    }


def path_headline() -> list[dict]:
    from simulator import api
    from simulator.report.explain import path_frame
    start, end, step = PATH_DATES
    series, _ = api.path(SCENARIOS / PATH_SCENARIO, api.dates(dt.date.fromisoformat(start), dt.date.fromisoformat(end), step))
    df = path_frame(series)
    return json.loads(df.to_json(orient="records"))


def compute() -> dict[str, object]:
    from simulator import api
    out = {}
    for path in sorted(SCENARIOS.glob("*.toml")):
        result, _ = api.run(path)
        out[path.stem] = headline(result)
    out["in-force-path-2025"] = path_headline()
    return out


def main(argv: list[str]) -> int:
    if argv != ["--update"]:
        print(__doc__)
        return 2
    GOLDEN.mkdir(exist_ok=True)
    for name, doc in compute().items():
        (GOLDEN / f"{name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"wrote scenarios/golden/{name}.json")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
