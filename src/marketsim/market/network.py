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

from marketsim.kernels.network import preferential_attachment, small_world, undirected_csr
from marketsim.kernels.rng import STREAM_NETWORK, stream_key
from marketsim.scenario.schema import Network


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


def build_network(spec: Network, n_customers: int, seed: int) -> SocialNetwork:
    """Build the scenario's network for ``n_customers`` customers (deterministic in ``seed``)."""
    key = stream_key(seed, -1, STREAM_NETWORK)
    if n_customers < 2:
        return SocialNetwork(np.zeros(n_customers + 1, np.int64), np.zeros(0, np.int32))
    if spec.kind == "small_world":
        degree = min(spec.degree, 2 * ((n_customers - 1) // 2))
        neighbours = np.empty(n_customers * degree, np.int32)
        if degree > 0:
            small_world(key, n_customers, degree, spec.rewiring, neighbours)
        indptr = np.arange(0, n_customers * degree + 1, max(degree, 1), dtype=np.int64)
        if degree == 0:
            indptr = np.zeros(n_customers + 1, np.int64)
        return SocialNetwork(indptr, neighbours)
    links = max(1, min(spec.degree // 2, n_customers - 1))
    source, target = preferential_attachment(key, n_customers, links)
    indptr, neighbours = undirected_csr(n_customers, source, target)
    return SocialNetwork(indptr, neighbours)
