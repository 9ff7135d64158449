"""Step 4, experience: the performance a firm delivers to each customer who bought from it."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_QUALITY, B_UNITS, N_BASKET, tally_basket
from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import PERFORMANCE_NOISE, SERVICE
from marketsim.kernels.rng import customer_key, draw_bits, normal


@inline_helper
def deliver_customer(i, n_firms, experience_key, firm, noise, basket, performance):
    """Delivered performance ``P_if = quality_f + service_f + customisation_if + noise``.

    ``quality_f`` is the unit-weighted mean quality over the categories bought from ``f`` this
    period, noise is normal with standard deviation ``performance_noise``; customisation
    (one-to-one learning) is zero until firms learn (MODEL.md section 2, step 4). Only pairs that
    bought are written. ``basket``: this period's purchases (:mod:`marketsim.kernels.basket`).
    """
    key_i = customer_key(experience_key, i)
    for f in range(n_firms):
        bought = basket[f, B_UNITS]
        if bought == 0.0:
            continue
        value = basket[f, B_QUALITY] / bought + firm[f, SERVICE]
        if noise > 0.0:
            value += noise * normal(draw_bits(key_i, f))
        performance[i, f] = value


@parallel_kernel
def deliver(experience_key, firm, price, unit_cost, quality, reference_price, spend_key,
            spend_shape, basket_size, behaviour, units, performance):
    """Step 4 for every customer."""
    noise = behaviour[PERFORMANCE_NOISE]
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            deliver_customer(i, n_firms, experience_key, firm, noise, basket, performance)
