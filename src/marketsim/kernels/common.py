"""Small helpers inlined into the period kernels: chunking, perceived value, switching cost."""

from __future__ import annotations

import numpy as np

from marketsim.jit import N_CHUNKS, inline_helper, serial_kernel


@inline_helper
def chunk_range(n_customers, chunk):
    """Customers ``[start, stop)`` of chunk ``chunk`` out of :data:`N_CHUNKS` (fixed count)."""
    size = (n_customers + N_CHUNKS - 1) // N_CHUNKS
    start = min(chunk * size, n_customers)
    stop = min(start + size, n_customers)
    return start, stop


@inline_helper
def customer_weights(weights, i):
    """Customer ``i``'s eight importance weights as float64: product, services, personal, image
    (benefits), then monetary, time, energy, psychic (costs)."""
    return (np.float64(weights[i, 0]), np.float64(weights[i, 1]), np.float64(weights[i, 2]),
            np.float64(weights[i, 3]), np.float64(weights[i, 4]), np.float64(weights[i, 5]),
            np.float64(weights[i, 6]), np.float64(weights[i, 7]))


@serial_kernel
def perceived_value(w_product, w_services, w_personal, w_image, w_monetary, w_time, w_energy,
                    w_psychic, price_sensitivity, expectation, service, personal_service, image,
                    convenience, trust, price, reference_price):
    """Customer perceived value of one firm's offer in one category (all arguments float64).

    ``CPV = sum_k w_k benefit_k - sum_k v_k cost_k`` (Kotler and Keller, *Marketing Management*,
    ch. 5: total customer benefit minus total customer cost; seed 001). Benefits: product (the
    customer's expectation of delivered performance), services, personal (the firm's personal
    service) and image. Costs: monetary (price over the category's reference price, times the
    customer's price sensitivity), time and energy (``1 - convenience``), psychic
    (``1 - trust``). Terms are added in this fixed order so that the reference implementation
    reproduces the value bit for bit. Scalars only, so the compiler inlines it into the
    kernels.
    """
    benefit = w_product * expectation
    benefit += w_services * service
    benefit += w_personal * personal_service
    benefit += w_image * image
    cost = w_monetary * price_sensitivity * (price / reference_price)
    cost += w_time * (1.0 - convenience)
    cost += w_energy * (1.0 - convenience)
    cost += w_psychic * (1.0 - trust)
    return benefit - cost


@serial_kernel
def switching_cost(response_financial, response_social, response_structural, tie_financial,
                   tie_social, tie_structural):
    """Switching cost as the weighted sum of the three ties.

    Financial, relational (social) and procedural/structural switching costs after Burnham,
    Frels and Mahajan (2003), "Consumer switching costs", JAMS 31(2); the weights are the
    segment's ``tie_response``.
    """
    cost = response_financial * tie_financial
    cost += response_social * tie_social
    cost += response_structural * tie_structural
    return cost
