"""A customer's basket this period: what it bought from each firm, summed over categories once.

Steps 4, 5, 6, 7 and 10, and the relationship strategies that extend them
(:mod:`marketsim.kernels.relationship`), all need per-firm totals of the units a customer
bought this period (how many, what they cost, their quality, the points they earn). Summing
them once per customer, right after the purchases (step 3 and any directed purchases),
instead of once per step saves five loops over categories per firm; every sum runs over
categories in the same order as before, so the results are bit-identical.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.jit import inline_helper, parallel_kernel
from marketsim.kernels.layout import MAX_FIRMS, TASTE_DRAWS
from marketsim.kernels.rng import customer_key, gamma

# Columns of a basket, a (F, N_BASKET) float64 scratch array.
B_UNITS = 0            # units bought from the firm, over every category (an integer count)
B_SPEND = 1            # sum_c units * price
B_GOODS = 2            # sum_c units * unit_cost (cost of goods sold)
B_QUALITY = 3          # sum_c units * quality (unit-weighted quality, not yet divided)
B_RELATIVE_SPEND = 4   # sum_c units * price / reference_price (points base)
N_BASKET = 5


@inline_helper
def spend_factor(spend_key, spend_shape, basket_size, i, c, f, n):
    """What ``n`` purchase occasions of customer ``i`` in category ``c`` at firm ``f`` buy, in
    units of the price: ``basket_i X``, ``X ~ Gamma(n p, 1 / p)`` (mean ``n``).

    Spend per occasion is ``price basket_i Y``, ``Y ~ Gamma(p, 1/p)`` of mean one, so a
    customer's mean spend per occasion is ``price basket_i`` and its occasions vary around it
    with shape ``p``: with ``basket_i`` inversely Gamma distributed across customers
    (:func:`marketsim.kernels.initial.draw_basket_sizes`) this is the Gamma-Gamma model of
    spend (Colombo and Jiang 1999; Fader, Hardie and Lee 2005, JMR 42(4)). The sum of ``n``
    occasions is one Gamma draw, keyed on (period, customer, category, firm).
    """
    x, _ = gamma(customer_key(spend_key, i), (c * MAX_FIRMS + f) * TASTE_DRAWS, n * spend_shape,
                 1.0 / spend_shape)
    return np.float64(basket_size[i]) * x


@inline_helper
def tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price, spend_key,
                 spend_shape, basket_size, units, basket):
    """Fill ``basket[f]`` with customer ``i``'s purchases from each firm ``f`` this period.

    Without spend heterogeneity (``spend_shape == 0``) each occasion buys one unit at the
    price; with it, the occasions of a category buy :func:`spend_factor` units' worth, at the
    price and the unit cost (a bigger basket costs the firm more goods too)."""
    for f in range(n_firms):
        bought = 0
        spend = 0.0
        goods = 0.0
        weighted_quality = 0.0
        relative_spend = 0.0
        for c in range(n_categories):
            n = units[i, c, f]
            bought += n
            amount = np.float64(n)
            if spend_shape > 0.0 and n > 0:
                amount = spend_factor(spend_key, spend_shape, basket_size, i, c, f, n)
            spend += amount * price[f, c]
            goods += amount * unit_cost[f, c]
            weighted_quality += n * quality[f, c]
            relative_spend += amount * (price[f, c] / reference_price[c])
        basket[f, B_UNITS] = bought
        basket[f, B_SPEND] = spend
        basket[f, B_GOODS] = goods
        basket[f, B_QUALITY] = weighted_quality
        basket[f, B_RELATIVE_SPEND] = relative_spend


@parallel_kernel
def spend_amounts(spend_key, spend_shape, basket_size, customer, category, firm, units):
    """:func:`spend_factor` for each row of the transaction log (arrays of equal length)."""
    out = np.empty(customer.shape[0])
    for k in prange(customer.shape[0]):
        out[k] = spend_factor(spend_key, spend_shape, basket_size, customer[k], category[k],
                              firm[k], units[k])
    return out
