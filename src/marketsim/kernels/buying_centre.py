"""Business customers as buying centres: member satisfactions and the decider's veto.

A business customer's buying centre has four members (user, influencer, decider, buyer;
Webster and Wind 1972, "A general model for understanding organizational buying behavior",
Journal of Marketing 36(2)). The buyer's weights are the customer's choice weights (its row of
the population's ``weights``), so the buyer drives each purchase; every member judges what was
delivered in its own weights (step 5), and the members' satisfactions are combined by the
segment's rule before the stay-or-switch decision (step 8).

State is kept for business customers only: ``business_ids`` (n_b,) int64, the sorted customer
numbers of business customers, and ``member_satisfaction`` (n_b, F, 4) float32, so consumers
cost no memory and one tiny-array lookup per period (``centre_rule[segment[i]]``).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.common import chunk_range, leave_firm
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import FIRST_TIME, REGULAR, SATISFACTION_MEMORY

# Combination rule per segment (array ``centre_rule`` (S,) int8).
CONSUMER = 0
WEIGHTED_MEAN = 1
DECIDER_VETO = 2

# Members, in the order of the last axis of ``member_satisfaction`` and ``role_params``.
USER, INFLUENCER, DECIDER, BUYER = 0, 1, 2, 3
N_ROLES = 4

# Columns of ``role_params`` (S, N_ROLES, N_ROLE_PARAMS) float64.
ROLE_PRODUCT = 0        # the member's product (performance) weight
ROLE_MONETARY = 1       # the member's monetary (price) weight
ROLE_LOSS_AVERSION = 2  # the member's lambda
ROLE_WEIGHT = 3         # the member's weight in the mean, normalised to sum to 1
ROLE_THRESHOLD = 4      # dissatisfaction the member tolerates (the decider's: the veto line)
N_ROLE_PARAMS = 5


@inline_helper
def business_row(business_ids, i):
    """Row of customer ``i`` in the business arrays (binary search in the sorted ids)."""
    low = 0
    high = business_ids.shape[0]
    while low < high:
        middle = (low + high) // 2
        if business_ids[middle] < i:
            low = middle + 1
        else:
            high = middle
    return low


@inline_helper
def centre_satisfaction(i, row, price, reference_price, segment_params, role_params, segment,
                        price_sensitivity, units, performance, expectation, member_satisfaction,
                        satisfaction):
    """Step 5 for a buying centre: each member's satisfaction, and their weighted mean.

    Member ``r`` feels the disconfirmation of value in its own weights (Oliver 1980, applied to
    customer perceived value as in Kotler and Keller ch. 5, seed 001): delivered value minus
    expected value, ``d_r = w_r,product (P - E) - w_r,monetary sensitivity (p / p_ref - 1)``,
    where the expected value assumes performance ``E`` at the category's reference price and
    ``p / p_ref`` is the unit-weighted mean relative price paid this period. Service, image,
    convenience and trust are known before buying, so their terms cancel. So a user who
    weighs only the product is satisfied by good performance while a decider who weighs money
    is dissatisfied by a premium price. With loss aversion ``lambda_r`` and the segment's
    memory ``rho``: ``S_r <- rho S_r + (1 - rho) (d_r if d_r >= 0 else lambda_r d_r)``. The
    customer's satisfaction with the firm is ``sum_r m_r S_r`` (member weights ``m_r``
    normalised to sum to 1). Only pairs that bought this period are updated; a consumer is the
    special case of one member with product weight 1 and monetary weight 0.
    """
    n_categories, n_firms = units.shape[1], units.shape[2]
    s = segment[i]
    memory = segment_params[s, SATISFACTION_MEMORY]
    sensitivity = np.float64(price_sensitivity[i])
    for f in range(n_firms):
        bought = 0
        relative_price = 0.0
        for c in range(n_categories):
            bought += units[i, c, f]
            relative_price += units[i, c, f] * (price[f, c] / reference_price[c])
        if bought == 0:
            continue
        gap = np.float64(performance[i, f]) - np.float64(expectation[i, f])
        premium = relative_price / bought - 1.0
        combined = 0.0
        for r in range(N_ROLES):
            felt = role_params[s, r, ROLE_PRODUCT] * gap
            felt -= role_params[s, r, ROLE_MONETARY] * sensitivity * premium
            if felt < 0.0:
                felt = role_params[s, r, ROLE_LOSS_AVERSION] * felt
            old = np.float64(member_satisfaction[row, f, r])
            member_satisfaction[row, f, r] = memory * old + (1.0 - memory) * felt
            combined += role_params[s, r, ROLE_WEIGHT] * np.float64(member_satisfaction[row, f, r])
        satisfaction[i, f] = combined


@inline_helper
def centre_veto(i, row, chunk, role_params, segment, member_satisfaction, aware, status,
                tie_financial, tie_social, tie_structural, tenure, counts):
    """Step 8 for a buying centre under the decider-veto rule, after the usual test.

    The customer defects from ``f`` when the decider's dissatisfaction exceeds the decider's
    threshold, ``-S_decider > threshold_decider``, whatever the other members feel: in many
    organisations one member can block a supplier (Webster and Wind 1972; the "gatekeeper" and
    "decider" roles). The defection is booked like any other (``counts[chunk, f]``: defections,
    defections of customers held at the start) and has the same consequences: points, bonds,
    structural tie and tenure are lost and the firm leaves the consideration set.
    """
    n_firms = aware.shape[1]
    line = role_params[segment[i], DECIDER, ROLE_THRESHOLD]
    for f in range(n_firms):
        if status[i, f] != FIRST_TIME and status[i, f] != REGULAR:
            continue
        if -np.float64(member_satisfaction[row, f, DECIDER]) > line:
            counts[chunk, f, 0] += 1
            if tenure[i, f] >= 2:
                counts[chunk, f, 1] += 1
            aware[i, f] = 0
            leave_firm(i, f, status, tie_financial, tie_social, tie_structural, tenure)


@parallel_kernel
def update_buying_centres(price, reference_price, segment_params, role_params, business_ids,
                          segment, price_sensitivity, units, performance, expectation,
                          member_satisfaction, satisfaction):
    """Step 5 for every business customer (after :func:`update_satisfaction`)."""
    n_business = business_ids.shape[0]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_business, chunk)
        for row in range(start, stop):
            centre_satisfaction(business_ids[row], row, price, reference_price, segment_params,
                                role_params, segment, price_sensitivity, units, performance,
                                expectation, member_satisfaction, satisfaction)


@parallel_kernel
def veto_defections(role_params, centre_rule, business_ids, segment, member_satisfaction, aware,
                    status, tie_financial, tie_social, tie_structural, tenure, counts):
    """Step 8 for every business customer under a veto rule (after :func:`decide_defection`,
    adding to its per-chunk ``counts``; customers are chunked as there)."""
    n_customers = aware.shape[0]
    n_business = business_ids.shape[0]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        row = business_row(business_ids, start)
        while row < n_business and business_ids[row] < stop:
            i = business_ids[row]
            if centre_rule[segment[i]] == DECIDER_VETO:
                centre_veto(i, row, chunk, role_params, segment, member_satisfaction, aware,
                            status, tie_financial, tie_social, tie_structural, tenure, counts)
            row += 1
