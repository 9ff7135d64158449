"""Firm-side targeting: the per-customer mask a firm writes once per period, before customers act.

One-to-one marketing's "identify" and "differentiate" steps (Peppers and Rogers 1993; seeds 001
and 004): the firm predicts each current customer's lifetime value from its own records and
sorts customers into tiers; with a termination policy it marks customers whose predicted value
is negative. The mask is read by the period kernels (:mod:`marketsim.kernels.relationship`).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS, parallel_kernel
from marketsim.kernels.layout import FIRST_TIME, REGULAR
from marketsim.kernels.relationship import TARGET_LOW, TARGET_TERMINATED, TARGET_TOP


def mean_margin(results: dict) -> float:
    """A firm's margin per customer-period from its row of last period's metrics: revenue less
    cost of goods, rewards and cost to serve, plus fees, over the customers it held (0 before
    the first period or without customers)."""
    customers = results.get("customers", 0.0)
    if not customers or customers != customers:  # none yet, or NaN
        return 0.0
    margin = (results["revenue"] - results["cost_of_goods"] - results["reward_cost"]
              - results["cost_to_serve"] + results["fees"])
    return float(margin / customers)


def clv_factor(retention: float, discount_rate: float) -> float:
    """Lifetime value of one unit of margin per period: ``(1 + d) / (1 + d - r)``.

    Gupta and Lehmann (2003, "Customers as assets", Journal of Interactive Marketing 17(1)):
    ``CLV = m (1 + d) / (1 + d - r)`` for a constant margin ``m``, retention ``r`` and discount
    rate ``d`` per period, the margin of the current period included. The retention rate is
    capped at 0.99.
    """
    r = min(max(retention, 0.0), 0.99)
    return (1.0 + discount_rate) / (1.0 + discount_rate - r)


@parallel_kernel
def score_customers(f, factor, mean_margin, shrinkage, assessment_periods, terminate, use_top,
                    top_clv, use_low, low_clv, termination_periods, status, tenure, recency,
                    cumulative_margin, targeting):
    """Write firm ``f``'s column of ``targeting`` (N, F) uint8.

    A customer stays marked as terminated until ``termination_periods`` periods have passed since
    its last purchase. A current customer with at least ``assessment_periods`` of tenure gets a
    predicted lifetime value ``clv = factor * (cumulative_margin + k * mean_margin) / (tenure +
    k)``: its margin per period so far, shrunk toward the firm's mean margin per customer-period
    with the weight of ``k = shrinkage`` periods (credibility, or empirical Bayes, shrinkage: a few
    periods of Poisson luck do not pass for a customer's value; with ``k = 0`` the customer's own
    average), times :func:`clv_factor`: marked terminated if ``clv < 0`` and the firm terminates,
    else top tier if ``clv >= top_clv``, low tier if ``clv < low_clv``. Everyone else is unmarked.
    """
    n_customers = status.shape[0]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for i in range(start, stop):
            mark = 0
            current = status[i, f] == FIRST_TIME or status[i, f] == REGULAR
            if targeting[i, f] & TARGET_TERMINATED != 0 and not current:
                if recency[i, f] < termination_periods:
                    mark = TARGET_TERMINATED
            elif current and tenure[i, f] >= assessment_periods:
                clv = factor * ((np.float64(cumulative_margin[i, f]) + shrinkage * mean_margin)
                                / (np.float64(tenure[i, f]) + shrinkage))
                if terminate and clv < 0.0:
                    mark = TARGET_TERMINATED
                elif use_top and clv >= top_clv:
                    mark = TARGET_TOP
                elif use_low and clv < low_clv:
                    mark = TARGET_LOW
            targeting[i, f] = mark
