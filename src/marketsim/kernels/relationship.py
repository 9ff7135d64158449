"""Relationship strategies in the period: levels, relationship types, one-to-one, base management.

Per-customer helpers, each called right after the phase it extends (in the fused period and,
through the ``*_all`` kernels, in the phased path), so that the phase modules stay as they are:

* after awareness, purchase and experience, the management of the customer base and one-to-one
  marketing (:mod:`marketsim.kernels.customer_management`): termination, directed purchases
  (suggestions, cross- and up-selling), customisation and value tiers;
* after satisfaction, :func:`recover_complaints`: complaint capture and recovery (reactive level
  and above);
* after expectations, :func:`follow_up`: post-sale follow-up (accountable level and above);
* after ties, :func:`relationship_ties`: the relationship type's touch points grow the social
  bond, and every touch point teaches the firm the customer's needs (knowledge);
* after accounting, :func:`book_relationship`: level costs, cost to serve by relationship
  type, tier costs and fees, plus the per-firm sums behind the new metrics.

Every effect is zero with the default levers, and then nothing here writes any state: runs
without these levers are bit for bit what they were. Knowledge is stored quantised in a
uint8 per customer-firm pair (``k / 255``).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_UNITS, N_BASKET, tally_basket
from marketsim.kernels.common import chunk_range, is_current
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import (
    LOSS_AVERSION,
    PERSONAL_SERVICE,
    SATISFACTION_MEMORY,
)
from marketsim.kernels.rng import customer_key, draw_bits, uniform

# Columns of the relationship-parameter array (F, S, N_RELATIONSHIP_PARAMS).
LEVEL_COST = 0       # cost of the relationship-marketing level, per customer per period
CAPTURE = 1          # share of dissatisfied buyers' complaints captured
RECOVERY = 2         # share of a captured shortfall recovered
FOLLOW_UP = 3        # extra pull of expectations toward delivered performance
SUGGESTION = 4       # extra purchases per unit of category rate (proactive suggestions)
CO_IMPROVEMENT = 5   # delivered-performance gain at long tenure (partnership, co-creation)
TYPE_COST = 6        # cost to serve of the relationship type, per customer per period
TOUCH = 7            # personal contact of the relationship type per period (0-1)
LEARNING = 8         # learning speed (0 when the firm does not customise)
CUSTOMISATION = 9    # performance gain at full knowledge, per unit of product weight
CROSS_SELL = 10      # extra purchases per unit of rate, categories bought elsewhere
UP_SELL = 11         # extra purchases per unit of rate, categories bought from the firm
TOP_SERVICE = 12     # extra performance for top-tier customers
TOP_COST = 13        # cost of that service per top-tier customer per period
LOW_PENALTY = 14     # performance lost by low-tier customers (service cut + fee felt)
LOW_FEE = 15         # fee per low-tier customer per period
LOW_SAVING = 16      # cost to serve saved per low-tier customer per period
WOM_BAND = 17        # word-of-mouth reach band of the relationship type (index of WOM_REACH_BANDS)
IRRITATION = 18      # performance lost by a contacted buyer (contacts beyond tolerance)
N_RELATIONSHIP_PARAMS = 19

#: Word-of-mouth reach multipliers: band 0 plain, 1 community, 2 co-creation. A report in band
#: ``b`` is stored as ``code + 2 F b`` in ``wom_firm`` (int8: at most 6 F - 1 = 119 for F = 20).
WOM_REACH_BANDS = (1.0, 2.0, 1.5)

#: Tenure (periods) at which half the co-improvement gain is reached.
CO_IMPROVEMENT_HALF_TENURE = 26.0
#: Quantisation of knowledge: stored value 255 = the firm knows the customer's needs fully.
KNOWLEDGE_SCALE = 255.0

# Bits of the targeting mask (N, F) uint8, written by the firms (marketsim.kernels.targeting).
TARGET_TOP = 1
TARGET_LOW = 2
TARGET_TERMINATED = 4

# Columns of the relationship totals (N_CHUNKS, F, N_RELATIONSHIP_TOTALS).
RT_TERMINATIONS = 0
RT_COMPLAINTS_CAPTURED = 1
RT_DIRECTED_UNITS = 2
RT_LEVEL_COST = 3
RT_TYPE_COST = 4
RT_TIER_COST = 5
RT_FEES = 6
RT_KNOWLEDGE = 7
RT_CATEGORIES = 8
N_RELATIONSHIP_TOTALS = 9


@inline_helper
def recover_complaints(i, chunk, complaint_key, relationship, segment_params, segment, basket,
                       performance, expectation, satisfaction, totals):
    """Complaint capture and service recovery (Kotler's reactive level, seed 001).

    A buyer whose delivered performance fell short (``d = P - E < 0``) complains to the firm with
    chance ``capture_f``; a captured complaint is answered and repairs the share ``recovery_f``
    of the felt shortfall: ``S <- S + (1 - rho) * recovery * lambda * (-d)`` (service recovery,
    Hart, Heskett and Sasser 1990, HBR 68(4)). One draw per pair, its own stream.
    """
    n_firms = basket.shape[0]
    s = segment[i]
    key_i = customer_key(complaint_key, i)
    for f in range(n_firms):
        capture = relationship[f, s, CAPTURE]
        if capture <= 0.0:
            continue
        if basket[f, B_UNITS] == 0.0:
            continue
        gap = np.float64(performance[i, f]) - np.float64(expectation[i, f])
        if gap >= 0.0:
            continue
        if uniform(draw_bits(key_i, f)) >= capture:
            continue
        repair = ((1.0 - segment_params[s, SATISFACTION_MEMORY]) * relationship[f, s, RECOVERY]
                  * segment_params[s, LOSS_AVERSION] * (-gap))
        satisfaction[i, f] = np.float64(satisfaction[i, f]) + repair
        totals[chunk, f, RT_COMPLAINTS_CAPTURED] += 1.0


@inline_helper
def follow_up(i, relationship, segment, basket, performance, expectation):
    """Post-sale follow-up (Kotler's accountable level, seed 001): after its own revision, a
    buyer's expectation moves a further share ``follow_up_f`` toward the performance delivered,
    ``E <- E + follow_up (P - E)``, so expectation errors shrink faster."""
    n_firms = basket.shape[0]
    s = segment[i]
    for f in range(n_firms):
        pull = relationship[f, s, FOLLOW_UP]
        if pull <= 0.0:
            continue
        if basket[f, B_UNITS] == 0.0:
            continue
        old = np.float64(expectation[i, f])
        expectation[i, f] = old + pull * (np.float64(performance[i, f]) - old)


@inline_helper
def relationship_ties(i, firm, relationship, social_growth, segment, basket, status, tie_social,
                      knowledge):
    """The relationship type's touch points and the learning relationship, per current customer.

    Social bond: ``T_soc <- T_soc + g_soc * touch_fs * (1 - T_soc)`` on top of the retention
    programme's personal service (personal and dedicated assistance, communities: Osterwalder
    and Pigneur, seed 002). Knowledge: each touch point (a purchase this period, the personal
    service and the type's contacts) teaches the firm the customer's needs,
    ``k <- k + learning_fs * touches * (1 - k)`` (Peppers and Rogers' learning relationship,
    seed 004), stored as ``round(255 k)``; learning is zero for firms that do not customise.
    """
    n_firms = basket.shape[0]
    s = segment[i]
    for f in range(n_firms):
        if not is_current(status[i, f]):
            continue
        touch = relationship[f, s, TOUCH]
        if touch > 0.0:
            bond = np.float64(tie_social[i, f])
            tie_social[i, f] = bond + social_growth * touch * (1.0 - bond)
        learning = relationship[f, s, LEARNING]
        if learning > 0.0:
            touches = touch + firm[f, PERSONAL_SERVICE]
            if basket[f, B_UNITS] > 0.0:  # a purchase this period
                touches += 1.0
            known = np.int64(knowledge[i, f])
            step = learning * touches * (KNOWLEDGE_SCALE - known)
            known += np.int64(step + 0.5)
            knowledge[i, f] = min(known, 255)


@inline_helper
def book_relationship(i, chunk, relationship_on, relationship, segment, units, status, targeting,
                      knowledge, service_intensity, cumulative_margin, totals):
    """Costs and fees of the relationship per current customer, and the metrics' sums.

    ``cost = level_cost_f + type_cost_fs + top_cost [top tier] - low_saving [low tier]``,
    ``fee = low_fee [low tier]``, the costs times the customer's service intensity; the
    customer's margin gains ``fee - cost``. Per firm: the
    three costs (cost to serve by relationship type among them), fees, the knowledge of its
    customers and the number of categories each buyer bought from it (counted whether or not
    ``relationship_on``, but only with more than one category: with one, it is the number of
    buyers, filled in by the engine; everything else only with ``relationship_on``).
    """
    n_categories, n_firms = units.shape[1], units.shape[2]
    s = segment[i]
    for f in range(n_firms):
        if n_categories > 1:
            categories = 0
            for c in range(n_categories):
                if units[i, c, f] > 0:
                    categories += 1
            if categories > 0:
                totals[chunk, f, RT_CATEGORIES] += categories
        if not relationship_on or not is_current(status[i, f]):
            continue
        totals[chunk, f, RT_KNOWLEDGE] += np.float64(knowledge[i, f]) / KNOWLEDGE_SCALE
        level_cost = relationship[f, s, LEVEL_COST]
        type_cost = relationship[f, s, TYPE_COST]
        tier_cost = 0.0
        fee = 0.0
        mask = targeting[i, f]
        if mask & TARGET_TOP != 0:
            tier_cost += relationship[f, s, TOP_COST]
        if mask & TARGET_LOW != 0:
            tier_cost -= relationship[f, s, LOW_SAVING]
            fee = relationship[f, s, LOW_FEE]
        intensity = np.float64(service_intensity[i])
        level_cost = level_cost * intensity
        type_cost = type_cost * intensity
        tier_cost = tier_cost * intensity
        totals[chunk, f, RT_LEVEL_COST] += level_cost
        totals[chunk, f, RT_TYPE_COST] += type_cost
        totals[chunk, f, RT_TIER_COST] += tier_cost
        totals[chunk, f, RT_FEES] += fee
        change = fee - level_cost - type_cost - tier_cost
        if change != 0.0:
            cumulative_margin[i, f] = np.float64(cumulative_margin[i, f]) + change


@parallel_kernel
def amplify_reports(relationship, segment, wom_firm):
    """Communities and co-creation carry word of mouth further (step 9, after the reports).

    A customer of segment ``s`` whose report is about firm ``f`` keeps a relationship of type
    community or co-creation with ``f``: its report goes to the band of that type, and each
    neighbour hears it with ``WOM_REACH_BANDS[band]`` times the usual chance
    (:func:`marketsim.kernels.hearing.gather_reports`). Communities let members help each other
    and talk about the brand (Osterwalder and Pigneur 2010, seed 002).
    """
    n_firms = relationship.shape[0]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(wom_firm.shape[0], chunk)
        for i in range(start, stop):
            code = wom_firm[i]
            if code < 0:
                continue
            band = np.int64(relationship[code % n_firms, segment[i], WOM_BAND])
            if band > 0:
                wom_firm[i] = code + band * 2 * n_firms


# --------------------------------------------------------------------------- phased path
@parallel_kernel
def recover_complaints_all(complaint_key, price, unit_cost, quality, reference_price, spend_key,
                           spend_shape, basket_size, relationship, segment_params, segment, units,
                           performance, expectation, satisfaction, totals):
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            recover_complaints(i, chunk, complaint_key, relationship, segment_params, segment,
                               basket, performance, expectation, satisfaction, totals)


@parallel_kernel
def follow_up_all(price, unit_cost, quality, reference_price, spend_key, spend_shape, basket_size,
                  relationship, segment, units, performance, expectation):
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            follow_up(i, relationship, segment, basket, performance, expectation)


@parallel_kernel
def relationship_ties_all(firm, price, unit_cost, quality, reference_price, spend_key, spend_shape,
                          basket_size, relationship, social_growth, segment, units, status,
                          tie_social, knowledge):
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            relationship_ties(i, firm, relationship, social_growth, segment, basket, status,
                              tie_social, knowledge)


@parallel_kernel
def book_relationship_all(relationship_on, relationship, segment, units, status, targeting,
                          knowledge, service_intensity, cumulative_margin, totals):
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(units.shape[0], chunk)
        for i in range(start, stop):
            book_relationship(i, chunk, relationship_on, relationship, segment, units, status,
                              targeting, knowledge, service_intensity, cumulative_margin, totals)
