"""Hearing neighbours' reports: shared by awareness (step 2) and expectations (step 6)."""

from __future__ import annotations

import numpy as np

from marketsim.jit import inline_helper
from marketsim.kernels.relationship import WOM_REACH_BANDS
from marketsim.rng import customer_key, draw_bits, uniform


@inline_helper
def heard(hear_key, slot, code, n_firms, propensity, complaint_reach):
    """True when the listener hears the report ``code`` of its neighbour in position ``slot``.

    Praise (``code < F``) reaches each neighbour with the talker's word-of-mouth propensity;
    a complaint (``code >= F``) with ``complaint_reach`` times that (capped at 1): unhappy
    customers tell about twice as many people as happy ones (TARP 1986, for the White House
    Office of Consumer Affairs; Anderson 1998, "Customer satisfaction and word of mouth", JSR
    1(1)). The draw is keyed on (period, listener, slot), so awareness and expectation
    updates of one period agree on who heard what.
    """
    chance = propensity if code < n_firms else min(1.0, propensity * complaint_reach)
    if chance <= 0.0:
        return False
    return uniform(draw_bits(hear_key, slot)) < chance


@inline_helper
def gather_reports(i, hearing_key, complaint_reach, indptr, neighbours, wom_firm,
                   wom_performance, wom_propensity, heard_praise, heard_sum, heard_count):
    """What customer ``i`` hears this period from last period's reports of its neighbours.

    Fills, per firm: ``heard_praise`` (1 if any praise was heard), ``heard_sum`` and
    ``heard_count`` (sum and number of the performances reported in praise and complaints
    heard). A report in a word-of-mouth reach band (``code >= 2 F``: a community or
    co-creation member, :func:`marketsim.kernels.relationship.amplify_reports`) reaches each
    neighbour with the band's multiple of the talker's propensity.
    """
    n_firms = heard_sum.shape[0]
    for f in range(n_firms):
        heard_praise[f] = 0
        heard_sum[f] = 0.0
        heard_count[f] = 0
    hear_key = customer_key(hearing_key, i)
    first = indptr[i]
    for slot in range(indptr[i + 1] - first):
        j = neighbours[first + slot]
        code = wom_firm[j]
        if code < 0:
            continue
        propensity = np.float64(wom_propensity[j])
        if code >= 2 * n_firms:
            band = code // (2 * n_firms)
            code = code - band * 2 * n_firms
            propensity = propensity * WOM_REACH_BANDS[band]
        if heard(hear_key, slot, code, n_firms, propensity, complaint_reach):
            if code < n_firms:
                heard_praise[code] = 1
                f = code
            else:
                f = code - n_firms
            heard_sum[f] += wom_performance[j]
            heard_count[f] += 1
