"""The whole period for every customer in two parallel passes (the fast path).

The phases of MODEL.md section 2 that touch only one customer's own state (awareness to
defection, accounting, metrics) run one after the other for each customer inside a single
loop, calling the same per-customer functions as the phase kernels, so a customer's state is
loaded once per period and neighbours' reports are gathered once. Word of mouth (step 9)
writes the reports that neighbours read in steps 2 and 6, so it runs as a second pass after
every customer has heard last period's reports. Results are identical to calling the phase
kernels one by one (``MarketModel(..., fused=False)``; tested).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.accounting import N_ACCOUNTS, book_customer
from marketsim.kernels.awareness import become_aware
from marketsim.kernels.basket import N_BASKET, tally_basket
from marketsim.kernels.buying_centre import (
    CONSUMER,
    DECIDER_VETO,
    business_row,
    centre_satisfaction,
    centre_veto,
)
from marketsim.kernels.common import chunk_range
from marketsim.kernels.customer_management import (
    customise,
    directed_purchases,
    enforce_targeting,
)
from marketsim.kernels.defection import defection_customer
from marketsim.kernels.expectation import expectation_customer
from marketsim.kernels.experience import deliver_customer
from marketsim.kernels.hearing import gather_reports
from marketsim.kernels.jit import N_CHUNKS, parallel_kernel
from marketsim.kernels.layout import (
    AWARENESS_DECAY,
    PERFORMANCE_NOISE,
    SOCIAL_DECAY,
    SOCIAL_GROWTH,
    SPEND_SHAPE,
    STRUCTURAL_DECAY,
    STRUCTURAL_GROWTH,
    TRIAL_ON_AWARENESS,
)
from marketsim.kernels.measures import N_MEASURES, measure_customer
from marketsim.kernels.purchase import purchase_customer
from marketsim.kernels.relationship import (
    N_RELATIONSHIP_TOTALS,
    book_relationship,
    follow_up,
    recover_complaints,
    relationship_ties,
)
from marketsim.kernels.satisfaction import satisfaction_customer
from marketsim.kernels.ties import ties_customer


def slots(count):
    """A tuple of ``count`` zeros whose length the fused kernel reads as a compile-time
    constant (its ``firm_slots`` and ``category_slots``)."""
    return (0,) * count


@parallel_kernel
def customer_period(firm_slots, category_slots, keys, firm, price, quality, unit_cost, sells,
                    reference_price, basket_size, dropout, service_intensity, segment_params,
                    behaviour, complaint_reach, lapse_periods, indptr, neighbours, segment, weights,
                    price_sensitivity, switching_threshold, wom_propensity, purchase_rate,
                    last_firm, wom_firm, wom_performance, aware, status, expectation, promise_bias,
                    taste, satisfaction, tie_financial, tie_social, tie_structural, tenure, recency,
                    performance, cumulative_margin, window_spend, units, purchase_counts,
                    defection_counts, accounts, measures, centre_rule, role_params, business_ids,
                    member_satisfaction, relationship_on, relationship, knowledge, targeting,
                    relationship_totals):
    """Steps 2-8, 10 and 11 for every customer.

    ``firm_slots`` and ``category_slots`` are tuples of F and C zeros
    (:func:`slots`). Only their lengths are used: a tuple's length is part of its Numba
    type, so the kernel is compiled once per (F, C), with the number of firms and categories
    as constants. LLVM then unrolls the short loops over firms and categories of every step
    and folds their bounds (13-17% faster at F = 5, C = 1 than reading them from the
    arrays' shapes; docs/performance.md). Each new (F, C) costs one compilation of about 8 s,
    cached on disk like every kernel.

    ``keys``: uint64 stream keys of this period, [advertising, hearing, purchase count,
    purchase choice, experience, complaint, suggestion, defection, forgetting, spend, dropout].
    Outputs per chunk as in the phase kernels. Business customers' buying centres
    (:mod:`marketsim.kernels.buying_centre`) judge after step 5 and may veto after step 8;
    consumers pay one lookup of ``centre_rule``. With ``relationship_on`` the firms'
    relationship strategies (:mod:`marketsim.kernels.relationship`) follow the phases they
    extend (complaint recovery after the buying centre has judged).
    """
    # Compile-time constants: a tuple's length is part of its Numba type (see the docstring).
    n_firms = len(firm_slots)
    n_categories = len(category_slots)
    n_customers = aware.shape[0]
    noise = behaviour[PERFORMANCE_NOISE]
    social_growth = behaviour[SOCIAL_GROWTH]
    social_decay = behaviour[SOCIAL_DECAY]
    structural_growth = behaviour[STRUCTURAL_GROWTH]
    structural_decay = behaviour[STRUCTURAL_DECAY]
    awareness_decay = behaviour[AWARENESS_DECAY]
    trial = behaviour[TRIAL_ON_AWARENESS] != 0.0
    spend_shape = behaviour[SPEND_SHAPE]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        heard_praise = np.empty(n_firms, np.uint8)
        heard_sum = np.empty(n_firms)
        heard_count = np.empty(n_firms, np.int64)
        utility = np.empty(n_firms)
        cumulative = np.empty(n_firms)
        offer_values = np.empty(n_firms)
        basket = np.empty((n_firms, N_BASKET))
        for f in range(n_firms):
            for q in range(3):
                purchase_counts[chunk, f, q] = 0
                defection_counts[chunk, f, q] = 0
            for a in range(N_ACCOUNTS):
                accounts[chunk, f, a] = 0.0
            for m in range(N_MEASURES):
                measures[chunk, f, m] = 0.0
            for m in range(N_RELATIONSHIP_TOTALS):
                relationship_totals[chunk, f, m] = 0.0
        # An offset from a start known to be >= 0, not range(start, stop): LLVM can then drop
        # Numba's negative-index fix-up on every access with i (docs/performance.md).
        start = max(start, 0)
        for offset in range(stop - start):
            i = start + offset
            gather_reports(i, n_firms, keys[1], complaint_reach, indptr, neighbours, wom_firm,
                           wom_performance, wom_propensity, heard_praise, heard_sum, heard_count)
            # 2. awareness
            become_aware(i, n_firms, keys[0], keys[8], awareness_decay, trial, firm,
                         heard_praise, heard_count, status, aware)
            if relationship_on:
                enforce_targeting(i, chunk, targeting, aware, status, tie_financial, tie_social,
                                  tie_structural, tenure, relationship_totals)
            # 3. purchase
            purchase_customer(i, n_firms, n_categories, chunk, keys[2], keys[3], keys[10], dropout,
                              firm, price, sells, reference_price, segment_params, behaviour,
                              segment, weights, price_sensitivity, purchase_rate, last_firm, aware,
                              status, expectation, taste, tie_financial, tie_social, tie_structural,
                              tenure, recency, units, purchase_counts, utility, cumulative)
            if relationship_on:
                directed_purchases(i, chunk, keys[6], relationship, sells, segment,
                                   purchase_rate, last_firm, status, recency, units,
                                   relationship_totals)
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         keys[9], spend_shape, basket_size, units, basket)
            # 4. experience
            deliver_customer(i, n_firms, keys[4], firm, noise, basket, performance)
            if relationship_on:
                customise(i, relationship, segment, weights, knowledge, targeting, tenure, basket,
                          performance)
            # 5. satisfaction
            satisfaction_customer(i, n_firms, n_categories, segment_params, behaviour, segment,
                                  weights, price_sensitivity, purchase_rate, firm, price, sells,
                                  reference_price, aware, tie_social, basket, performance,
                                  expectation, satisfaction)
            rule = centre_rule[segment[i]]
            row = 0
            if rule != CONSUMER:  # a business customer: its buying centre's members judge
                row = business_row(business_ids, i)
                centre_satisfaction(i, row, price, reference_price, segment_params, role_params,
                                    segment, price_sensitivity, units, performance, expectation,
                                    member_satisfaction, satisfaction)
            if relationship_on:
                recover_complaints(i, chunk, keys[5], relationship, segment_params, segment,
                                   basket, performance, expectation, satisfaction,
                                   relationship_totals)
            # 6. expectations
            expectation_customer(i, n_firms, firm, segment_params, segment, basket, aware,
                                 performance, expectation, promise_bias, heard_sum, heard_count)
            if relationship_on:
                follow_up(i, relationship, segment, basket, performance, expectation)
            # 7. ties
            ties_customer(i, n_firms, firm, social_growth, social_decay, structural_growth,
                          structural_decay, basket, status, tie_financial, tie_social,
                          tie_structural, tenure)
            if relationship_on:
                relationship_ties(i, firm, relationship, social_growth, segment, basket, status,
                                  tie_social, knowledge)
            # 8. defection
            defection_customer(i, n_firms, n_categories, chunk, keys[7], firm, price, sells,
                               reference_price, segment_params, behaviour, segment, weights,
                               price_sensitivity, purchase_rate, switching_threshold,
                               lapse_periods, aware, status, expectation,
                               taste, satisfaction, tie_financial, tie_social, tie_structural,
                               tenure, recency, defection_counts, offer_values)
            if rule == DECIDER_VETO:
                centre_veto(i, row, chunk, role_params, segment, member_satisfaction, aware,
                            status, tie_financial, tie_social, tie_structural, tenure,
                            defection_counts)
            # 10. accounting (does not read reports, so it may precede step 9)
            book_customer(i, n_firms, chunk, firm, behaviour, basket, status, tenure,
                          service_intensity, cumulative_margin, window_spend, accounts)
            if relationship_on or n_categories > 1:
                book_relationship(i, chunk, relationship_on, relationship, segment, units,
                                  status, targeting, knowledge, service_intensity,
                                  cumulative_margin, relationship_totals)
            # 11. metrics
            measure_customer(i, n_firms, chunk, status, aware, satisfaction, expectation,
                             tie_financial, tie_social, tie_structural, tenure, window_spend,
                             measures)
