"""Step 5, satisfaction: performance and expectation-disconfirmation, loss aversion, smoothing."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_UNITS, N_BASKET, tally_basket
from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import (
    LOSS_AVERSION,
    PERFORMANCE_WEIGHT,
    REFERENCE_PERFORMANCE,
    SATISFACTION_MEMORY,
)


@inline_helper
def satisfaction_customer(i, n_firms, segment_params, segment, basket, performance, expectation,
                          satisfaction):
    """``s = alpha_P (P - N) + phi(P - E)``, ``phi(d) = d`` if ``d >= 0`` else ``lambda d``;
    ``S <- rho S + (1 - rho) s``.

    Expectation-disconfirmation (Oliver 1980, "A cognitive model of the antecedents and
    consequences of satisfaction decisions", JMR 17(4)); shortfalls weigh ``lambda`` (about 2)
    times as much as surpluses (Kahneman and Tversky 1979; for satisfaction, Anderson and
    Sullivan 1993, Marketing Science 12(2)). Beside it, performance itself against the
    segment's norm ``N`` with weight ``alpha_P``: satisfaction rises with perceived quality as
    well as with disconfirmation (Churchill and Surprenant 1982, JMR 19(4); Anderson and
    Sullivan 1993; Fornell et al. 1996, the ACSI), so a better firm keeps a lasting
    satisfaction advantage even once expectations have caught up with it. ``alpha_P = 0``
    gives disconfirmation alone. Only pairs that bought this period are updated.
    """
    s = segment[i]
    memory = segment_params[s, SATISFACTION_MEMORY]
    loss_aversion = segment_params[s, LOSS_AVERSION]
    performance_weight = segment_params[s, PERFORMANCE_WEIGHT]
    norm = segment_params[s, REFERENCE_PERFORMANCE]
    for f in range(n_firms):
        if basket[f, B_UNITS] == 0.0:
            continue
        delivered = np.float64(performance[i, f])
        gap = delivered - np.float64(expectation[i, f])
        felt = gap if gap >= 0.0 else loss_aversion * gap
        if performance_weight != 0.0:
            felt = performance_weight * (delivered - norm) + felt
        satisfaction[i, f] = memory * satisfaction[i, f] + (1.0 - memory) * felt


@parallel_kernel
def update_satisfaction(price, unit_cost, quality, reference_price, spend_key, spend_shape,
                        basket_size, segment_params, segment, units, performance, expectation,
                        satisfaction):
    """Step 5 for every customer."""
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            satisfaction_customer(i, n_firms, segment_params, segment, basket, performance,
                                  expectation, satisfaction)
