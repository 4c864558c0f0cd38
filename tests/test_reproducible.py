"""Reproducible to the bit: a scenario's JSON does not depend on what ran before it, nor on the thread count."""

from __future__ import annotations

import os
import subprocess
import sys

# a commitment solves the model many times, each solve starting from the last: the case hidden state would change
TARGET = "scenarios/energy-purchases.toml"
BEFORE = ["scenarios/in-force.toml", "scenarios/korea-opens-agriculture.toml", "scenarios/exemption.toml"]

SCRIPT = """
import sys
from simulator import api
from simulator.report.writers import to_json
*before, target = sys.argv[1:]
for path in before:
    api.run(path)
sys.stdout.write(to_json(api.run(target)[0]))
"""


def _json(root, files, threads):
    env = {**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    return subprocess.run([sys.executable, "-c", SCRIPT, *files], cwd=root, env=env, capture_output=True,
                          check=True).stdout


def test_a_scenario_gives_the_same_bytes_alone_after_others_and_on_one_or_two_threads(root):
    alone = _json(root, [TARGET], "2")
    after_others = _json(root, [*BEFORE, TARGET], "1")
    assert alone and b"NaN" not in alone
    assert after_others == alone
