"""The simple brand-switching model of PERFORMANCE.md, to calibrate this machine against it.

5 firms, 8 random neighbours, noisy experience, expectation update, one tie, threshold switch;
counter-based random numbers; parallel over 256 chunks. PERFORMANCE.md reports ~40 M
customer-steps/s at N = 1e6 with 2 threads on its machine. Run:
``python benchmarks/yardstick.py [N]``.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
from numba import njit, prange

from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS
from marketsim.kernels.rng import customer_key, draw_bits, uniform

_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


@njit(cache=True)
def normal(bits):
    """Box-Muller from one 64-bit draw, as PERFORMANCE.md's simple model draws its normals (log,
    sqrt and cos per normal). Kept here, apart from :func:`marketsim.kernels.rng.normal`, so that
    the yardstick stays the model PERFORMANCE.md measured whatever marketsim's own draws become."""
    u1 = (float(bits >> _S32) + 0.5) * (1.0 / 4294967296.0)
    u2 = (float(bits & _LOW32) + 0.5) * (1.0 / 4294967296.0)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(parallel=True, cache=True, error_model="numpy")
def step(key, quality, neighbours, choice, choice_next, expectation, tie, threshold):
    n, n_firms = expectation.shape
    degree = neighbours.shape[0] // n
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n, chunk)
        for i in range(start, stop):
            k = customer_key(key, i)
            f = choice[i]
            performance = quality[f] + 0.1 * normal(draw_bits(k, 0))
            old = np.float64(expectation[i, f])
            expectation[i, f] = old + 0.3 * (performance - old)
            satisfaction = performance - old
            tie[i] = 0.95 * tie[i] + 0.05
            best = f
            best_value = -1e9
            for s in range(degree):  # the best firm among neighbours' choices
                g = choice[neighbours[i * degree + s]]
                value = expectation[i, g]
                if value > best_value:
                    best_value = value
                    best = g
            switch = best != f and best_value - expectation[i, f] - satisfaction > threshold[i] + tie[i]
            if switch and uniform(draw_bits(k, 1)) < 0.5:
                choice_next[i] = best
                tie[i] = 0.0
            else:
                choice_next[i] = f


def main(n: int = 1_000_000, steps: int = 10) -> float:
    rng = np.random.default_rng(1)
    quality = np.array([0.5, 0.55, 0.6, 0.65, 0.7])
    neighbours = rng.integers(0, n, n * 8).astype(np.int32)
    choice = rng.integers(0, 5, n).astype(np.int8)
    choice_next = choice.copy()
    expectation = np.full((n, 5), 0.6, np.float32)
    tie = np.zeros(n, np.float32)
    threshold = rng.uniform(0, 0.3, n).astype(np.float32)
    step(np.uint64(1), quality, neighbours, choice, choice_next, expectation, tie, threshold)
    start = time.perf_counter()
    for t in range(steps):
        step(np.uint64(t + 2), quality, neighbours, choice, choice_next, expectation, tie, threshold)
        choice, choice_next = choice_next, choice
    rate = n * steps / (time.perf_counter() - start)
    print(f"yardstick: {rate / 1e6:.1f} M customer-steps/s at N = {n:,}")
    return rate


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
