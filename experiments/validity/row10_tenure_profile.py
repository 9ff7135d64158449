"""Row 10 (retention economics) with and without the tenure profile, paired seeds.

The measurement of ``rows_relationship.row_retention_economics`` (the retention_economics
study's :func:`retention_runs`: CloseCo's structural investment 0.3, 0.45, 0.6, 0.8, 1.0 at
equal cost per customer, 78 weeks) run three times on the same seeds: margin flat in tenure,
the literature memo's profile (g_T 0.5, phi_T 0.3, tau_T 104 weeks) and the profile fitted to
Reichheld and Sasser's credit-card profits in years 1-5 (g_T 1.5 at the same tau_T and phi_T;
docs/model.md, "Tenure profile"). Read at the shipped base (0.3 -> the level closest to +5
annual points) and at a higher one (0.6 -> 1.0, the most the lever gives there).

    PYTHONPATH=src python experiments/validity/row10_tenure_profile.py CUSTOMERS SEEDS [WARMUP]

e.g. ``30000 1,2,3,4,5`` (about 6 minutes on 2 busy cores) or ``10000 1,2,3,4,5 520`` (a
ten-year warm-up, near the steady state).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from marketsim.experiments.studies.retention_economics import clv_ratio, retention_runs
from marketsim.experiments.studies.runs import load_data, variant

ROOT = Path(__file__).resolve().parents[2]
PROFILES = {"flat": None,
            "memo": {"spend_growth": 0.5, "cost_decline": 0.3, "time_constant": 104.0},
            "exhibit": {"spend_growth": 1.5, "cost_decline": 0.3, "time_constant": 104.0}}
LEVELS = (0.3, 0.45, 0.6, 0.8, 1.0)


def interval(x, scale: float = 100.0) -> str:
    """Mean [95% t interval] of ``x`` times ``scale``."""
    x = np.asarray(x) * scale
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return f"{x.mean():+.1f} [{x.mean() - half:+.1f}, {x.mean() + half:+.1f}]"


def main(customers: int, seeds: list[int], warmup: int | None) -> None:
    data = load_data(ROOT / "scenarios" / "default.toml")
    if warmup is not None:
        data["market"]["warmup_periods"] = warmup
    start, runs = time.time(), {}
    for name, profile in PROFILES.items():
        case = variant(data)
        if profile is not None:
            case["behaviour"]["tenure_profile"] = profile
        runs[name] = [retention_runs(seed, data=case, target="CloseCo", levels=LEVELS,
                                     customers=customers, periods=78) for seed in seeds]
    d = float(data["market"]["discount_rate"])

    def per(name, level, key):
        return np.array([s[level][key] for s in runs[name]])

    for base in (0.3, 0.6):
        r0 = per("flat", base, "weekly_retention")
        points = {x: np.mean(per("flat", x, "weekly_retention") ** 52 - r0 ** 52)
                  for x in LEVELS if x > base}
        pick = min(points, key=lambda x: abs(100 * points[x] - 5.0))
        r1 = per("flat", pick, "weekly_retention")
        print(f"structural {base} -> {pick}: base {interval(r0 ** 52)}%/yr, "
              f"{interval(r1 ** 52 - r0 ** 52)} points; closed form "
              f"{interval([clv_ratio(a, b, d) for a, b in zip(r0, r1)])}%")
        change = {}
        for name in PROFILES:
            change[name] = per(name, pick, "profit") / per(name, base, "profit") - 1
            print(f"  {name:8s} profit {interval(change[name])}%, base profit "
                  f"{per(name, base, 'profit').mean():,.0f}")
        for name in ("memo", "exhibit"):
            print(f"  {name} minus flat, paired: {interval(change[name] - change['flat'])} "
                  "points")
    print(f"{time.time() - start:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")],
         int(sys.argv[3]) if len(sys.argv) > 3 else None)
