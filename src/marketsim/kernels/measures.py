"""Step 11, metrics: per-firm sums over customers, from which the metrics table is built."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.common import chunk_range
from marketsim.layout import FIRST_TIME, REGULAR

# Columns of the measure totals.
M_SATISFACTION = 0          # sum over customers
M_SHARE_OF_CUSTOMER = 1     # sum over customers with window spend of their share
M_SOC_CUSTOMERS = 2         # customers with window spend > 0
M_WINDOW_SPEND = 3          # firm's window spend over its customers
M_CUSTOMER_WALLET = 4       # those customers' window spend over all firms
M_TIE_FINANCIAL = 5
M_TIE_SOCIAL = 6
M_TIE_STRUCTURAL = 7
M_TENURE = 8
M_AWARE = 9                 # customers with the firm in their consideration set
M_EXPECTATION = 10          # sum over aware customers
N_MEASURES = 11


@inline_helper
def measure_customer(i, chunk, status, aware, satisfaction, expectation, tie_financial,
                     tie_social, tie_structural, tenure, window_spend, totals):
    """Add customer ``i`` to the measures of each firm (``totals[chunk, f]``).

    Share of customer of ``i`` for ``f`` is ``W_if / sum_g W_ig`` over the exponentially
    weighted window spend ``W`` (Peppers and Rogers 1993, *The One to One Future*: share of
    customer; in panel terms, share of category requirements). The firm's mean is over its
    current customers with any window spend; the spend-weighted value is
    ``sum_i W_if / sum_i sum_g W_ig`` over the same customers.
    """
    n_firms = status.shape[1]
    wallet = 0.0
    for g in range(n_firms):
        wallet += np.float64(window_spend[i, g])
    for f in range(n_firms):
        if aware[i, f] == 1:
            totals[chunk, f, M_AWARE] += 1.0
            totals[chunk, f, M_EXPECTATION] += expectation[i, f]
        if status[i, f] != FIRST_TIME and status[i, f] != REGULAR:
            continue
        totals[chunk, f, M_SATISFACTION] += satisfaction[i, f]
        totals[chunk, f, M_TIE_FINANCIAL] += tie_financial[i, f]
        totals[chunk, f, M_TIE_SOCIAL] += tie_social[i, f]
        totals[chunk, f, M_TIE_STRUCTURAL] += tie_structural[i, f]
        totals[chunk, f, M_TENURE] += tenure[i, f]
        if wallet > 0.0:
            own = np.float64(window_spend[i, f])
            totals[chunk, f, M_SHARE_OF_CUSTOMER] += own / wallet
            totals[chunk, f, M_SOC_CUSTOMERS] += 1.0
            totals[chunk, f, M_WINDOW_SPEND] += own
            totals[chunk, f, M_CUSTOMER_WALLET] += wallet


@parallel_kernel
def measure(status, aware, satisfaction, expectation, tie_financial, tie_social, tie_structural,
            tenure, window_spend, totals):
    """Step 11 for every customer; ``totals`` (N_CHUNKS, F, N_MEASURES) float64."""
    n_customers, n_firms = status.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        for f in range(n_firms):
            for m in range(N_MEASURES):
                totals[chunk, f, m] = 0.0
        for i in range(start, stop):
            measure_customer(i, chunk, status, aware, satisfaction, expectation, tie_financial,
                             tie_social, tie_structural, tenure, window_spend, totals)
