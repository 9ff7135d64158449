"""Step 11, metrics: per-firm sums over customers, from which the metrics table is built."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.common import chunk_range, is_current, mask
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel

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
def measure_customer(i, n_firms, chunk, status, aware, satisfaction, expectation, tie_financial,
                     tie_social, tie_structural, tenure, window_spend, totals):
    """Add customer ``i`` to the measures of each firm (``totals[chunk, f]``).

    Share of customer of ``i`` for ``f`` is ``W_if / sum_g W_ig`` over the exponentially
    weighted window spend ``W`` (Peppers and Rogers 1993, *The One to One Future*: share of
    customer; in panel terms, share of category requirements). The firm's mean is over its
    current customers with any window spend; the spend-weighted value is
    ``sum_i W_if / sum_i sum_g W_ig`` over the same customers.
    """
    wallet = 0.0
    for g in range(n_firms):
        wallet += np.float64(window_spend[i, g])
    for f in range(n_firms):
        # Branch-free (see marketsim.kernels.common.mask): each pair's values times the mask
        # of whether it counts.
        known = mask(aware[i, f] == 1)
        totals[chunk, f, M_AWARE] += known
        totals[chunk, f, M_EXPECTATION] += np.float64(expectation[i, f]) * known
        current = is_current(status[i, f])
        held = mask(current)
        totals[chunk, f, M_SATISFACTION] += np.float64(satisfaction[i, f]) * held
        totals[chunk, f, M_TIE_FINANCIAL] += np.float64(tie_financial[i, f]) * held
        totals[chunk, f, M_TIE_SOCIAL] += np.float64(tie_social[i, f]) * held
        totals[chunk, f, M_TIE_STRUCTURAL] += np.float64(tie_structural[i, f]) * held
        totals[chunk, f, M_TENURE] += np.float64(tenure[i, f]) * held
        spender = mask(current & (wallet > 0.0))
        own = np.float64(window_spend[i, f])
        share = own / max(wallet, 1e-300)  # any finite value where the wallet is empty
        totals[chunk, f, M_SHARE_OF_CUSTOMER] += share * spender
        totals[chunk, f, M_SOC_CUSTOMERS] += spender
        totals[chunk, f, M_WINDOW_SPEND] += own * spender
        totals[chunk, f, M_CUSTOMER_WALLET] += wallet * spender


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
            measure_customer(i, n_firms, chunk, status, aware, satisfaction, expectation,
                             tie_financial, tie_social, tie_structural, tenure, window_spend,
                             totals)
