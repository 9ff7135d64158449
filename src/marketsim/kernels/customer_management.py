"""Managing the customer base and one-to-one marketing, in the period.

Per-customer helpers, each called right after the phase it extends (in the fused period and,
through the ``*_all`` kernels, in the phased path); the columns of the relationship-parameter
array and the targeting marks are those of :mod:`marketsim.kernels.relationship`:

* after awareness, :func:`enforce_targeting`: the firm ends relationships it has marked as
  terminated and refuses those customers while the mark lasts;
* after purchase, :func:`directed_purchases`: proactive suggestions, cross-selling and
  up-selling bring current customers' extra purchases to the firm;
* after experience, :func:`customise`: one-to-one customisation, co-improvement with tenure
  (partnership level, co-creation) and the service of the customer's value tier.

Every effect is zero with the default levers, and then nothing here writes any state.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_UNITS, N_BASKET, tally_basket
from marketsim.kernels.common import chunk_range, is_current, leave_firm
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import FIRST_TIME, REGULAR, W_PRODUCT
from marketsim.kernels.relationship import (
    CO_IMPROVEMENT,
    CO_IMPROVEMENT_HALF_TENURE,
    CROSS_SELL,
    CUSTOMISATION,
    IRRITATION,
    KNOWLEDGE_SCALE,
    LOW_PENALTY,
    N_RELATIONSHIP_TOTALS,
    RT_DIRECTED_UNITS,
    RT_TERMINATIONS,
    SUGGESTION,
    TARGET_LOW,
    TARGET_TERMINATED,
    TARGET_TOP,
    TOP_SERVICE,
    UP_SELL,
)
from marketsim.kernels.rng import customer_key, draw_bits, poisson


@inline_helper
def enforce_targeting(i, chunk, targeting, aware, status, tie_financial, tie_social,
                      tie_structural, tenure, totals):
    """Terminate marked relationships and refuse terminated customers.

    A current customer the firm has marked as terminated (its predicted lifetime value is
    negative: "make low-profit customers more profitable or terminate them", seed 001) becomes
    an ex-customer, forfeiting its ties and tenure like a defector. While the mark lasts the firm
    is out of the customer's consideration set (``aware = 0``), whatever advertising or praise
    the customer met, so it cannot buy there.
    """
    n_firms = aware.shape[1]
    for f in range(n_firms):
        if targeting[i, f] & TARGET_TERMINATED == 0:
            continue
        if is_current(status[i, f]):
            leave_firm(i, f, status, tie_financial, tie_social, tie_structural, tenure)
            totals[chunk, f, RT_TERMINATIONS] += 1.0
        aware[i, f] = 0


@inline_helper
def directed_purchases(i, chunk, suggestion_key, relationship, sells, segment, purchase_rate,
                       last_firm, status, recency, units, totals):
    """Extra purchases that the firm's own initiative brings from its current customers.

    Per current customer of ``f`` and category ``c`` that ``f`` sells:
    ``extra ~ Poisson(rate_ic * boost)``, ``boost = suggestion_f + (up_sell_f if the customer
    last bought c from f else cross_sell_f)``. Proactive marketing contacts customers with
    suggestions for new uses and products (Kotler's proactive level, seed 001); cross-selling
    sells categories the customer buys elsewhere, up-selling sells more of what it already buys
    (Peppers and Rogers; seed 004, "increasing the value of the customer base"). Draws come
    from their own stream (index ``c * F + f``) and only where ``boost > 0``.
    """
    n_categories, n_firms = units.shape[1], units.shape[2]
    s = segment[i]
    key_i = customer_key(suggestion_key, i)
    for f in range(n_firms):
        if not is_current(status[i, f]):
            continue
        extra = 0
        for c in range(n_categories):
            rate = np.float64(purchase_rate[i, c])
            if sells[f, c] == 0 or rate <= 0.0:
                continue
            boost = relationship[f, s, SUGGESTION]
            if last_firm[i, c] == f:
                boost += relationship[f, s, UP_SELL]
            else:
                boost += relationship[f, s, CROSS_SELL]
            if boost <= 0.0:
                continue
            n = poisson(draw_bits(key_i, c * n_firms + f), rate * boost)
            if n == 0:
                continue
            n = min(n, 65535 - np.int64(units[i, c, f]))
            if n <= 0:
                continue
            units[i, c, f] += n
            last_firm[i, c] = f
            extra += n
        if extra > 0:
            totals[chunk, f, RT_DIRECTED_UNITS] += extra
            if recency[i, f] != 0:  # bought nothing else this period: a repeat purchase now
                recency[i, f] = 0
                if status[i, f] == FIRST_TIME:
                    status[i, f] = REGULAR


@inline_helper
def customise(i, relationship, segment, weights, knowledge, targeting, tenure, basket,
              performance):
    """Add what the relationship delivers beyond the standard offer to ``P_if``.

    ``gain = customisation_f * (k_if / 255) * w_product_i
    + co_improvement_fs * tenure / (tenure + 26) + top_service [top tier]
    - low_penalty [low tier] - irritation_fs``.

    Customisation: the firm tailors its offer to what it has learnt of the customer's needs
    (knowledge ``k``), worth more to customers who weigh product performance more (Peppers and
    Rogers, "customise"; seed 004: a learning relationship "gets smarter and smarter about an
    individual customer's needs"). Co-improvement: partnership marketing works with customers
    to perform better (Kotler, seed 001) and co-creation creates value with them (Osterwalder
    and Pigneur, seed 002); both grow with tenure. Tiers: customers are differentiated by
    predicted value (Peppers and Rogers, "differentiate"); low-tier customers get fewer services
    and pay a fee. Irritation: the firm's cross- and up-selling contacts beyond what customers
    tolerate lower what they experience, ``irritation (contacts - tolerated)^2`` (Godfrey,
    Seiders and Voss 2011: an inverted U). Only pairs that bought are changed.
    """
    n_firms = basket.shape[0]
    s = segment[i]
    for f in range(n_firms):
        if basket[f, B_UNITS] == 0.0:
            continue
        gain = 0.0
        customisation = relationship[f, s, CUSTOMISATION]
        if customisation > 0.0:
            gain += (customisation * (np.float64(knowledge[i, f]) / KNOWLEDGE_SCALE)
                     * np.float64(weights[i, W_PRODUCT]))
        co_improvement = relationship[f, s, CO_IMPROVEMENT]
        if co_improvement > 0.0:
            t = np.float64(tenure[i, f])
            gain += co_improvement * t / (t + CO_IMPROVEMENT_HALF_TENURE)
        mask = targeting[i, f]
        if mask & TARGET_TOP != 0:
            gain += relationship[f, s, TOP_SERVICE]
        if mask & TARGET_LOW != 0:
            gain -= relationship[f, s, LOW_PENALTY]
        gain -= relationship[f, s, IRRITATION]
        if gain != 0.0:
            performance[i, f] = np.float64(performance[i, f]) + gain


# --------------------------------------------------------------------------- phased path
@parallel_kernel
def enforce_targeting_all(targeting, aware, status, tie_financial, tie_social, tie_structural,
                          tenure, totals):
    """:func:`enforce_targeting` for every customer; zeroes ``totals`` first (the first
    relationship phase of a period)."""
    n_customers, n_firms = aware.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for f in range(n_firms):
            for a in range(N_RELATIONSHIP_TOTALS):
                totals[chunk, f, a] = 0.0
        for i in range(start, stop):
            enforce_targeting(i, chunk, targeting, aware, status, tie_financial, tie_social,
                              tie_structural, tenure, totals)


@parallel_kernel
def directed_purchases_all(suggestion_key, relationship, sells, segment, purchase_rate,
                           last_firm, status, recency, units, totals):
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(units.shape[0], chunk)
        for i in range(start, stop):
            directed_purchases(i, chunk, suggestion_key, relationship, sells, segment,
                               purchase_rate, last_firm, status, recency, units, totals)


@parallel_kernel
def customise_all(price, unit_cost, quality, reference_price, spend_key, spend_shape, basket_size,
                  relationship, segment, weights, knowledge, targeting, tenure, units, performance):
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            customise(i, relationship, segment, weights, knowledge, targeting, tenure, basket,
                      performance)
