"""Step 10, accounting: revenue, costs and margin per firm and per customer-firm pair."""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_GOODS, B_SPEND, B_UNITS, N_BASKET, tally_basket
from marketsim.kernels.common import chunk_range, is_current, mask, select
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import (
    PERSONAL_SERVICE,
    PERSONAL_SERVICE_COST,
    REWARD_RATE,
    STRUCTURAL_COST,
    STRUCTURAL_INVESTMENT,
    TENURE_COST_DECLINE,
    TENURE_SPEND_GROWTH,
    TENURE_TIME_CONSTANT,
    WINDOW_DECAY,
)

# Columns of the accounting totals.
ACC_UNITS = 0
ACC_REVENUE = 1
ACC_COST_OF_GOODS = 2
ACC_BUYERS = 3
ACC_REWARD_COST = 4
ACC_SERVICE_COST = 5
ACC_CUSTOMERS = 6
N_ACCOUNTS = 7


@inline_helper
def book_customer(i, n_firms, chunk, firm, behaviour, basket, status, tenure, service_intensity,
                  cumulative_margin, window_spend, totals):
    """Book this period's sales and programme costs.

    Per pair: ``spend = sum_c units * price``; ``margin = spend - units * unit_cost -
    reward_rate * spend - cost_to_serve``, where ``cost_to_serve = personal_service *
    personal_service_cost + structural_investment * structural_cost`` is charged on the
    customers a firm holds at the end of the period, times the customer's service intensity
    (1 unless customers differ in cost to serve). ``cumulative_margin`` accumulates the
    margin (the realised customer value, Gupta and Lehmann 2003) of the current relationship:
    like tenure it starts again when a customer returns, so a current customer whose tenure
    is 1 (acquired or reactivated this period, tenure counted in step 7) starts from 0 and an
    earlier relationship's margin does not enter the firm's lifetime-value scoring
    (:mod:`marketsim.kernels.targeting`, which divides it by tenure); an ex-customer keeps the
    margin of the relationship it left. ``window_spend`` is the exponentially weighted spend
    behind share of customer (``W <- decay W + spend``).

    With the optional tenure profile (``behaviour.tenure_profile``; Reichheld and Sasser 1990,
    "Zero defections: quality comes to services", HBR 68(5): profit per customer rises with
    tenure) and ``h = 1 - exp(-tenure / tau_T)``, the pair's spend and cost of goods are
    multiplied by ``1 + g_T h`` (a long-standing customer buys more per occasion) and its cost
    to serve by ``1 - phi_T h`` (the firm learns to serve it). Tenure is the pair's at the end
    of the period (counted in step 7, 0 once defected), so a customer acquired this period
    (tenure 1) already has a little of it. ``units`` stay the occasions; points earned (step 7)
    follow the occasions' spend without the profile. Off (``tau_T = 0``) no exp() is taken.

    ``totals[chunk, f]`` receives the sums of units, revenue,
    cost of goods, buyers, reward cost, cost to serve, customers.
    """
    decay = behaviour[WINDOW_DECAY]
    growth_rate = behaviour[TENURE_SPEND_GROWTH]
    decline = behaviour[TENURE_COST_DECLINE]
    time_constant = behaviour[TENURE_TIME_CONSTANT]
    intensity = np.float64(service_intensity[i])
    for f in range(n_firms):
        # Branch-free (see marketsim.kernels.common.mask): a pair that bought nothing has units,
        # spend and cost of goods exactly 0.0 in its basket, so they are added unconditionally.
        bought = basket[f, B_UNITS]
        spend = basket[f, B_SPEND]
        goods = basket[f, B_GOODS]
        seasoning = 0.0
        if time_constant > 0.0:  # the tenure profile: h = 1 - exp(-tenure / tau_T)
            seasoning = 1.0 - math.exp(-np.float64(tenure[i, f]) / time_constant)
            growth = 1.0 + growth_rate * seasoning
            spend = spend * growth
            goods = goods * growth
        reward = firm[f, REWARD_RATE] * spend
        current = mask(is_current(status[i, f]))
        serve = (firm[f, PERSONAL_SERVICE] * firm[f, PERSONAL_SERVICE_COST]
                 + firm[f, STRUCTURAL_INVESTMENT] * firm[f, STRUCTURAL_COST]) * current
        serve = serve * intensity
        if time_constant > 0.0:
            serve = serve * (1.0 - decline * seasoning)
        totals[chunk, f, ACC_CUSTOMERS] += current
        totals[chunk, f, ACC_UNITS] += bought
        totals[chunk, f, ACC_REVENUE] += spend
        totals[chunk, f, ACC_COST_OF_GOODS] += goods
        totals[chunk, f, ACC_BUYERS] += mask(bought > 0.0)
        totals[chunk, f, ACC_REWARD_COST] += reward
        totals[chunk, f, ACC_SERVICE_COST] += serve
        margin = spend - goods - reward - serve
        held = np.float64(cumulative_margin[i, f])
        held = select(is_current(status[i, f]) & (tenure[i, f] == 1), 0.0, held)  # a new one
        cumulative_margin[i, f] = select(margin != 0.0, held + margin, held)
        window_spend[i, f] = decay * np.float64(window_spend[i, f]) + spend


@parallel_kernel
def book(firm, price, unit_cost, quality, reference_price, spend_key, spend_shape, basket_size,
         behaviour, units, status, tenure, service_intensity, cumulative_margin, window_spend,
         totals):
    """Step 10 for every customer; ``totals`` (N_CHUNKS, F, N_ACCOUNTS) float64."""
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for f in range(n_firms):
            for a in range(N_ACCOUNTS):
                totals[chunk, f, a] = 0.0
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            book_customer(i, n_firms, chunk, firm, behaviour, basket, status, tenure,
                          service_intensity, cumulative_margin, window_spend, totals)
