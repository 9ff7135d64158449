"""Step 6, expectations: own experience, neighbours' word of mouth and the firm's promise."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_UNITS, N_BASKET, tally_basket
from marketsim.kernels.common import chunk_range, mask
from marketsim.kernels.hearing import gather_reports
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import (
    CREDIBILITY,
    CREDIBILITY_WORD_OF_MOUTH,
    EXPECT_EXPERIENCE,
    EXPECT_PROMISE,
    EXPECT_WORD_OF_MOUTH,
    PROMISE,
)


@inline_helper
def expectation_customer(i, n_firms, firm, segment_params, segment, basket, aware, performance,
                         expectation, promise_bias, heard_sum, heard_count):
    """``E <- E + a (P - E) + b (WOM - E) + g (promise - bias - E)``, all terms from the old
    ``E`` and ``bias``.

    Expectations are shaped by past buying experience, friends' advice and marketers' promises
    (Kotler and Keller, ch. 5; seed 001); the adaptive form follows the partial-adjustment
    models of expectation updating (Boulding, Kalra, Staelin and Zeithaml 1993, JMR 30(1)).
    The experience term applies to pairs that bought this period; the word-of-mouth term to
    firms the customer heard about (``WOM`` = mean performance in the reports heard, praise and
    complaints alike: ``heard_sum / heard_count``); the promise term to firms in the
    consideration set. Over-promising thus raises expectations (and choice) and then
    disappoints.

    Credibility: the customer also learns how far the firm's promise overstates what it
    delivers, ``bias <- bias + eta (promise - P - bias)`` after buying and ``+ eta_W (promise
    - WOM - bias)`` after hearing reports, and discounts the promise by it. Brand signals work
    only as far as they are credible, and credibility is lost by claims that delivery belies
    (Erdem and Swait 1998, J. Consumer Psychology 7(2)); consumers learn quality from use and
    from advertising, use being the more precise signal (Erdem and Keane 1996, Marketing
    Science 15(1)). The bias stays with the pair when the customer leaves, so advertising no
    longer re-inflates a disappointed ex-customer's expectation. ``eta = eta_W = 0``: no
    learning, every promise taken at face value.
    """
    s = segment[i]
    experience_weight = segment_params[s, EXPECT_EXPERIENCE]
    word_weight = segment_params[s, EXPECT_WORD_OF_MOUTH]
    promise_weight = segment_params[s, EXPECT_PROMISE]
    learning = segment_params[s, CREDIBILITY]
    word_learning = segment_params[s, CREDIBILITY_WORD_OF_MOUTH]
    learns = (learning != 0.0) | (word_learning != 0.0)
    for f in range(n_firms):
        # Branch-free (see marketsim.kernels.common.mask): each term times its condition's mask.
        old = np.float64(expectation[i, f])
        heard = heard_count[f]
        word_of_mouth = heard_sum[f] / max(heard, 1)  # 0.0 where nothing was heard
        delivered = np.float64(performance[i, f])
        bought = mask(basket[f, B_UNITS] > 0.0)
        promise = firm[f, PROMISE]
        bias = np.float64(promise_bias[i, f])
        change = 0.0
        change += experience_weight * (delivered - old) * bought
        change += word_weight * (word_of_mouth - old) * mask(heard > 0)
        change += promise_weight * ((promise - bias) - old) * mask(aware[i, f] == 1)
        expectation[i, f] = old + change
        if learns:
            shift = learning * ((promise - delivered) - bias) * bought
            shift += word_learning * ((promise - word_of_mouth) - bias) * mask(heard > 0)
            promise_bias[i, f] = bias + shift


@parallel_kernel
def update_expectations(hearing_key, firm, price, unit_cost, quality, reference_price, spend_key,
                        spend_shape, basket_size, segment_params, complaint_reach, indptr,
                        neighbours, wom_firm, wom_performance, wom_propensity, segment, units,
                        aware, performance, expectation, promise_bias):
    """Step 6 for every customer (hearing last period's reports of its neighbours)."""
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        heard_praise = np.empty(n_firms, np.uint8)
        heard_sum = np.empty(n_firms)
        heard_count = np.empty(n_firms, np.int64)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            gather_reports(i, n_firms, hearing_key, complaint_reach, indptr, neighbours, wom_firm,
                           wom_performance, wom_propensity, heard_praise, heard_sum, heard_count)
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            expectation_customer(i, n_firms, firm, segment_params, segment, basket, aware,
                                 performance, expectation, promise_bias, heard_sum, heard_count)
