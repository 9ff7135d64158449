"""The transaction log: one row per customer, firm, category and period with a purchase.

What each customer bought this period, from the ``units`` array after accounting (step 10), so
that the log and the books agree: ``units`` are purchase occasions (the one definition of a
purchase occasion, docs/metrics.md) and ``revenue`` is what they brought, with spend per
occasion (:func:`marketsim.kernels.basket.spend_amounts`) and the tenure profile
(:mod:`marketsim.kernels.accounting`) where the scenario turns them on.
"""

from __future__ import annotations

import numpy as np

from marketsim.kernels import layout
from marketsim.kernels.basket import spend_amounts

COLUMNS = ["period", "customer_id", "firm", "category", "units", "revenue"]


def period_transactions(period: int, spend_key, behaviour: np.ndarray, population,
                        price: np.ndarray) -> tuple[np.ndarray, ...]:
    """This period's rows of the log, as arrays in the order of :data:`COLUMNS`."""
    customer, category, firm = np.nonzero(population.units)
    units = population.units[customer, category, firm]
    amount = units.astype(np.float64)
    shape = behaviour[layout.SPEND_SHAPE]
    if shape > 0.0:  # what the occasions bought (marketsim.kernels.basket.spend_factor)
        amount = spend_amounts(spend_key, shape, population.basket_size, customer, category,
                               firm, units)
    revenue = amount * price[firm, category]
    time_constant = behaviour[layout.TENURE_TIME_CONSTANT]
    if time_constant > 0.0:  # the tenure profile (marketsim.kernels.accounting.book_customer)
        tenure = population.tenure[customer, firm].astype(np.float64)
        revenue = revenue * (1.0 + behaviour[layout.TENURE_SPEND_GROWTH]
                             * (1.0 - np.exp(-tenure / time_constant)))
    return (np.full(customer.shape, period, np.int32), customer.astype(np.int64),
            firm.astype(np.int16), category.astype(np.int16), units.astype(np.int32), revenue)


def transactions_frame(periods: list[tuple[np.ndarray, ...]], firm_names: list[str],
                       categories: list[str]):
    """The log as a DataFrame, firms and categories as categoricals (no rows: empty columns)."""
    import pandas as pd

    if not periods:
        return pd.DataFrame({n: [] for n in COLUMNS})
    parts = [np.concatenate(arrays) for arrays in zip(*periods)]
    frame = pd.DataFrame(dict(zip(COLUMNS, parts)))
    frame["firm"] = pd.Categorical.from_codes(frame["firm"], firm_names)
    frame["category"] = pd.Categorical.from_codes(frame["category"], categories)
    return frame
