"""A customer's basket this period: what it bought from each firm, summed over categories once.

Steps 4, 5, 6, 7 and 10, and the relationship strategies that extend them
(:mod:`marketsim.kernels.relationship`), all need per-firm totals of the units a customer
bought this period (how many, what they cost, their quality, the points they earn). Summing
them once per customer, right after the purchases (step 3 and any directed purchases),
instead of once per step saves five loops over categories per firm; every sum runs over
categories in the same order as before, so the results are bit-identical.
"""

from __future__ import annotations

from marketsim.kernels.jit import inline_helper

# Columns of a basket, a (F, N_BASKET) float64 scratch array.
B_UNITS = 0            # units bought from the firm, over every category (an integer count)
B_SPEND = 1            # sum_c units * price
B_GOODS = 2            # sum_c units * unit_cost (cost of goods sold)
B_QUALITY = 3          # sum_c units * quality (unit-weighted quality, not yet divided)
B_RELATIVE_SPEND = 4   # sum_c units * price / reference_price (points base)
N_BASKET = 5


@inline_helper
def tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price, units,
                 basket):
    """Fill ``basket[f]`` with customer ``i``'s purchases from each firm ``f`` this period."""
    for f in range(n_firms):
        bought = 0
        spend = 0.0
        goods = 0.0
        weighted_quality = 0.0
        relative_spend = 0.0
        for c in range(n_categories):
            n = units[i, c, f]
            bought += n
            spend += n * price[f, c]
            goods += n * unit_cost[f, c]
            weighted_quality += n * quality[f, c]
            relative_spend += n * (price[f, c] / reference_price[c])
        basket[f, B_UNITS] = bought
        basket[f, B_SPEND] = spend
        basket[f, B_GOODS] = goods
        basket[f, B_QUALITY] = weighted_quality
        basket[f, B_RELATIVE_SPEND] = relative_spend
