"""Kernels that build the social network (:mod:`marketsim.market.network` orchestrates them).

Deterministic in the stream key: every draw is keyed on (customer, draw number), so the
network is the same for any thread count.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS, parallel_kernel, serial_kernel
from marketsim.kernels.rng import customer_key, draw_bits, uniform


@parallel_kernel
def small_world(key, n_customers, degree, rewiring, neighbours):
    """Fill ``neighbours`` (N * degree,) with each customer's ring neighbours, each rewired to a
    uniformly drawn customer with probability ``rewiring`` (Watts and Strogatz 1998)."""
    half = degree // 2
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for i in range(start, stop):
            ckey = customer_key(key, i)
            slot = 0
            for offset in range(1, half + 1):
                for sign in (-1, 1):
                    j = (i + sign * offset) % n_customers
                    if rewiring > 0.0 and uniform(draw_bits(ckey, 2 * slot)) < rewiring:
                        j = int(uniform(draw_bits(ckey, 2 * slot + 1)) * (n_customers - 1))
                        if j >= i:
                            j += 1  # anyone but i
                    neighbours[i * degree + slot] = j
                    slot += 1


@serial_kernel
def preferential_attachment(key, n_customers, links):
    """Edge list of a Barabasi-Albert graph: new customer t ties to ``links`` earlier ones."""
    seed_size = links + 1
    n_edges = seed_size * (seed_size - 1) // 2 + (n_customers - seed_size) * links
    source = np.empty(n_edges, np.int32)
    target = np.empty(n_edges, np.int32)
    e = 0
    for a in range(seed_size):  # a complete graph to start from
        for b in range(a + 1, seed_size):
            source[e] = a
            target[e] = b
            e += 1
    chosen = np.empty(links, np.int64)
    for t in range(seed_size, n_customers):
        ckey = customer_key(key, t)
        draw = 0
        for m in range(links):
            while True:
                # an endpoint of a uniformly drawn earlier edge is degree-proportional
                pick = int(uniform(draw_bits(ckey, draw)) * (2 * e))
                draw += 1
                node = source[pick // 2] if pick % 2 == 0 else target[pick // 2]
                duplicate = False
                for q in range(m):
                    if chosen[q] == node:
                        duplicate = True
                if not duplicate:
                    break
            chosen[m] = node
        for m in range(links):
            source[e] = t
            target[e] = chosen[m]
            e += 1
    return source, target


@serial_kernel
def undirected_csr(n_customers, source, target):
    """CSR arrays (indptr, neighbours) of the undirected graph with the given edge list."""
    counts = np.zeros(n_customers + 1, np.int64)
    for e in range(source.shape[0]):
        counts[source[e] + 1] += 1
        counts[target[e] + 1] += 1
    indptr = np.cumsum(counts)
    fill = indptr[:-1].copy()
    neighbours = np.empty(indptr[-1], np.int32)
    for e in range(source.shape[0]):
        a = source[e]
        b = target[e]
        neighbours[fill[a]] = b
        fill[a] += 1
        neighbours[fill[b]] = a
        fill[b] += 1
    return indptr, neighbours
