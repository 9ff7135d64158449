"""Creating the customer population: one pass, one counter-based stream per customer."""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS, parallel_kernel
from marketsim.kernels.layout import (
    INIT_AWARENESS,
    INIT_FIRM,
    INIT_PRICE_SENSITIVITY,
    INIT_RATES,
    INIT_RECENCY,
    INIT_SEGMENT,
    INIT_THRESHOLD,
    INIT_WEIGHTS,
    REGULAR,
    TASTE_DRAWS,
)
from marketsim.kernels.rng import customer_key, draw_bits, gamma, normal, uniform


@parallel_kernel
def initialise_customers(key, segment_cumulative_share, segment_weights, weight_spread,
                         price_mean, price_spread, threshold_mean, threshold_spread,
                         rate_mean, rate_shape, word_of_mouth, initial_expectation,
                         firm_cumulative_share, firm_awareness, sells,
                         segment, weights, price_sensitivity, switching_threshold,
                         purchase_rate, wom_propensity, last_firm,
                         aware, status, expectation, tenure, recency):
    """Draw every customer's segment and traits and the initial customer-firm state.

    Segment ``s`` with probability equal to its share. Importance weights, price sensitivity and
    switching threshold: the segment mean times a mean-one log-normal factor
    ``exp(sigma z - sigma^2 / 2)``. Category purchase rate: Gamma(shape k, mean m), so Poisson
    purchases at that rate are negative binomial across customers (Ehrenberg 1959, "The pattern
    of consumer purchases"). A customer starts as a regular customer of firm ``f`` with
    probability ``initial_share_f`` (of no firm with the remaining probability) and aware of each
    other firm with probability ``initial_awareness_f``. An initial customer's recency (periods
    since its last purchase) is the time back to the last event of a Poisson process at its
    purchase rate in the firm's categories, ``floor(-log(1 - u) / rate)`` (255 if it buys none),
    so that initial customers who hardly buy lapse early and not all in the same period.
    """
    n_customers = segment.shape[0]
    n_firms = aware.shape[1]
    n_categories = purchase_rate.shape[1]
    n_segments = segment_cumulative_share.shape[0]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for i in range(start, stop):
            ckey = customer_key(key, i)
            u = uniform(draw_bits(ckey, INIT_SEGMENT))
            s = 0
            while s < n_segments - 1 and u >= segment_cumulative_share[s]:
                s += 1
            segment[i] = s
            sigma = weight_spread[s]
            for k in range(8):
                z = normal(draw_bits(ckey, INIT_WEIGHTS + k))
                weights[i, k] = segment_weights[s, k] * math.exp(sigma * z - 0.5 * sigma * sigma)
            sigma = price_spread[s]
            z = normal(draw_bits(ckey, INIT_PRICE_SENSITIVITY))
            price_sensitivity[i] = price_mean[s] * math.exp(sigma * z - 0.5 * sigma * sigma)
            sigma = threshold_spread[s]
            z = normal(draw_bits(ckey, INIT_THRESHOLD))
            switching_threshold[i] = threshold_mean[s] * math.exp(sigma * z - 0.5 * sigma * sigma)
            wom_propensity[i] = word_of_mouth[s]
            index = INIT_RATES
            for c in range(n_categories):
                mean = rate_mean[s, c]
                if mean <= 0.0:
                    purchase_rate[i, c] = 0.0
                else:
                    shape = rate_shape[s, c]
                    value, index = gamma(ckey, index, shape, mean / shape)
                    purchase_rate[i, c] = value
            u = uniform(draw_bits(ckey, INIT_FIRM))
            first = -1
            for f in range(n_firms):
                if u < firm_cumulative_share[f]:
                    first = f
                    break
            for f in range(n_firms):
                expectation[i, f] = initial_expectation[s]
                if f == first:
                    aware[i, f] = 1
                    status[i, f] = REGULAR
                    tenure[i, f] = 1
                    rate = 0.0
                    for c in range(n_categories):
                        if sells[f, c] == 1:
                            rate += np.float64(purchase_rate[i, c])
                    u = uniform(draw_bits(ckey, INIT_RECENCY))
                    periods = -math.log(1.0 - u) / rate if rate > 0.0 else 255.0
                    recency[i, f] = int(periods) if periods < 255.0 else 255
                else:
                    u = uniform(draw_bits(ckey, INIT_AWARENESS + f))
                    aware[i, f] = 1 if u < firm_awareness[f] else 0
            for c in range(n_categories):
                last_firm[i, c] = first if (first >= 0 and sells[first, c]) else -1


#: Smallest Gamma deviate a taste is taken the log of (a shape far below 1 can give 0.0).
TASTE_FLOOR = 1e-300


@parallel_kernel
def draw_tastes(key, concentration, base_share, choice_sensitivity, taste):
    """Each customer's lasting taste for each firm, in value units: ``log(G_if) / beta`` with
    ``G_if ~ Gamma(S s_f, 1)`` (``S`` the ``concentration``, ``s_f`` the firms' normalised
    ``base_share``, ``beta`` the logit's choice sensitivity).

    Added to perceived value, ``beta (CPV + log(G) / beta) = beta CPV + log G``: a customer who
    sees every firm alike then chooses firm ``f`` with probability ``G_if / sum_g G_ig``, a
    Dirichlet(``S s``) draw fixed for the customer, which with NBD purchase counts is the
    NBD-Dirichlet (Goodhardt, Ehrenberg and Chatfield 1984, JRSS A 147(5); the Gamma
    representation of the Dirichlet). Drawn from its own stream, keyed on the customer, the
    firm's draws starting at ``f * TASTE_DRAWS``, so no other draw moves.
    """
    n_customers, n_firms = taste.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for i in range(start, stop):
            ckey = customer_key(key, i)
            for f in range(n_firms):
                g, _ = gamma(ckey, f * TASTE_DRAWS, concentration * base_share[f], 1.0)
                taste[i, f] = math.log(max(g, TASTE_FLOOR)) / choice_sensitivity


@parallel_kernel
def draw_basket_sizes(key, heterogeneity, basket_size):
    """Each customer's basket size, its mean spend per occasion in prices: ``(q - 1) / nu_i``,
    ``nu_i ~ Gamma(q, 1)``, which has mean 1 (``q`` the ``heterogeneity``, above 1).

    The Gamma-Gamma model's spend per transaction is ``Gamma(p, nu_i)`` with ``nu_i ~ Gamma(q,
    gamma)`` across customers, so a customer's mean spend is ``p / nu_i`` (Colombo and Jiang
    1999; Fader, Hardie and Lee 2005, JMR 42(4)); here it is scaled so that the market's mean
    spend per occasion is the price. Its own stream, one Gamma per customer.
    """
    n_customers = basket_size.shape[0]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for i in range(start, stop):
            nu, _ = gamma(customer_key(key, i), 0, heterogeneity, 1.0)
            basket_size[i] = (heterogeneity - 1.0) / max(nu, TASTE_FLOOR)


@parallel_kernel
def draw_dropout(key, segment, shapes, dropout):
    """Each customer's chance of dropping out after a repeat purchase, ``p ~ Beta(a, b)`` with
    the segment's shapes (``shapes[s] = (a, b)``; ``a = 0``: never), as ``G_a / (G_a + G_b)``
    from two Gamma deviates of its own stream: the BG/NBD's heterogeneous dropout (Fader,
    Hardie and Lee 2005, Marketing Science 24(2))."""
    n_customers = dropout.shape[0]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for i in range(start, stop):
            a = shapes[segment[i], 0]
            if a <= 0.0:
                dropout[i] = 0.0
                continue
            ckey = customer_key(key, i)
            g_a, index = gamma(ckey, 0, a, 1.0)
            g_b, _ = gamma(ckey, index, shapes[segment[i], 1], 1.0)
            dropout[i] = g_a / max(g_a + g_b, TASTE_FLOOR)


@parallel_kernel
def draw_service_intensity(key, segment, means, spreads, service_intensity):
    """Each customer's cost to serve relative to the standard: the segment mean times a
    mean-one log-normal factor ``exp(sigma z - sigma^2 / 2)`` (exactly the mean where the
    spread is 0). Customers' cost to serve varies widely, which is what makes some of them
    unprofitable (Niraj, Gupta and Narasimhan 2001; Shah, Kumar, Qu and Chen 2012). Own
    stream, one draw per customer."""
    n_customers = service_intensity.shape[0]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for i in range(start, stop):
            s = segment[i]
            sigma = spreads[s]
            if sigma == 0.0:
                service_intensity[i] = means[s]
                continue
            z = normal(draw_bits(customer_key(key, i), 0))
            service_intensity[i] = means[s] * math.exp(sigma * z - 0.5 * sigma * sigma)
