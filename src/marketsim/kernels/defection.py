"""Step 8, defection: customers leave when dissatisfaction and rivals' pull beat threshold
plus ties."""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from marketsim.kernels.common import (
    chunk_range,
    customer_weights,
    leave_firm,
    offer_value,
    personal_benefit,
    switching_cost,
)
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import (
    DEFECTION_NOISE,
    DELIGHT_THRESHOLD,
    DELIGHT_WEIGHT,
    FIRST_TIME,
    PERSONAL_BONDED,
    REGULAR,
    TIE_FINANCIAL,
    TIE_SOCIAL,
    TIE_STRUCTURAL,
)
from marketsim.kernels.rng import customer_key, draw_bits, uniform


@inline_helper
def defection_customer(i, n_firms, n_categories, chunk, defection_key, firm, price, sells,
                       reference_price, segment_params, behaviour, segment, weights,
                       price_sensitivity, purchase_rate, switching_threshold, lapse_periods,
                       aware, status, expectation, taste,
                       satisfaction, tie_financial, tie_social, tie_structural, tenure, recency,
                       counts, offer_values):
    """Defect from ``f`` when
    ``max(0, V_best rival - V_f) - S_f > threshold_i + switching_cost_if``, where ``V_f`` is the
    perceived value of ``f``'s offer (weighted over its categories by the customer's purchase
    rates) plus the customer's brand taste for ``f`` (0 without one): a customer's favourite
    brand is also the one it is least likely to leave, the attitudinal side of loyalty (Dick
    and Basu 1994, JAMS 22(2)).

    The two routes of MODEL.md step 8 in one inequality: with no better rival it reads
    "dissatisfaction beats threshold plus switching cost"; for a neutral customer it reads "a
    competitor's value beats the current one by more than that". Because satisfaction offsets a
    rival's advantage, only very satisfied customers stay when rivals are strong, while in a
    captive market (few rivals, high switching cost) even dissatisfied ones stay: the
    satisfaction-loyalty curves of Jones and Sasser (1995, "Why satisfied customers defect",
    HBR 73(6)).

    With ``delight_weight`` (``kappa_2``) the satisfaction that offsets the pull is
    ``C(S) = S + kappa_2 max(0, S - S_delight)``: past delight each unit of satisfaction holds
    the customer more (Oliver, Rust and Varki 1997, delight; Mittal and Kamakura 2001, JMR
    38(1), increasing returns of satisfaction in repurchase). With ``defection_noise``
    (``tau > 0``) the rule becomes a hazard: the customer leaves with probability
    ``1 / (1 + exp(-z / tau))``, ``z = pressure - barrier`` (a logistic duration hazard, as
    in Bolton 1998, Marketing Science 17(1)), one draw per pair from its own stream; ``tau =
    0`` is the deterministic rule ``z > 0``.

    A customer who has not bought from ``f`` for more than ``lapse_periods`` periods lapses:
    in a non-contractual market a customer is one who still buys (Schmittlein, Morrison and
    Colombo 1987, "Counting your customers", Management Science 33(1)); it stays aware of ``f``.

    A defector or lapsed customer forfeits its points and loses its social and structural ties
    and tenure; a defector also takes ``f`` out of its consideration set
    (``aware = 0``) until advertising or praise brings it back.
    ``counts[chunk, f]`` receives [defections (lapses included), defections of customers
    held at the start of the period (tenure >= 2), lapses].
    """
    customer_of_any = False
    for f in range(n_firms):
        if status[i, f] == FIRST_TIME or status[i, f] == REGULAR:
            customer_of_any = True
    if not customer_of_any:
        return
    w0, w1, w2, w3, w4, w5, w6, w7 = customer_weights(weights, i)
    sensitivity = np.float64(price_sensitivity[i])
    bonded = behaviour[PERSONAL_BONDED] != 0.0
    for f in range(n_firms):  # rivals: the consideration set at the start of the step
        if aware[i, f] == 0:
            offer_values[f] = -np.inf
            continue
        personal = personal_benefit(i, f, bonded, firm, tie_social)
        offer = offer_value(i, f, n_categories, w0, w1, w2, w3, w4, w5, w6, w7, sensitivity,
                            np.float64(expectation[i, f]), personal, firm, price, sells,
                            reference_price, purchase_rate)
        offer_values[f] = offer + np.float64(taste[i, f])  # the customer's brand taste
    # best and second-best value in the consideration set: the best rival of f is the best
    # firm unless that is f itself (same result as comparing every pair, in O(F))
    best = -1
    best_value = -np.inf
    second_value = -np.inf
    for g in range(n_firms):
        if offer_values[g] > best_value:
            second_value = best_value
            best_value = offer_values[g]
            best = g
        elif offer_values[g] > second_value:
            second_value = offer_values[g]
    s = segment[i]
    barrier_base = np.float64(switching_threshold[i])
    noise = behaviour[DEFECTION_NOISE]
    delight = behaviour[DELIGHT_THRESHOLD]
    delight_weight = behaviour[DELIGHT_WEIGHT]
    key_i = customer_key(defection_key, i)
    for f in range(n_firms):
        if status[i, f] != FIRST_TIME and status[i, f] != REGULAR:
            continue
        own = offer_values[f]  # a current customer is always aware of its firm
        rival = second_value if best == f else best_value
        advantage = rival - own if rival - own > 0.0 else 0.0
        held = np.float64(satisfaction[i, f])
        if delight_weight != 0.0 and held > delight:
            held = held + delight_weight * (held - delight)
        pressure = advantage - held
        barrier = barrier_base + switching_cost(
            segment_params[s, TIE_FINANCIAL], segment_params[s, TIE_SOCIAL],
            segment_params[s, TIE_STRUCTURAL], np.float64(tie_financial[i, f]),
            np.float64(tie_social[i, f]), np.float64(tie_structural[i, f]))
        lapsed = recency[i, f] > lapse_periods
        if noise > 0.0:
            leaves = uniform(draw_bits(key_i, f)) * (1.0 + math.exp(
                min((barrier - pressure) / noise, 700.0))) < 1.0
        else:
            leaves = pressure > barrier
        if lapsed or leaves:
            counts[chunk, f, 0] += 1
            if tenure[i, f] >= 2:
                counts[chunk, f, 1] += 1
            if lapsed:
                counts[chunk, f, 2] += 1
            else:
                aware[i, f] = 0
            leave_firm(i, f, status, tie_financial, tie_social, tie_structural, tenure)


@parallel_kernel
def decide_defection(defection_key, firm, price, sells, reference_price, segment_params, behaviour,
                     segment, weights, price_sensitivity, purchase_rate, switching_threshold,
                     lapse_periods, aware, status, expectation, taste, satisfaction, tie_financial,
                     tie_social, tie_structural, tenure, recency, counts):
    """Step 8 for every customer; ``counts`` (N_CHUNKS, F, 3) int64."""
    n_customers, n_firms = aware.shape
    n_categories = price.shape[1]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        value = np.empty(n_firms)
        for f in range(n_firms):
            for q in range(3):
                counts[chunk, f, q] = 0
        for i in range(start, stop):
            defection_customer(i, n_firms, n_categories, chunk, defection_key, firm, price,
                               sells, reference_price, segment_params, behaviour, segment,
                               weights, price_sensitivity, purchase_rate, switching_threshold,
                               lapse_periods, aware, status, expectation,
                               taste, satisfaction, tie_financial, tie_social, tie_structural,
                               tenure, recency, counts, value)
