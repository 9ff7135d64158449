"""Why the BG/NBD null's pooled fit came out about 2% high, measured (docs/validity.md,
"The classic nulls").

Three measurements, each pooled over many runs (mean and 95% t-interval):

* ``oracle``: the BG/NBD simulated in continuous time by the tests' own oracle
  (``tests/classic_models.simulate_bgnbd``, 20,000 customers, T = 545 days), fitted with the
  exact purchase times, with whole days (``ceil``, as ``RunResult.rfm`` records them) and with
  the days' midpoints (``period_midpoint_recency``), paired on the same simulations;
* ``engine``: ``scenarios/null/btyd.toml`` run by marketsim on seeds 1..N, fitted as the test
  and the study fit it (midpoints), and as they did before (whole days);
* ``samplers``: the engine's Gamma purchase rates and Beta dropout probabilities (its own
  ``gamma`` deviate, 4 million draws) against their distributions.

Usage (single-threaded; the 2026-12-07 figures took 400 oracle runs and 200 engine seeds, about
half an hour)::

    .venv/bin/python experiments/validity/btyd_clock.py oracle --runs 400
    .venv/bin/python experiments/validity/btyd_clock.py engine --seeds 200
    .venv/bin/python experiments/validity/btyd_clock.py samplers
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.classic_models import (  # noqa: E402
    fit_bgnbd,
    period_midpoint_recency,
    simulate_bgnbd,
)

TRUTH = np.array([0.243, 4.414 * 7, 0.793, 2.426])  # r, alpha (a day), a, b: the file's
NAMES = ("r", "alpha", "a", "b")
CUSTOMERS, T = 20_000, 545.0


def pooled(label: str, params) -> None:
    """Print the mean and 95% t-interval over runs of each parameter, and its bias."""
    p = np.asarray(params, float)
    mean = p.mean(axis=0)
    half = stats.t.ppf(0.975, len(p) - 1) * p.std(axis=0, ddof=1) / np.sqrt(len(p))
    print(f"{label} ({len(p)} runs): " + "; ".join(
        f"{n} {m:.4f} [{m - h:.4f}, {m + h:.4f}] {100 * (m / t - 1):+.2f}%"
        for n, m, h, t in zip(NAMES, mean, half, TRUTH)))


def oracle(runs: int) -> None:
    exact, days, mids = [], [], []
    for seed in range(runs):
        d = simulate_bgnbd(CUSTOMERS, *TRUTH, T, np.random.default_rng(5000 + seed))
        x = d.x.astype(float)
        whole = np.where(x > 0, np.ceil(d.t_x), 0.0)
        exact.append(fit_bgnbd(x, d.t_x, d.T).params)
        days.append(fit_bgnbd(x, whole, d.T).params)
        mids.append(fit_bgnbd(x, period_midpoint_recency(x, whole), d.T).params)
    pooled("oracle, exact times", exact)
    pooled("oracle, whole days", days)
    pooled("oracle, day midpoints", mids)
    pooled("paired shift whole days / exact (relative to the file's values)",
           TRUTH * (np.array(days) / np.array(exact)))


def engine(seeds: int) -> None:
    import marketsim

    scenario = ROOT / "scenarios" / "null" / "btyd.toml"
    mids, days = [], []
    for seed in range(1, seeds + 1):
        table = marketsim.run(scenario, seed=seed, transactions=True, threads=1).rfm(
            firm="Shop")
        x, recency, t = (table[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        mids.append(fit_bgnbd(x, period_midpoint_recency(x, recency), t).params)
        days.append(fit_bgnbd(x, recency, t).params)
    pooled("engine, day midpoints", mids)
    pooled("engine, whole days", days)
    if seeds >= 16:
        pooled("engine, day midpoints, seeds 1-8", mids[:8])


def samplers() -> None:
    import numba

    from marketsim.kernels.rng import customer_key, gamma, stream_key

    @numba.njit
    def draw(n, key, shape, scale, a, b):
        rate, dropout = np.empty(n), np.empty(n)
        for i in range(n):
            ckey = customer_key(key, i)
            rate[i], _ = gamma(ckey, 64, shape, scale)
            g_a, index = gamma(ckey, 1000, a, 1.0)
            g_b, _ = gamma(ckey, index, b, 1.0)
            dropout[i] = g_a / (g_a + g_b)
        return rate, dropout

    r, alpha, a, b = TRUTH
    rate, dropout = draw(4_000_000, stream_key(7, 0, 1), r, 1 / alpha, a, b)
    shape, _, scale = stats.gamma.fit(rate[rate > 0], floc=0)
    print(f"rates: ML shape {shape:.4f} (file {r}), rate {1 / scale:.2f} (file {alpha:.2f}); "
          f"KS p {stats.kstest(rate, stats.gamma(r, scale=1 / alpha).cdf).pvalue:.2f}")
    fa, fb, _, _ = stats.beta.fit(dropout, floc=0, fscale=1)
    print(f"dropout: ML a {fa:.4f} (file {a}), b {fb:.4f} (file {b}); "
          f"KS p {stats.kstest(dropout, stats.beta(a, b).cdf).pvalue:.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("oracle", "engine", "samplers"))
    parser.add_argument("--runs", type=int, default=40, help="oracle simulations")
    parser.add_argument("--seeds", type=int, default=16, help="engine seeds")
    args = parser.parse_args(argv)
    if args.what == "oracle":
        oracle(args.runs)
    elif args.what == "engine":
        engine(args.seeds)
    else:
        samplers()


if __name__ == "__main__":
    main()
