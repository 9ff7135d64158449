"""Small helpers inlined into the period kernels: chunking, perceived value, switching cost."""

from __future__ import annotations

import numpy as np

from marketsim.jit import N_CHUNKS, inline_helper
from marketsim.layout import (
    CONVENIENCE,
    IMAGE,
    PERSONAL_SERVICE,
    SERVICE,
    TIE_FINANCIAL,
    TIE_SOCIAL,
    TIE_STRUCTURAL,
    TRUST,
)


@inline_helper
def chunk_range(n_customers, chunk):
    """Customers ``[start, stop)`` of chunk ``chunk`` out of :data:`N_CHUNKS` (fixed count)."""
    size = (n_customers + N_CHUNKS - 1) // N_CHUNKS
    start = min(chunk * size, n_customers)
    stop = min(start + size, n_customers)
    return start, stop


@inline_helper
def perceived_value(weights, i, price_sensitivity, expectation_if, firm, f, price, reference_price):
    """Customer perceived value of one firm's offer in one category.

    ``CPV = sum_k w_k benefit_k - sum_k v_k cost_k`` (Kotler and Keller, *Marketing Management*,
    ch. 5: total customer benefit minus total customer cost; seed 001). Benefits: product (the
    customer's expectation of delivered performance), services, personal (the firm's personal
    service) and image. Costs: monetary (price over the category's reference price, times the
    customer's price sensitivity), time and energy (``1 - convenience``), psychic
    (``1 - trust``). Terms are added in this fixed order so that the reference implementation
    reproduces the value bit for bit.
    """
    benefit = np.float64(weights[i, 0]) * np.float64(expectation_if)
    benefit += np.float64(weights[i, 1]) * firm[f, SERVICE]
    benefit += np.float64(weights[i, 2]) * firm[f, PERSONAL_SERVICE]
    benefit += np.float64(weights[i, 3]) * firm[f, IMAGE]
    cost = np.float64(weights[i, 4]) * np.float64(price_sensitivity[i]) * (price / reference_price)
    cost += np.float64(weights[i, 5]) * (1.0 - firm[f, CONVENIENCE])
    cost += np.float64(weights[i, 6]) * (1.0 - firm[f, CONVENIENCE])
    cost += np.float64(weights[i, 7]) * (1.0 - firm[f, TRUST])
    return benefit - cost


@inline_helper
def switching_cost(segment_params, s, tie_financial, tie_social, tie_structural):
    """Switching cost as the weighted sum of the three ties.

    Financial, relational (social) and procedural/structural switching costs after Burnham,
    Frels and Mahajan (2003), "Consumer switching costs", JAMS 31(2); the weights are the
    segment's ``tie_response``.
    """
    cost = segment_params[s, TIE_FINANCIAL] * tie_financial
    cost += segment_params[s, TIE_SOCIAL] * tie_social
    cost += segment_params[s, TIE_STRUCTURAL] * tie_structural
    return cost
