"""Instructions, branches and mispredicted branches per customer-period (not part of the tests).

    python benchmarks/instructions.py [--customers 20000]

Wall time on a shared virtual machine drifts by up to 1.5x; instruction and branch counts do
not. This runs the default scenario under Valgrind's cachegrind with its branch simulator
(``--branch-sim=yes``) twice, for 2 and for 12 periods after the same start, and divides the
difference by 10 periods times the customers: what one customer-period costs, start-up and
set-up excluded. Needs ``valgrind`` on the PATH.

Valgrind cannot run AVX-512 code, so the kernels are compiled for a fixed ``haswell`` target
(``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES``), first outside Valgrind (fast, and it fills the
cache that the Valgrind runs then load). Two consequences: the counts are for AVX2 code, and
a conditional expression between two floats becomes a branch there, while with AVX-512 it is
a masked move; so read the mispredictions as an upper bound for an AVX-512 machine.
Cachegrind's predictor is simpler than a real one (it mispredicts the exit of a short loop
of fixed length about once per loop, which real predictors learn); compare counts between
versions rather than reading them as absolutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CPU = {"NUMBA_CPU_NAME": "haswell",
       "NUMBA_CPU_FEATURES": "+avx,+avx2,+fma,+bmi,+bmi2,+popcnt,+sse4.2,+sse4.1,+ssse3,+cx16,"
                             "+lzcnt,+movbe,+f16c",
       "NUMBA_NUM_THREADS": "1"}
RUN = """
import sys
from marketsim.market.model import MarketModel
from marketsim.scenario.schema import load_scenario
customers, periods = int(sys.argv[1]), int(sys.argv[2])
scenario = load_scenario({scenario!r}).with_overrides(customers=customers, periods=periods + 3)
model = MarketModel(scenario, seed=1)
model.run(3)
for _ in range(periods):
    model.step()
"""
EVENTS = ("instructions", "conditional branches", "mispredicted", "indirect branches",
          "mispredicted")


def summary(path: Path) -> list[int]:
    """The ``summary:`` line of a cachegrind output file."""
    for line in path.read_text().splitlines():
        if line.startswith("summary:"):
            return [int(x) for x in line.split()[1:]]
    raise RuntimeError(f"{path}: no summary line")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("benchmarks/instructions.py needs valgrind on the PATH")
    env = {**os.environ, **CPU, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "run.py"
        script.write_text(RUN.format(scenario=str(ROOT / "scenarios" / "default.toml")))
        subprocess.run([sys.executable, str(script), "2000", "1"], env=env, check=True)
        runs = {}
        for periods in (2, 12):
            out = Path(folder) / f"cachegrind.{periods}"
            runs[periods] = (out, subprocess.Popen(
                ["valgrind", "--tool=cachegrind", "--branch-sim=yes", "--cache-sim=no",
                 f"--cachegrind-out-file={out}", sys.executable, str(script),
                 str(args.customers), str(periods)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for out, process in runs.values():
            if process.wait() != 0:
                sys.exit(f"valgrind failed (exit {process.returncode})")
        short, long = summary(runs[2][0]), summary(runs[12][0])
    customer_periods = 10 * args.customers
    print(f"per customer-period ({args.customers} customers, default scenario):")
    for name, a, b in zip(EVENTS, short, long):
        print(f"  {name:22s} {(b - a) / customer_periods:8.1f}")


if __name__ == "__main__":
    main()
