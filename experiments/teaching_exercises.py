"""The three 10-minute exercises of docs/teaching.md, measured both ways, paired over seeds.

* **Settled market**: a copy of ``scenarios/classroom.toml`` with the new lever value from the
  start (warm-up included), against the file as shipped, same seeds.
* **In the dashboard**: the page's own market (:class:`marketsim.dashboard.market.DashboardMarket`)
  warmed up under the file's levers, the lever moved at week 1 as the page moves it, against
  the same market with nothing moved.

Both report, per quantity, the mean over the weeks played (profit: summed over them) of the
exercise minus the baseline, and the 95% t half-width over the seeds (seeds 0 to 4)::

    .venv/bin/python experiments/teaching_exercises.py            # about 2 minutes
"""

from __future__ import annotations

import argparse
import copy
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from marketsim import run
from marketsim.dashboard.market import DashboardMarket
from marketsim.dashboard.settings import DashboardSettings
from marketsim.scenario.schema import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"
QUANTITIES = ("market_share_units", "share_of_customer", "customers", "mean_satisfaction",
              "profit")

#: (title, firm, dashboard lever, value, how to set it in the scenario file, weeks).
EXERCISES = (
    ("1. Bean Counter, reward rate 0.05 -> 0.15", "Bean Counter", "reward_rate", 0.15,
     ("retention", "reward_rate"), 26),
    ("2. Fast Cup, price 3.0 -> 2.4", "Fast Cup", "price", 2.4,
     ("offers", "coffee", "price"), 26),
    ("3a. Slow Roast, promise 1.5 -> 2.5", "Slow Roast", "promise", 2.5, ("promise",), 52),
    ("3b. Slow Roast, promise 1.5 -> 1.0", "Slow Roast", "promise", 1.0, ("promise",), 52),
)


def _summary(frame, firms) -> dict[tuple[str, str], float]:
    """(firm, quantity) -> mean over the weeks (profit: sum)."""
    out = {}
    for firm in firms:
        rows = frame[frame["firm"].astype(str) == firm]
        for q in QUANTITIES:
            out[firm, q] = float(rows[q].sum() if q == "profit" else rows[q].mean())
    return out


def settled(data: dict, firm: str, path: tuple, value: float, weeks: int, seed: int):
    changed = copy.deepcopy(data)
    target = next(f for f in changed["firms"] if f["name"] == firm)
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    firms = [f["name"] for f in data["firms"]]
    base = _summary(run(data, seed=seed, periods=weeks).metrics, firms)
    moved = _summary(run(changed, seed=seed, periods=weeks).metrics, firms)
    return {k: moved[k] - base[k] for k in base}


def in_dashboard(scenario, firm: str, lever: str, value: float, weeks: int, seed: int):
    def play(move: bool):
        market = DashboardMarket(DashboardSettings(scenario=scenario, seed=seed))
        if move:
            market.set_lever(firm, lever, value)
        rows = []
        for _ in range(weeks):
            market.step()
            rows += [{"firm": f.name, **{q: float(f.last_results[q]) for q in QUANTITIES}}
                     for f in market.firms]
        return _summary(pd.DataFrame(rows), [f.name for f in market.firms])

    base, moved = play(False), play(True)
    return {k: moved[k] - base[k] for k in base}


def _interval(values) -> str:
    v = np.asarray(values, float)
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return f"{v.mean():+,.3f} ± {half:,.3f}" if abs(v.mean()) < 10 else \
        f"{v.mean():+,.0f} ± {half:,.0f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    args = parser.parse_args(argv)
    data = tomllib.loads(args.scenario.read_text("utf-8"))
    scenario = load_scenario(args.scenario)
    for title, firm, lever, value, path, weeks in EXERCISES:
        both = [(settled(data, firm, path, value, weeks, s),
                 in_dashboard(scenario, firm, lever, value, weeks, s))
                for s in range(args.seeds)]
        print(f"\n## {title} ({weeks} weeks, seeds 0-{args.seeds - 1})\n")
        print("| firm | quantity | settled market | in the dashboard |\n|---|---|---:|---:|")
        for key in both[0][0]:
            print(f"| {key[0]} | {key[1]} | {_interval([b[0][key] for b in both])} | "
                  f"{_interval([b[1][key] for b in both])} |")


if __name__ == "__main__":
    main()
