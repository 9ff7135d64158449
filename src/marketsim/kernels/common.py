"""Small helpers inlined into the period kernels: chunking, leaving a firm,
perceived value, switching cost.

The per-customer helpers of every step (``*_customer``, ``gather_reports``, ``tally_basket``)
take the number of firms ``n_firms`` (and of categories, ``n_categories``) as arguments rather
than reading them from an array's shape, so that the fused kernel
(:mod:`marketsim.kernels.period`) can pass compile-time constants.
"""

from __future__ import annotations

import numpy as np

from marketsim.kernels.jit import N_CHUNKS, inline_helper, serial_kernel
from marketsim.kernels.layout import (
    CONVENIENCE,
    EX_CUSTOMER,
    FIRST_TIME,
    IMAGE,
    PERSONAL_SERVICE,
    REGULAR,
    SERVICE,
    TRUST,
)


@inline_helper
def chunk_range(n_customers, chunk):
    """Customers ``[start, stop)`` of chunk ``chunk`` out of :data:`N_CHUNKS` (fixed count)."""
    size = (n_customers + N_CHUNKS - 1) // N_CHUNKS
    start = min(chunk * size, n_customers)
    stop = min(start + size, n_customers)
    return start, stop


@inline_helper
def customer_weights(weights, i):
    """Customer ``i``'s eight importance weights as float64: product, services, personal, image
    (benefits), then monetary, time, energy, psychic (costs)."""
    return (np.float64(weights[i, 0]), np.float64(weights[i, 1]), np.float64(weights[i, 2]),
            np.float64(weights[i, 3]), np.float64(weights[i, 4]), np.float64(weights[i, 5]),
            np.float64(weights[i, 6]), np.float64(weights[i, 7]))


@inline_helper
def is_current(status_code):
    """True for a current customer of a firm (first-time or regular).

    Written with ``|``, not ``or``, so that it compiles to arithmetic rather than a branch: the
    period kernels test it for every customer-firm pair, where about half the answers are
    yes, and mispredicted branches were a large cost of the fused period (measured with
    cachegrind's branch simulator, see docs/performance.md).
    """
    return (status_code == FIRST_TIME) | (status_code == REGULAR)


@inline_helper
def mask(condition):
    """1.0 where ``condition`` holds, else 0.0: a term times its mask is added without a branch.

    Adding ``term * mask`` to a sum that starts at +0.0 gives exactly the sum of the terms whose
    condition holds, for finite terms (``x + (+-0.0) == x`` for every ``x`` except -0.0, and
    such a sum is never -0.0), so branch-free code stays bit-identical to the reference. The
    period's per-pair conditions (current customer, aware, bought) are true for about half the
    pairs, and the branches they compiled to were mispredicted about a third of the time, a
    large cost of the fused period (docs/performance.md). LLVM turns several conditional
    expressions on one condition back into a single branch; it keeps a multiplication. (On
    x86 without AVX-512 the 0/1 conversion itself becomes a short branch; with AVX-512, as on
    the project's machines, it is a masked move.)
    """
    return np.float64(condition)


@inline_helper
def select(condition, chosen, otherwise):
    """``chosen`` where ``condition`` holds, else ``otherwise``, for finite floats, without a
    branch: ``chosen * m + otherwise * (1 - m)`` with ``m`` = :func:`mask` (exact, up to the
    sign of a zero)."""
    m = np.float64(condition)
    return chosen * m + otherwise * (1.0 - m)


@inline_helper
def leave_firm(i, f, status, tie_financial, tie_social, tie_structural, tenure):
    """Customer ``i`` becomes an ex-customer of ``f`` (by defection, a decider's veto or the
    firm's termination): points are forfeited, the social bond and the structural tie are
    broken, and tenure starts again (the financial, relational and procedural switching costs
    of Burnham, Frels and Mahajan 2003 are lost on leaving)."""
    status[i, f] = EX_CUSTOMER
    tie_financial[i, f] = 0.0
    tie_social[i, f] = 0.0
    tie_structural[i, f] = 0.0
    tenure[i, f] = 0


@serial_kernel
def perceived_value(w_product, w_services, w_personal, w_image, w_monetary, w_time, w_energy,
                    w_psychic, price_sensitivity, expectation, service, personal_service, image,
                    convenience, trust, price, reference_price):
    """Customer perceived value of one firm's offer in one category (all arguments float64).

    ``CPV = sum_k w_k benefit_k - sum_k v_k cost_k`` (Kotler and Keller, *Marketing Management*,
    ch. 5: total customer benefit minus total customer cost; seed 001). Benefits: product (the
    customer's expectation of delivered performance), services, personal (the firm's personal
    service) and image. Costs: monetary (price over the category's reference price, times the
    customer's price sensitivity), time and energy (``1 - convenience``), psychic
    (``1 - trust``). Terms are added in this fixed order so that the reference implementation
    reproduces the value bit for bit. Scalars only, so the compiler inlines it into the
    kernels.
    """
    benefit = w_product * expectation
    benefit += w_services * service
    benefit += w_personal * personal_service
    benefit += w_image * image
    cost = w_monetary * price_sensitivity * (price / reference_price)
    cost += w_time * (1.0 - convenience)
    cost += w_energy * (1.0 - convenience)
    cost += w_psychic * (1.0 - trust)
    return benefit - cost


@serial_kernel
def switching_cost(response_financial, response_social, response_structural, tie_financial,
                   tie_social, tie_structural):
    """Switching cost as the weighted sum of the three ties.

    Financial, relational (social) and procedural/structural switching costs after Burnham,
    Frels and Mahajan (2003), "Consumer switching costs", JAMS 31(2); the weights are the
    segment's ``tie_response``.
    """
    cost = response_financial * tie_financial
    cost += response_social * tie_social
    cost += response_structural * tie_structural
    return cost


@inline_helper
def personal_benefit(i, f, bonded, firm, tie_social):
    """The personal benefit firm ``f`` offers customer ``i`` in perceived value: its personal
    service, or with ``bonded`` (``behaviour.personal_benefit = "bonded"``) its personal service
    times the customer's social bond with it, a relational benefit tied to the provider
    (Gwinner, Gremler and Bitner 1998)."""
    personal = firm[f, PERSONAL_SERVICE]
    if bonded:
        personal = personal * np.float64(tie_social[i, f])
    return personal


@inline_helper
def offer_value(i, f, n_categories, w0, w1, w2, w3, w4, w5, w6, w7, sensitivity, quality,
                personal, firm, price, sells, reference_price, purchase_rate):
    """Customer ``i``'s perceived value of firm ``f``'s whole offer, for a product benefit of
    ``quality`` (its expectation, or what was delivered) and a personal benefit of
    ``personal``: :func:`perceived_value` over the categories ``f`` sells, weighted by the
    customer's purchase rates (equal weights if it buys none of them)."""
    total = 0.0
    weight = 0.0
    plain = 0.0
    n_sold = 0
    for c in range(n_categories):
        if sells[f, c] == 0:
            continue
        value = perceived_value(w0, w1, w2, w3, w4, w5, w6, w7, sensitivity, quality,
                                firm[f, SERVICE], personal, firm[f, IMAGE], firm[f, CONVENIENCE],
                                firm[f, TRUST], price[f, c], reference_price[c])
        rate = np.float64(purchase_rate[i, c])
        total += rate * value
        weight += rate
        plain += value
        n_sold += 1
    return total / weight if weight > 0.0 else plain / n_sold
