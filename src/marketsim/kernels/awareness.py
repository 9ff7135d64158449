"""Step 2, awareness: advertising reach and positive word of mouth put firms in the consideration set."""

from __future__ import annotations

from numba import prange

from marketsim.jit import N_CHUNKS, parallel_kernel
from marketsim.kernels.common import chunk_range
from marketsim.kernels.hearing import heard
from marketsim.layout import REACH
from marketsim.rng import customer_key, draw_bits, uniform


@parallel_kernel
def update_awareness(advertising_key, hearing_key, firm, complaint_reach,
                     indptr, neighbours, wom_firm, wom_propensity, aware):
    """Make customers aware of firms (membership of their consideration set).

    Advertising: an unaware customer becomes aware of firm ``f`` with probability
    ``reach_f = 1 - exp(-budget_f / reach_cost_f)``, the negative-exponential reach curve with
    diminishing returns to spend (Simon and Arndt 1980, "The shape of the advertising response
    function", JAR 20(4)). Word of mouth: a neighbour's praise of ``f`` that the customer hears
    (see :func:`marketsim.kernels.hearing.heard`) makes the customer aware of ``f`` (Bass 1969:
    imitation next to innovation). Complaints inform expectations but never create awareness.

    Parameters
    ----------
    firm : (F, N_FIRM_PARAMS) float64, column ``REACH`` holds this period's reach.
    wom_firm : (N,) int8, last period's reports; aware : (N, F) uint8, updated in place.
    """
    n_customers, n_firms = aware.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for i in range(start, stop):
            ad_key = customer_key(advertising_key, i)
            unaware = 0
            for f in range(n_firms):
                if aware[i, f] == 0:
                    if firm[f, REACH] > 0.0 and uniform(draw_bits(ad_key, f)) < firm[f, REACH]:
                        aware[i, f] = 1
                    else:
                        unaware += 1
            if unaware == 0:
                continue  # nothing left to hear about
            hear_key = customer_key(hearing_key, i)
            first = indptr[i]
            for slot in range(indptr[i + 1] - first):
                j = neighbours[first + slot]
                code = wom_firm[j]
                if 0 <= code < n_firms and aware[i, code] == 0:
                    if heard(hear_key, slot, code, n_firms, wom_propensity[j], complaint_reach):
                        aware[i, code] = 1
