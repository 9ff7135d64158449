"""Step 5, satisfaction: expectation-disconfirmation with loss aversion and smoothing."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_UNITS, N_BASKET, tally_basket
from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import LOSS_AVERSION, SATISFACTION_MEMORY


@inline_helper
def satisfaction_customer(i, n_firms, segment_params, segment, basket, performance, expectation,
                          satisfaction):
    """``d = P - E``; ``s = d`` if ``d >= 0`` else ``lambda d``; ``S <- rho S + (1 - rho) s``.

    Expectation-disconfirmation (Oliver 1980, "A cognitive model of the antecedents and
    consequences of satisfaction decisions", JMR 17(4)); shortfalls weigh ``lambda`` (about 2)
    times as much as surpluses (Kahneman and Tversky 1979; for satisfaction, Anderson and
    Sullivan 1993, Marketing Science 12(2)). Only pairs that bought this period are updated.
    """
    s = segment[i]
    memory = segment_params[s, SATISFACTION_MEMORY]
    loss_aversion = segment_params[s, LOSS_AVERSION]
    for f in range(n_firms):
        if basket[f, B_UNITS] == 0.0:
            continue
        gap = np.float64(performance[i, f]) - np.float64(expectation[i, f])
        felt = gap if gap >= 0.0 else loss_aversion * gap
        satisfaction[i, f] = memory * satisfaction[i, f] + (1.0 - memory) * felt


@parallel_kernel
def update_satisfaction(price, unit_cost, quality, reference_price, segment_params, segment, units,
                        performance, expectation, satisfaction):
    """Step 5 for every customer."""
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         units, basket)
            satisfaction_customer(i, n_firms, segment_params, segment, basket, performance,
                                  expectation, satisfaction)
