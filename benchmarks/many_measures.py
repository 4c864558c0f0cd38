"""Peak memory and time of a scenario with thousands of measures on the bundled data.

    python benchmarks/many_measures.py [N ...]        (default: 1000 8000)

Writes a scenario that extends the measures in force with N more, each an additional duty on one HS6 product
from one exporter of the US market (the N largest product-exporter pairs by value), and runs
``tariffsim run`` on it in a fresh process under ``/usr/bin/time``; prints the wall time and peak resident memory.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def products(n: int) -> list[tuple[str, str]]:
    """The n largest (HS6 code, exporter) pairs of US imports by value."""
    from simulator.data import load_dataset
    flows = load_dataset("kor-usa-2024", "census-2024").flows
    names = np.array(flows.countries, dtype=object)
    usa = flows.importer == flows.index("USA")
    pairs: dict[tuple[str, str], float] = {}
    for text, exporter, value in zip(np.array(flows.hs_texts(), dtype=object)[usa], names[flows.exporter[usa]],
                                     flows.value[usa]):
        if text[:6].isdigit():                  # not the residual lines the data cannot itemise
            key = (text[:6], exporter)
            pairs[key] = pairs.get(key, 0.0) + value
    return sorted(pairs, key=lambda k: (-pairs[k], k))[:n]


def scenario(n: int, folder: Path) -> Path:
    lines = [f'name = "{n} measures"', f'extends = "{ROOT / "scenarios" / "in-force.toml"}"', "as_of = 2025-12-01", ""]
    chosen = products(n)
    if len(chosen) < n:
        raise SystemExit(f"the bundled data has {len(chosen)} US product-exporter pairs, fewer than {n}")
    for k, (code, exporter) in enumerate(chosen):
        lines += ["[[measures]]", f'id = "extra-{k}"', 'kind = "add"', f"rate = {0.01 + (k % 20) / 100:.2f}",
                  'importer = "USA"', f'exporters = ["{exporter}"]', f'products = ["{code}"]', ""]
    path = folder / f"measures-{n}.toml"
    path.write_text("\n".join(lines))
    return path


def main(counts: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            path = scenario(n, Path(tmp))
            done = subprocess.run(["/usr/bin/time", "-f", "%e %M", sys.executable, "-m", "simulator.cli", "run",
                                   str(path), "-f", "json"], cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{n} measures: exit {done.returncode}\n{done.stderr[-2000:]}")
                continue
            seconds, kb = done.stderr.strip().splitlines()[-1].split()
            print(f"{n:,} measures beyond those in force ({len(path.read_text().splitlines()):,} lines): {float(seconds):.2f} s, "
                  f"peak resident memory {int(kb) / 1e6:.2f} GB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 8000])
