"""Step 2, awareness: advertising reach and positive word of mouth put firms in the
consideration set; without exposure, non-customers forget them."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.common import chunk_range, is_current
from marketsim.kernels.hearing import gather_reports
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import IMITATION_HAZARD, REACH
from marketsim.kernels.rng import customer_key, draw_bits, uniform


@inline_helper
def become_aware(i, n_firms, advertising_key, forgetting_key, awareness_decay, trial, firm,
                 heard_praise, heard_count, status, aware):
    """Make customer ``i`` aware of firms (membership of its consideration set).

    Advertising: an unaware customer becomes aware of firm ``f`` with probability
    ``reach_f = 1 - exp(-budget_f / reach_cost_f)``, the negative-exponential reach curve with
    diminishing returns to spend (Simon and Arndt 1980, "The shape of the advertising response
    function", JAR 20(4)). Word of mouth: praise of ``f`` heard from a neighbour
    (``heard_praise``, see :func:`marketsim.kernels.hearing.gather_reports`) makes the customer
    aware of ``f`` (Bass 1969: imitation next to innovation). Complaints inform expectations but
    never create awareness.

    Forgetting (``awareness_decay`` ``delta > 0``): a customer aware of ``f`` but not its
    customer, whom neither ``f``'s advertising (global word of mouth, drawn with it, included)
    nor any report about ``f`` reached this period, drops ``f`` from its consideration set
    with probability ``delta`` (one draw per pair, its own stream), before this period's
    exposures count. Awareness then follows the
    Nerlove-Arrow goodwill recursion ``A' = A + r (1 - A) - delta A (1 - r)`` among
    non-customers, steady at about ``r / (r + delta)`` (Nerlove and Arrow 1962; Dodson and
    Muller 1978 add forgetting to diffusion).

    Global word of mouth (``imitation`` q > 0): the firm's ``IMITATION_HAZARD`` column holds
    ``q A_f / N`` (``A_f`` its customers at the start of the period), added to the reach, so
    an unaware customer becomes aware with probability ``p + q A_f / N``, the discrete Bass
    hazard (Bass 1969). With ``trial`` (``trial_on_awareness``) a pair that becomes aware is
    marked ``aware = 2``: the purchase step books it one unit (a trial) and sets it to 1.
    """
    ad_key = customer_key(advertising_key, i)
    for f in range(n_firms):
        # Branch-free (see marketsim.kernels.common.mask): the draw is made for every firm,
        # and used only where the customer was unaware, as the reference does.
        reach = firm[f, REACH] + firm[f, IMITATION_HAZARD]
        advertised = (reach > 0.0) & (uniform(draw_bits(ad_key, f)) < reach)
        was_aware = aware[i, f] == 1
        known = was_aware
        if awareness_decay > 0.0 and known and not advertised and heard_count[f] == 0:
            if not is_current(status[i, f]):
                known = uniform(draw_bits(customer_key(forgetting_key, i), f)) >= awareness_decay
        now = known | advertised | (heard_praise[f] == 1)
        if trial and now and not was_aware:
            aware[i, f] = 2  # a trial, booked by the purchase step
        else:
            aware[i, f] = np.uint8(now)


@parallel_kernel
def update_awareness(advertising_key, hearing_key, forgetting_key, awareness_decay, trial, firm,
                     complaint_reach, indptr, neighbours, wom_firm, wom_performance,
                     wom_propensity, status, aware):
    """Step 2 for every customer (``aware`` (N, F) uint8 updated in place)."""
    n_customers, n_firms = aware.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        heard_praise = np.empty(n_firms, np.uint8)
        heard_sum = np.empty(n_firms)
        heard_count = np.empty(n_firms, np.int64)
        for i in range(start, stop):
            gather_reports(i, n_firms, hearing_key, complaint_reach, indptr, neighbours, wom_firm,
                           wom_performance, wom_propensity, heard_praise, heard_sum, heard_count)
            become_aware(i, n_firms, advertising_key, forgetting_key, awareness_decay, trial,
                         firm, heard_praise, heard_count, status, aware)
