"""Hearing neighbours' reports: shared by awareness (step 2) and expectations (step 6)."""

from __future__ import annotations

import numpy as np

from marketsim.kernels.common import mask
from marketsim.kernels.jit import inline_helper
from marketsim.kernels.relationship import WOM_REACH_BANDS
from marketsim.kernels.rng import customer_key, draw_bits, uniform


@inline_helper
def gather_reports(i, n_firms, hearing_key, complaint_reach, indptr, neighbours, wom_firm,
                   wom_performance, wom_propensity, heard_praise, heard_sum, heard_count):
    """What customer ``i`` hears this period from last period's reports of its neighbours.

    Fills, per firm: ``heard_praise`` (1 if any praise was heard), ``heard_sum`` and
    ``heard_count`` (sum and number of the performances reported in praise and complaints
    heard). A report in a word-of-mouth reach band (``code >= 2 F``: a community or
    co-creation member, :func:`marketsim.kernels.relationship.amplify_reports`) reaches each
    neighbour with the band's multiple of the talker's propensity.
    """
    for f in range(n_firms):
        heard_praise[f] = 0
        heard_sum[f] = 0.0
        heard_count[f] = 0
    hear_key = customer_key(hearing_key, i)
    # Unsigned positions and neighbour ids: Numba adds a negative-index fix-up to every access
    # with a signed index that LLVM cannot prove non-negative.
    first = np.uint64(indptr[i])
    for position in range(first, np.uint64(indptr[i + 1])):
        slot = position - first
        j = np.uint32(neighbours[position])
        code = np.int64(wom_firm[j])
        # About two neighbours in three are silent, at random, so this test is mispredicted
        # often; skipping their draw and sums still pays (3% of the fused period at 1e6,
        # measured 2026-11-24 after the draws got cheaper; a branch-free version was faster
        # before). The draw is keyed on the slot, so skipping changes no other draw.
        if code < 0:
            continue
        propensity = np.float64(wom_propensity[j])
        if code >= 2 * n_firms:  # a reach band (rare, and only with relationship strategies)
            band = code // (2 * n_firms)
            code = code - band * 2 * n_firms
            propensity = propensity * WOM_REACH_BANDS[band]
        # Praise (code < F) reaches each neighbour with the talker's word-of-mouth propensity,
        # a complaint with complaint_reach times that, capped at 1: unhappy customers tell
        # about twice as many people as happy ones (TARP 1986, for the White House Office of
        # Consumer Affairs; Anderson 1998, "Customer satisfaction and word of mouth", JSR 1(1)).
        # Praise is capped at 1 too, which changes nothing: a uniform draw is below 1.
        praise = code < n_firms
        complaint = code >= n_firms
        chance = min(1.0, propensity * (complaint_reach * mask(complaint) + mask(praise)))
        # The draw is keyed on (period, listener, slot), so awareness and expectation updates
        # of one period agree on who heard what.
        hit = (chance > 0.0) & (uniform(draw_bits(hear_key, slot)) < chance)
        f = code - n_firms * complaint
        heard_praise[f] = np.uint8(heard_praise[f] | (hit & praise))
        heard_sum[f] += np.float64(wom_performance[j]) * mask(hit)
        heard_count[f] += hit
