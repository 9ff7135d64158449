"""Step 7, ties: points accrue and expire, social bonds grow with touch points, structure
with tenure."""

from __future__ import annotations

import numpy as np
from numba import prange

from marketsim.kernels.basket import B_RELATIVE_SPEND, N_BASKET, tally_basket
from marketsim.kernels.common import chunk_range, is_current, select
from marketsim.kernels.jit import N_CHUNKS, inline_helper, parallel_kernel
from marketsim.kernels.layout import (
    PERSONAL_SERVICE,
    POINTS_EXPIRY,
    REWARD_RATE,
    SOCIAL_DECAY,
    SOCIAL_GROWTH,
    STRUCTURAL_DECAY,
    STRUCTURAL_GROWTH,
    STRUCTURAL_INVESTMENT,
)


@inline_helper
def ties_customer(i, n_firms, firm, social_growth, social_decay, structural_growth,
                  structural_decay, basket, status, tie_financial, tie_social, tie_structural,
                  tenure):
    """Update the three ties of every current customer (first-time or regular) and its tenure.

    The three levels of relationship marketing (Berry and Parasuraman 1991, *Marketing
    Services*; Berry 1995, JAMS 23(4)):

    * financial: ``T_fin <- (1 - expiry) T_fin + reward_rate * spend / reference_price``, points
      valued in reference-price units; expiring, and forfeited on defection;
    * social: ``T_soc <- T_soc + g_soc p (1 - T_soc) - d_soc (1 - p) T_soc`` with ``p`` the
      firm's personal-service intensity: grows with touch points, decays without them;
    * structural: ``T_str <- T_str + g_str x (1 - T_str) - d_str (1 - x) T_str`` with ``x`` the
      firm's structural investment: builds up period after period of tenure and decays slowest
      (``d_str`` smallest).

    Tenure counts periods as a customer (saturating at 65535).
    """
    for f in range(n_firms):
        # Branch-free (see is_current and select): every pair's new ties are computed, and a
        # pair that is not a current customer keeps its old values.
        current = is_current(status[i, f])
        spend = basket[f, B_RELATIVE_SPEND]  # sum_c units * price / reference_price
        points = np.float64(tie_financial[i, f])
        earned = (1.0 - firm[f, POINTS_EXPIRY]) * points + firm[f, REWARD_RATE] * spend
        touch = firm[f, PERSONAL_SERVICE]
        bond = np.float64(tie_social[i, f])
        bonded = (bond + social_growth * touch * (1.0 - bond)
                  - social_decay * (1.0 - touch) * bond)
        invest = firm[f, STRUCTURAL_INVESTMENT]
        structure = np.float64(tie_structural[i, f])
        built = (structure + structural_growth * invest * (1.0 - structure)
                 - structural_decay * (1.0 - invest) * structure)
        tie_financial[i, f] = select(current, earned, points)
        tie_social[i, f] = select(current, bonded, bond)
        tie_structural[i, f] = select(current, built, structure)
        periods = tenure[i, f]
        tenure[i, f] = periods + (current & (periods < 65535))


@parallel_kernel
def update_ties(firm, price, unit_cost, quality, reference_price, spend_key, spend_shape,
                basket_size, behaviour, units, status, tie_financial, tie_social, tie_structural,
                tenure):
    """Step 7 for every customer."""
    social_growth = behaviour[SOCIAL_GROWTH]
    social_decay = behaviour[SOCIAL_DECAY]
    structural_growth = behaviour[STRUCTURAL_GROWTH]
    structural_decay = behaviour[STRUCTURAL_DECAY]
    n_customers, n_categories, n_firms = units.shape
    for chunk in prange(N_CHUNKS):
        start, stop = chunk_range(n_customers, chunk)
        basket = np.empty((n_firms, N_BASKET))
        for i in range(start, stop):
            tally_basket(i, n_firms, n_categories, price, unit_cost, quality, reference_price,
                         spend_key, spend_shape, basket_size, units, basket)
            ties_customer(i, n_firms, firm, social_growth, social_decay, structural_growth,
                          structural_decay, basket, status, tie_financial, tie_social,
                          tie_structural, tenure)
