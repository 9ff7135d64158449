"""Step 5, satisfaction: performance and expectation-disconfirmation, loss aversion, smoothing."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_UNITS, N_BASKET, tally_basket
from marketsim.kernels.common import (
    chunk_range,
    customer_weights,
    offer_value,
    personal_benefit,
)
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import (
    LOSS_AVERSION,
    PERFORMANCE_WEIGHT,
    PERSONAL_BONDED,
    REFERENCE_PERFORMANCE,
    SATISFACTION_MEMORY,
    VALUE_WEIGHT,
)


@inline_helper
def satisfaction_customer(i, n_firms, n_categories, segment_params, behaviour, segment, weights,
                          price_sensitivity, purchase_rate, firm, price, sells, reference_price,
                          aware, tie_social, basket, performance, expectation, satisfaction):
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
    gives disconfirmation alone.

    With ``alpha_V`` (``value_weight``) the value delivered counts too: ``s += alpha_V (V_f(P) -
    mean_g V_g(E))``, the perceived value of ``f``'s offer with what it delivered (price
    included) against the mean value the customer expects from the firms it knows. Value for
    money drives satisfaction beside quality (the ACSI's perceived value, Fornell et al. 1996,
    JM 60(4); value-percept disparity, Westbrook and Reilly 1983; the brands known as the norm,
    Cadotte, Woodruff and Jenkins 1987, JMR 24(3)), so a cheap brand a customer chose for its
    price can satisfy it. Only pairs that bought this period are updated.
    """
    s = segment[i]
    memory = segment_params[s, SATISFACTION_MEMORY]
    loss_aversion = segment_params[s, LOSS_AVERSION]
    performance_weight = segment_params[s, PERFORMANCE_WEIGHT]
    norm = segment_params[s, REFERENCE_PERFORMANCE]
    value_weight = segment_params[s, VALUE_WEIGHT]
    w0 = w1 = w2 = w3 = w4 = w5 = w6 = w7 = sensitivity = expected_value = 0.0
    bonded = False
    if value_weight != 0.0:
        w0, w1, w2, w3, w4, w5, w6, w7 = customer_weights(weights, i)
        sensitivity = np.float64(price_sensitivity[i])
        bonded = behaviour[PERSONAL_BONDED] != 0.0
        expected_value = 0.0  # mean value expected from the firms the customer knows
        known = 0
        for g in range(n_firms):
            if aware[i, g] != 0:
                personal = personal_benefit(i, g, bonded, firm, tie_social)
                expected_value += offer_value(i, g, n_categories, w0, w1, w2, w3, w4, w5, w6,
                                              w7, sensitivity, np.float64(expectation[i, g]),
                                              personal, firm, price, sells, reference_price,
                                              purchase_rate)
                known += 1
        expected_value = expected_value / max(known, 1)
    for f in range(n_firms):
        if basket[f, B_UNITS] == 0.0:
            continue
        delivered = np.float64(performance[i, f])
        gap = delivered - np.float64(expectation[i, f])
        felt = gap if gap >= 0.0 else loss_aversion * gap
        if performance_weight != 0.0:
            felt = performance_weight * (delivered - norm) + felt
        if value_weight != 0.0:
            personal = personal_benefit(i, f, bonded, firm, tie_social)
            value = offer_value(i, f, n_categories, w0, w1, w2, w3, w4, w5, w6, w7, sensitivity,
                                delivered, personal, firm, price, sells, reference_price,
                                purchase_rate)
            felt = value_weight * (value - expected_value) + felt
        satisfaction[i, f] = memory * satisfaction[i, f] + (1.0 - memory) * felt


@parallel_kernel
def update_satisfaction(firm, price, unit_cost, quality, reference_price, spend_key, spend_shape,
                        basket_size, sells, segment_params, behaviour, segment, weights,
                        price_sensitivity, purchase_rate, aware, tie_social, units, performance,
                        expectation, satisfaction):
    """Step 5 for every customer."""
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            satisfaction_customer(i, n_firms, n_categories, segment_params, behaviour, segment,
                                  weights, price_sensitivity, purchase_rate, firm, price, sells,
                                  reference_price, aware, tie_social, basket, performance,
                                  expectation, satisfaction)
