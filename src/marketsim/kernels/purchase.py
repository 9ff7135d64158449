"""Step 3, purchase: Poisson purchase counts per category, multinomial-logit choice of firm."""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from marketsim.kernels.common import (
    chunk_range,
    customer_weights,
    is_current,
    perceived_value,
    personal_benefit,
    switching_cost,
)
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import (
    CHOICE_SENSITIVITY,
    CONVENIENCE,
    EX_CUSTOMER,
    FIRST_TIME,
    HABIT_WEIGHT,
    IMAGE,
    MAX_PURCHASES,
    PERSONAL_BONDED,
    PROSPECT,
    REGULAR,
    SERVICE,
    TIE_FINANCIAL,
    TIE_SOCIAL,
    TIE_STRUCTURAL,
    TIE_WEIGHT,
    TRUST,
)
from marketsim.kernels.rng import customer_key, draw_bits, poisson, uniform


@inline_helper
def purchase_customer(i, n_firms, n_categories, chunk, count_key, choice_key, dropout_key, dropout,
                      firm, price, sells, reference_price, segment_params, behaviour, segment,
                      weights, price_sensitivity, purchase_rate, last_firm, aware, status,
                      expectation, taste, tie_financial, tie_social, tie_structural, tenure,
                      recency, units, counts, utility, cumulative):
    """Draw customer ``i``'s purchases this period and move its statuses on.

    Per category ``c``: ``n ~ Poisson(rate_ic)``; with Gamma rates across customers this is NBD
    purchasing (Ehrenberg 1959; Goodhardt, Ehrenberg and Chatfield 1984). Each of the ``n``
    purchases picks a firm among those in the consideration set that sell ``c``, by multinomial
    logit (McFadden 1974) on
    ``U_if = beta * (CPV_ifc + taste_if + b_tie * switching_cost_if + b_habit * [f = last firm
    in c])``, ``taste_if`` the customer's lasting brand taste in value units
    (:func:`marketsim.kernels.initial.draw_tastes`; 0 without one).

    Dropping out (``dropout_i > 0``): after each repeat purchase occasion (any occasion but the
    customer's first ever) the customer stops buying for good with probability ``dropout_i``;
    its purchase rates become 0 and the period's remaining occasions are not made. With
    Gamma rates this is the BG/NBD's process of repeat buying (Fader, Hardie and Lee 2005,
    Marketing Science 24(2)); one draw per occasion, its own stream.

    A pair marked ``aware = 2`` by the awareness step (``trial_on_awareness``) buys one unit of
    the first category the firm sells, a trial, and is then simply aware.

    A pair that buys becomes first-time (from prospect; an acquisition), regular (from
    first-time), or regular again with tenure reset (from ex-customer; a reactivation).
    ``recency`` counts periods since the pair's last purchase (0 after buying, saturating at
    255). ``counts[chunk, f]`` receives [customers at start, acquisitions, reactivations];
    ``utility`` and ``cumulative`` are (F,) scratch arrays.
    """
    beta = behaviour[CHOICE_SENSITIVITY]
    bonded = behaviour[PERSONAL_BONDED] != 0.0
    tie_weight = behaviour[TIE_WEIGHT]
    habit_weight = behaviour[HABIT_WEIGHT]
    s = segment[i]
    for f in range(n_firms):
        counts[chunk, f, 0] += 1 if is_current(status[i, f]) else 0
    w0, w1, w2, w3, w4, w5, w6, w7 = customer_weights(weights, i)
    sensitivity = np.float64(price_sensitivity[i])
    response_financial = segment_params[s, TIE_FINANCIAL]
    response_social = segment_params[s, TIE_SOCIAL]
    response_structural = segment_params[s, TIE_STRUCTURAL]
    count_key_i = customer_key(count_key, i)
    choice_key_i = customer_key(choice_key, i)
    may_drop = dropout[i] > 0.0
    bought_before = False
    if may_drop:
        dropout_key_i = customer_key(dropout_key, i)
        for f in range(n_firms):
            if status[i, f] != PROSPECT:
                bought_before = True
    occasion = 0
    dropped = False
    for c in range(n_categories):
        for f in range(n_firms):
            units[i, c, f] = 0
        if dropped:
            continue
        rate = np.float64(purchase_rate[i, c])
        if rate <= 0.0:
            continue
        n_purchases = poisson(draw_bits(count_key_i, c), rate)
        if n_purchases == 0:
            continue
        best = -np.inf
        for f in range(n_firms):
            if aware[i, f] == 1 and sells[f, c] == 1:
                personal = personal_benefit(i, f, bonded, firm, tie_social)
                value = perceived_value(w0, w1, w2, w3, w4, w5, w6, w7, sensitivity,
                                        np.float64(expectation[i, f]), firm[f, SERVICE],
                                        personal, firm[f, IMAGE],
                                        firm[f, CONVENIENCE], firm[f, TRUST], price[f, c],
                                        reference_price[c])
                value += np.float64(taste[i, f])
                value += tie_weight * switching_cost(
                    response_financial, response_social, response_structural,
                    np.float64(tie_financial[i, f]), np.float64(tie_social[i, f]),
                    np.float64(tie_structural[i, f]))
                if last_firm[i, c] == f:
                    value += habit_weight
                utility[f] = beta * value
                best = max(best, utility[f])
        if best == -np.inf:
            continue  # no firm in the consideration set sells c: a lost sale
        total = 0.0
        chosen_last = -1
        for f in range(n_firms):
            if aware[i, f] == 1 and sells[f, c] == 1:
                total += math.exp(utility[f] - best)
                chosen_last = f
            cumulative[f] = total
        n_purchases = min(n_purchases, MAX_PURCHASES)
        last = -1
        for k in range(n_purchases):
            x = uniform(draw_bits(choice_key_i, c * MAX_PURCHASES + k)) * total
            pick = chosen_last
            for f in range(n_firms):
                if x < cumulative[f]:
                    pick = f
                    break
            units[i, c, pick] += 1
            last = pick
            if may_drop:  # BG/NBD: after a repeat purchase the customer may drop out
                if bought_before and uniform(draw_bits(dropout_key_i, occasion)) < dropout[i]:
                    dropped = True
                    break
                bought_before = True
                occasion += 1
        last_firm[i, c] = last
    if dropped:
        for c in range(n_categories):
            purchase_rate[i, c] = 0.0
    for f in range(n_firms):
        if aware[i, f] == 2:  # a trial on becoming aware (trial_on_awareness): one unit
            for c in range(n_categories):
                if sells[f, c] == 1:
                    units[i, c, f] += 1
                    break
            aware[i, f] = 1
    for f in range(n_firms):
        bought = False
        for c in range(n_categories):
            if units[i, c, f] > 0:
                bought = True
        if not bought:
            if recency[i, f] < 255:
                recency[i, f] += 1
            continue
        recency[i, f] = 0
        if status[i, f] == PROSPECT:
            status[i, f] = FIRST_TIME
            tenure[i, f] = 0
            counts[chunk, f, 1] += 1
        elif status[i, f] == EX_CUSTOMER:
            status[i, f] = REGULAR
            tenure[i, f] = 0
            counts[chunk, f, 2] += 1
        elif status[i, f] == FIRST_TIME:
            status[i, f] = REGULAR


@parallel_kernel
def purchase(count_key, choice_key, dropout_key, dropout, firm, price, sells, reference_price,
             segment_params, behaviour, segment, weights, price_sensitivity, purchase_rate,
             last_firm, aware, status, expectation, taste, tie_financial, tie_social,
             tie_structural, tenure, recency, units, counts):
    """Step 3 for every customer. ``units`` (N, C, F) uint16 is overwritten, ``counts``
    (N_CHUNKS, F, 3) int64 receives per-chunk [customers at start, acquisitions, reactivations]."""
    n_customers, n_firms = aware.shape
    n_categories = purchase_rate.shape[1]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        utility = np.empty(n_firms)
        cumulative = np.empty(n_firms)
        for f in range(n_firms):
            for q in range(3):
                counts[chunk, f, q] = 0
        for i in range(start, stop):
            purchase_customer(i, n_firms, n_categories, chunk, count_key, choice_key, dropout_key,
                              dropout, firm, price, sells, reference_price, segment_params,
                              behaviour, segment, weights, price_sensitivity, purchase_rate,
                              last_firm, aware, status, expectation, taste, tie_financial,
                              tie_social, tie_structural, tenure, recency, units, counts, utility,
                              cumulative)
