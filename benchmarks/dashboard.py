"""How responsive ``marketsim dashboard`` is at 10,000 and 100,000 customers (issue #20).

    PYTHONPATH=src python benchmarks/dashboard.py [--customers 10000 100000] [--periods 30]

For each population, in the classroom market (the dashboard's default scenario): the time to
build the market (its warm-up), the periods per second of the simulation alone
(:meth:`DashboardMarket.step`), the time :func:`marketsim.dashboard.plots.draw_all` takes to draw
every figure of the page, and the periods per second while playing as the page plays: steps in
one thread, the figures redrawn in another whenever the last drawing has finished and
:data:`marketsim.dashboard.app.FIGURE_INTERVAL` has passed (the figures share the CPU with the
simulation). Prints one JSON line per population; the figures are in docs/teaching.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from marketsim.dashboard import plots  # noqa: E402
from marketsim.dashboard.market import DashboardMarket  # noqa: E402
from marketsim.dashboard.settings import DEFAULT_SCENARIO, DashboardSettings  # noqa: E402
from marketsim.scenario.schema import load_scenario  # noqa: E402

#: Seconds between two redraws of the figures while playing (the page's FIGURE_INTERVAL; not
#: imported, so that this script does not need Solara).
FIGURE_INTERVAL = 0.5


def build(customers: int) -> DashboardMarket:
    scenario = load_scenario(ROOT / DEFAULT_SCENARIO)
    return DashboardMarket(DashboardSettings(scenario, source=DEFAULT_SCENARIO,
                                             customers=customers))


def step_rate(market: DashboardMarket, periods: int) -> float:
    """Periods per second of the simulation alone."""
    started = time.perf_counter()
    for _ in range(periods):
        market.step()
    return periods / (time.perf_counter() - started)


def draw_seconds(market: DashboardMarket, repeats: int = 5) -> list[float]:
    """Seconds per :func:`plots.draw_all`, ``repeats`` times."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        plots.draw_all(market)
        times.append(time.perf_counter() - started)
    return times


def play_rate(market: DashboardMarket, seconds: float) -> tuple[float, int]:
    """Periods per second while the figures are redrawn in a second thread as the page does,
    and how many times they were drawn."""
    drawn, done = [0], threading.Event()

    def draw_loop():
        last = 0.0
        while not done.is_set():
            if time.perf_counter() - last >= FIGURE_INTERVAL:
                last = time.perf_counter()
                plots.draw_all(market)
                drawn[0] += 1
            else:
                time.sleep(0.01)

    drawer = threading.Thread(target=draw_loop)
    drawer.start()
    started, first = time.perf_counter(), market.period
    while time.perf_counter() - started < seconds:
        before = market.period
        market.step()
        if market.period == before:  # the scenario's last period is behind us
            break
    elapsed = time.perf_counter() - started
    periods = market.period - first
    done.set()
    drawer.join()
    return periods / elapsed, drawn[0]


def measure(customers: int, periods: int, seconds: float) -> dict:
    started = time.perf_counter()
    market = build(customers)
    built = time.perf_counter() - started
    market.step()  # the first recorded period (metrics exist from here)
    rate = step_rate(market, periods)
    draws = draw_seconds(market)
    playing, drawings = play_rate(market, seconds)
    return {"customers": customers, "build_s": round(built, 2),
            "warmup_periods": market.scenario.market.warmup_periods,
            "step_periods_per_s": round(rate, 1), "step_ms": round(1000 / rate, 1),
            "draw_all_s_median": round(statistics.median(draws), 3),
            "draw_all_s_min": round(min(draws), 3), "figures": len(plots.draw_all(market)),
            "play_periods_per_s": round(playing, 1), "play_drawings": drawings,
            "cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--periods", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="how long to play with the figures redrawn")
    args = parser.parse_args(argv)
    for customers in args.customers:
        print(json.dumps(measure(customers, args.periods, args.seconds)), flush=True)


if __name__ == "__main__":
    main()
