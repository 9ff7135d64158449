"""Would vectorising across customers pay? A probe on two per-pair steps (not part of the tests).

    NUMBA_NUM_THREADS=2 python benchmarks/vector_probe.py [--customers 1000000]

The fused period visits one customer at a time and loops over its F firms inside (F = 5 in the
benchmark), so LLVM cannot use SIMD lanes for the per-pair arithmetic. This probe times step 7
(ties) and step 11 (metrics sums) on random state two ways:

* ``per customer``: the engine's own helpers (``ties_customer``, ``measure_customer``) in a
  chunked customer loop over (N, F) arrays, as in the fused period;
* ``per firm``: the same formulas per firm over a chunk of customers in (F, N) arrays, which
  LLVM vectorises across customers. The per-firm sums use ``fastmath={"reassoc"}`` (vector
  lanes), so they differ from the engine's in the last bits; the engine would need an
  order-independent or lane-mirrored summation (docs/performance.md).

It also times a masked row sum with two loop forms: ``for i in range(start, stop)`` is not
vectorised (Numba's negative-index fix-up on ``i``, which LLVM cannot prove unneeded, stands
in the way), while ``for k in range(stop - start)`` with ``i = start + k`` after
``start = max(start, 0)`` is. This is a measurement, not engine code. These steps gain when timed
alone; inside the whole period the gain did not carry over, because splitting the
customer loop around vector passes costs what they save (docs/performance.md, "What has been
tried").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit, prange

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from marketsim.kernels.basket import B_RELATIVE_SPEND, N_BASKET
from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS
from marketsim.kernels.layout import (
    N_FIRM_PARAMS,
    PERSONAL_SERVICE,
    POINTS_EXPIRY,
    REWARD_RATE,
    STRUCTURAL_INVESTMENT,
)
from marketsim.kernels.measures import N_MEASURES, measure_customer
from marketsim.kernels.ties import ties_customer

SOCIAL_GROWTH, SOCIAL_DECAY, STRUCTURAL_GROWTH, STRUCTURAL_DECAY = 0.1, 0.05, 0.05, 0.01


@njit(parallel=True, error_model="numpy", nogil=True)
def per_customer(firm, relative_spend, status, aware, satisfaction, expectation, tie_financial,
                 tie_social, tie_structural, tenure, window_spend, totals):
    """The engine's helpers, one customer at a time."""
    n_customers, n_firms = status.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.zeros((n_firms, N_BASKET))
        for i in range(start, stop):
            for f in range(n_firms):
                basket[f, B_RELATIVE_SPEND] = relative_spend[i, f]
            ties_customer(i, n_firms, firm, SOCIAL_GROWTH, SOCIAL_DECAY, STRUCTURAL_GROWTH,
                          STRUCTURAL_DECAY, basket, status, tie_financial, tie_social,
                          tie_structural, tenure)
            measure_customer(i, n_firms, chunk, status, aware, satisfaction, expectation,
                             tie_financial, tie_social, tie_structural, tenure, window_spend,
                             totals)


@njit(parallel=True, error_model="numpy", nogil=True, fastmath={"reassoc"})
def per_firm(firm, relative_spend, status, aware, satisfaction, expectation, tie_financial,
             tie_social, tie_structural, tenure, window_spend, wallet, totals):
    n_firms, n_customers = status.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        start = max(start, 0)
        for i in range(start, stop):
            spent = 0.0
            for g in range(n_firms):
                spent += np.float64(window_spend[g, i])
            wallet[i] = spent
        for f in range(n_firms):
            keep = 1.0 - firm[f, POINTS_EXPIRY]
            reward = firm[f, REWARD_RATE]
            touch = firm[f, PERSONAL_SERVICE]
            invest = firm[f, STRUCTURAL_INVESTMENT]
            sums = np.zeros(N_MEASURES)
            held_sat = held_fin = held_soc = held_str = held_ten = 0.0
            aware_n = aware_exp = share = spenders = own_spend = wallets = 0.0
            for k in range(stop - start):
                i = start + k
                code = status[f, i]
                current = (code == 1) | (code == 2)
                m = np.float64(current)
                points = np.float64(tie_financial[f, i])
                bond = np.float64(tie_social[f, i])
                structure = np.float64(tie_structural[f, i])
                earned = keep * points + reward * relative_spend[f, i]
                bonded = (bond + SOCIAL_GROWTH * touch * (1.0 - bond)
                          - SOCIAL_DECAY * (1.0 - touch) * bond)
                built = (structure + STRUCTURAL_GROWTH * invest * (1.0 - structure)
                         - STRUCTURAL_DECAY * (1.0 - invest) * structure)
                points = np.float32(earned * m + points * (1.0 - m))
                bond = np.float32(bonded * m + bond * (1.0 - m))
                structure = np.float32(built * m + structure * (1.0 - m))
                tie_financial[f, i] = points
                tie_social[f, i] = bond
                tie_structural[f, i] = structure
                periods = tenure[f, i]
                periods = periods + np.uint16(current & (periods < 65535))
                tenure[f, i] = periods
                known = np.float64(aware[f, i] == 1)
                aware_n += known
                aware_exp += np.float64(expectation[f, i]) * known
                held_sat += np.float64(satisfaction[f, i]) * m
                held_fin += np.float64(points) * m
                held_soc += np.float64(bond) * m
                held_str += np.float64(structure) * m
                held_ten += np.float64(periods) * m
                spent = wallet[i]
                spender = np.float64(current & (spent > 0.0))
                own = np.float64(window_spend[f, i])
                share += own / max(spent, 1e-300) * spender
                spenders += spender
                own_spend += own * spender
                wallets += spent * spender
            sums[0] = held_sat
            sums[1] = share
            sums[2] = spenders
            sums[3] = own_spend
            sums[4] = wallets
            sums[5] = held_fin
            sums[6] = held_soc
            sums[7] = held_str
            sums[8] = held_ten
            sums[9] = aware_n
            sums[10] = aware_exp
            for m_ in range(N_MEASURES):
                totals[chunk, f, m_] = sums[m_]


@njit(fastmath={"reassoc"}, error_model="numpy")
def row_sum_range(values, status, start, stop):
    """Masked sum with ``for i in range(start, stop)``."""
    total = 0.0
    for i in range(start, stop):
        code = status[i]
        total += np.float64(values[i]) * np.float64((code == 1) | (code == 2))
    return total


@njit(fastmath={"reassoc"}, error_model="numpy")
def row_sum_offset(values, status, start, stop):
    """Masked sum with ``for k in range(stop - start)``, ``i = start + k``."""
    total = 0.0
    start = max(start, 0)
    for k in range(stop - start):
        i = start + k
        code = status[i]
        total += np.float64(values[i]) * np.float64((code == 1) | (code == 2))
    return total


def row_sum_ns(kernel, size=4000, repeats=20000):
    rng = np.random.default_rng(3)
    values = rng.uniform(0.0, 1.0, size).astype(np.float32)
    status = rng.integers(0, 4, size).astype(np.uint8)
    kernel(values, status, 0, size)
    start = time.perf_counter()
    for _ in range(repeats):
        kernel(values, status, 0, size)
    return (time.perf_counter() - start) / repeats / size * 1e9


def random_state(n_customers, n_firms, seed=1):
    rng = np.random.default_rng(seed)
    floats = lambda: rng.uniform(0.0, 1.0, (n_customers, n_firms)).astype(np.float32)
    return {
        "relative_spend": rng.uniform(0.0, 2.0, (n_customers, n_firms))
        * (rng.uniform(0.0, 1.0, (n_customers, n_firms)) < 0.5),
        "status": rng.integers(0, 4, (n_customers, n_firms)).astype(np.uint8),
        "aware": rng.integers(0, 2, (n_customers, n_firms)).astype(np.uint8),
        "satisfaction": floats(), "expectation": floats(), "tie_financial": floats(),
        "tie_social": floats(), "tie_structural": floats(),
        "tenure": rng.integers(0, 100, (n_customers, n_firms)).astype(np.uint16),
        "window_spend": floats(),
    }


def median_ns(kernel, args, n_customers, repeats=15):
    kernel(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        kernel(*args)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) / n_customers * 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    n_customers, n_firms = args.customers, 5
    firm = np.random.default_rng(2).uniform(0.0, 0.3, (n_firms, N_FIRM_PARAMS))
    state = random_state(n_customers, n_firms)
    totals = np.zeros((N_CHUNKS, n_firms, N_MEASURES))
    rows = [("per customer, (N, F) arrays (the engine's helpers)",
             median_ns(per_customer, [firm, *state.values(), totals], n_customers))]
    transposed = [np.ascontiguousarray(a.T) for a in state.values()]
    rows.append(("per firm, (F, N) arrays, vectorised across customers",
                 median_ns(per_firm, [firm, *transposed, np.zeros(n_customers), totals],
                           n_customers)))
    print(f"ties + metrics sums, {n_customers:,} customers, {n_firms} firms")
    for label, ns in rows:
        print(f"  {label:56s} {ns:6.1f} ns/customer")
    print("masked row sum of 4,000 values, one thread")
    print(f"  for i in range(start, stop)                              "
          f"{row_sum_ns(row_sum_range):6.2f} ns/value")
    print(f"  for k in range(stop - start): i = start + k              "
          f"{row_sum_ns(row_sum_offset):6.2f} ns/value")


if __name__ == "__main__":
    main()
