"""Step 9, word of mouth: each customer forms what it will tell its neighbours next period."""

from __future__ import annotations

from numba import prange

from marketsim.kernels.common import chunk_range
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import COMPLAINT_THRESHOLD, PRAISE_THRESHOLD


@inline_helper
def report_customer(i, price, praise, complaint, units, satisfaction, performance, wom_firm,
                    wom_performance):
    """Customer ``i`` talks about the firm it spent most with this period (lowest index on ties).

    Satisfaction at or above ``praise_threshold`` gives praise (code ``f``), at or below
    ``-complaint_threshold`` a complaint (code ``F + f``), anything between silence (-1); a
    customer who bought nothing is silent. The report carries the performance experienced.
    Neighbours hear it next period (:func:`marketsim.kernels.hearing.gather_reports`);
    satisfied customers recommend and dissatisfied ones complain (Anderson 1998, JSR 1(1);
    Brown, Barry, Dacin and Gunst 2005, JAMS 33(2)).
    """
    n_categories, n_firms = units.shape[1], units.shape[2]
    best = -1
    best_spend = 0.0
    for f in range(n_firms):
        spend = 0.0
        for c in range(n_categories):
            spend += units[i, c, f] * price[f, c]
        if spend > best_spend:
            best_spend = spend
            best = f
    code = -1
    if best >= 0:
        feeling = satisfaction[i, best]
        if feeling >= praise:
            code = best
        elif feeling <= -complaint:
            code = n_firms + best
    wom_firm[i] = code
    if code >= 0:
        wom_performance[i] = performance[i, best]


@parallel_kernel
def form_reports(price, behaviour, units, satisfaction, performance, wom_firm, wom_performance):
    """Step 9 for every customer. Must run after every step that reads last period's reports."""
    praise = behaviour[PRAISE_THRESHOLD]
    complaint = behaviour[COMPLAINT_THRESHOLD]
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(units.shape[0], chunk)
        for i in range(start, stop):
            report_customer(i, price, praise, complaint, units, satisfaction, performance,
                            wom_firm, wom_performance)
