"""No silent wrong numbers: what a period ends with is checked before anyone reads it.

Each period the engine checks, in Python and on the small per-firm arrays it already has (never
a new pass over the customers):

* :func:`check_levers`, before the customers move: every firm's price, quality and unit cost of
  what it sells, its other levers and its acquisition spend are finite and the prices are not
  negative (a strategy, or a ``decisions`` dictionary, may have set them);
* :func:`check_period`, at the period's end: every per-firm total the kernels produced (units,
  revenue, costs, customers, satisfaction, expectation, ties, spend, ...) is finite, revenue is
  not negative and the share-of-customer sum is between 0 and the number of customers it is
  over (so every share of customer is in [0, 1]).

Either stops the run with a :class:`~marketsim.errors.SimulationError` naming the period, the
firm and the quantity, instead of NaN or infinite numbers reaching the tables, the strategies
or the summary.
"""

from __future__ import annotations

import numpy as np

from marketsim.errors import SimulationError
from marketsim.kernels import layout
from marketsim.measures.metrics import RAW, RAW_INDEX

#: Names of the firm-parameter columns (marketsim.kernels.layout), for messages.
_PARAMS = {getattr(layout, name): name.lower() for name in (
    "SERVICE", "IMAGE", "CONVENIENCE", "TRUST", "PROMISE", "REACH", "REWARD_RATE",
    "POINTS_EXPIRY", "PERSONAL_SERVICE", "PERSONAL_SERVICE_COST", "STRUCTURAL_INVESTMENT",
    "STRUCTURAL_COST", "IMITATION_HAZARD")}
_REVENUE = RAW_INDEX["revenue"]
_SOC_SUM, _SOC_CUSTOMERS = RAW_INDEX["share_of_customer_sum"], RAW_INDEX["soc_customers"]


def _when(period: int) -> str:
    return f"period {period}" if period >= 1 else f"warm-up period {period}"


def _value(value: float) -> str:
    return "NaN (undefined)" if np.isnan(value) else f"{value:g}"


def check_levers(firms, names: list[str], categories: list[str], period: int) -> None:
    """A :class:`SimulationError` if a firm's levers this period (``firms``: the model's
    ``FirmArrays``) hold a NaN, an infinity or a negative price."""
    sold = firms.sells.astype(bool)
    for label, values in (("price", firms.price), ("quality", firms.quality),
                          ("unit cost", firms.unit_cost)):
        bad = sold & ~np.isfinite(values)
        if label == "price":
            bad |= sold & (values < 0)
        if bad.any():
            f, c = map(int, np.argwhere(bad)[0])
            raise SimulationError(
                f"{_when(period)}, firm '{names[f]}': {label} of '{categories[c]}' is "
                f"{_value(values[f, c])}; a {label} must be a finite number"
                f"{' of at least 0' if label == 'price' else ''} (set by the firm's strategy "
                "or a decision from outside); the run stopped", period=period, firm=names[f],
                quantity=label)
    if not np.isfinite(firms.params).all():
        f, k = map(int, np.argwhere(~np.isfinite(firms.params))[0])
        raise SimulationError(
            f"{_when(period)}, firm '{names[f]}': {_PARAMS.get(k, f'lever {k}')} is "
            f"{_value(firms.params[f, k])}; the run stopped", period=period, firm=names[f],
            quantity=_PARAMS.get(k, f"lever {k}"))
    if not np.isfinite(firms.acquisition_spend).all():
        f = int(np.flatnonzero(~np.isfinite(firms.acquisition_spend))[0])
        raise SimulationError(
            f"{_when(period)}, firm '{names[f]}': acquisition spend is "
            f"{_value(firms.acquisition_spend[f])}; the run stopped", period=period,
            firm=names[f], quantity="acquisition_spend")


def check_period(row: np.ndarray, names: list[str], period: int) -> None:
    """A :class:`SimulationError` if a period's per-firm totals ``row`` (firms x
    :data:`~marketsim.measures.metrics.RAW`) hold a NaN or an infinity, a negative revenue, or
    a share-of-customer sum outside [0, customers it is over]."""
    finite = np.isfinite(row)
    if finite.all() and (row[:, _REVENUE] >= 0).all():
        soc, over = row[:, _SOC_SUM], row[:, _SOC_CUSTOMERS]
        slack = 1e-6 * np.maximum(over, 1.0)
        if ((soc >= -slack) & (soc <= over + slack)).all():
            return
        f = int(np.flatnonzero(~((soc >= -slack) & (soc <= over + slack)))[0])
        raise SimulationError(
            f"{_when(period)}, firm '{names[f]}': share of customer would be "
            f"{soc[f] / max(over[f], 1.0):.3g}, outside [0, 1]; the run stopped",
            period=period, firm=names[f], quantity="share_of_customer")
    if not finite.all():
        f, k = map(int, np.argwhere(~finite)[0])
        more = int((~finite).sum()) - 1
        raise SimulationError(
            f"{_when(period)}, firm '{names[f]}': {RAW[k]} is {_value(row[f, k])}"
            f"{f' (and {more} more undefined values)' if more else ''}; the run stopped rather "
            "than report undefined numbers (an infinite or enormous price, cost or budget in "
            "the scenario or set by a strategy?)", period=period, firm=names[f],
            quantity=RAW[k])
    f = int(np.flatnonzero(row[:, _REVENUE] < 0)[0])
    raise SimulationError(
        f"{_when(period)}, firm '{names[f]}': revenue is {row[f, _REVENUE]:g}, below 0; the "
        "run stopped", period=period, firm=names[f], quantity="revenue")
