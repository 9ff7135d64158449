"""The social network word of mouth travels on, built once per run and stored as CSR arrays.

``neighbours[indptr[i]:indptr[i + 1]]`` are the customers whose reports customer ``i`` hears.

* ``small_world``: each customer listens to the ``degree`` nearest customers on a ring
  (``degree / 2`` on each side); each of those ties is replaced, with probability ``rewiring``,
  by a tie to a customer drawn uniformly at random (Watts and Strogatz 1998, "Collective
  dynamics of small-world networks", Nature 393, in the directed, fixed-degree form of Newman
  and Watts 1999). Customers are numbered along the ring, so most neighbours sit close in
  memory.
* ``scale_free``: preferential attachment, each new customer tying to ``degree / 2`` existing
  ones with probability proportional to their degree (Barabasi and Albert 1999, "Emergence of
  scaling in random networks", Science 286); ties are mutual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import prange

from marketsim.jit import N_CHUNKS, parallel_kernel, serial_kernel
from marketsim.kernels.common import chunk_range
from marketsim.rng import STREAM_NETWORK, customer_key, draw_bits, stream_key, uniform
from marketsim.scenario import Network


@dataclass
class SocialNetwork:
    indptr: np.ndarray      # (N + 1,) int64
    neighbours: np.ndarray  # (E,) int32

    @property
    def n_customers(self) -> int:
        return self.indptr.shape[0] - 1

    def nbytes(self) -> int:
        return self.indptr.nbytes + self.neighbours.nbytes

    def degrees(self) -> np.ndarray:
        return np.diff(self.indptr)


@parallel_kernel
def _small_world(key, n_customers, degree, rewiring, neighbours):
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
def _preferential_attachment(key, n_customers, links):
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
def _undirected_csr(n_customers, source, target):
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


def build_network(spec: Network, n_customers: int, seed: int) -> SocialNetwork:
    """Build the scenario's network for ``n_customers`` customers (deterministic in ``seed``)."""
    key = stream_key(seed, -1, STREAM_NETWORK)
    if n_customers < 2:
        return SocialNetwork(np.zeros(n_customers + 1, np.int64), np.zeros(0, np.int32))
    if spec.kind == "small_world":
        degree = min(spec.degree, 2 * ((n_customers - 1) // 2))
        neighbours = np.empty(n_customers * degree, np.int32)
        if degree > 0:
            _small_world(key, n_customers, degree, spec.rewiring, neighbours)
        indptr = np.arange(0, n_customers * degree + 1, max(degree, 1), dtype=np.int64)
        if degree == 0:
            indptr = np.zeros(n_customers + 1, np.int64)
        return SocialNetwork(indptr, neighbours)
    links = max(1, min(spec.degree // 2, n_customers - 1))
    source, target = _preferential_attachment(key, n_customers, links)
    indptr, neighbours = _undirected_csr(n_customers, source, target)
    return SocialNetwork(indptr, neighbours)
