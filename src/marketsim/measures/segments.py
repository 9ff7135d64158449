"""Metrics by segment: how each segment buys from and leaves each firm.

:func:`segment_metrics` gives one row per period, firm and segment: the segment's customers
held at the start of the period and those lost during it (defections and lapses; churn is
their ratio), buyers, units, revenue and share of customer (the firm's part of its buyers'
spending in the period, MODEL.md section 3), with the segment's basis and variables
(:mod:`marketsim.scenario.segmentation`) so that results read in the scenario's own terms.

Buying comes from the run's transaction log; customers held and lost from
:class:`SegmentTracker`, which :func:`marketsim.run` attaches when it records transactions. It
compares who is a customer (first-time or regular) before and after each period, an
``(N, F)`` comparison per period in NumPy, so it is only done when asked for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marketsim.kernels.layout import FIRST_TIME, REGULAR
from marketsim.scenario.segmentation import describe

COLUMNS = ["period", "firm", "segment", "basis", "variables", "segment_customers",
           "customers_start", "defections", "churn", "customers_end", "buyers", "units", "revenue",
           "share_of_customer"]


def segment_of(customer_ids, customer_segments, names: list[str]) -> pd.Categorical:
    """The segment name of each customer id, from the (N,) segment index of every customer."""
    codes = np.asarray(customer_segments)[np.asarray(customer_ids, dtype=np.int64)]
    return pd.Categorical.from_codes(codes.astype(np.int64), names)


def _held(model) -> np.ndarray:
    status = model.population.status
    return (status == FIRST_TIME) | (status == REGULAR)


class SegmentTracker:
    """Counts, per period, firm and segment, customers held at the start, lost by the end and
    held at the end (those the engine charged its cost to serve on: accounting follows
    defection in the period).

    Call it with the model after each recorded period (``model.run(on_period=...)`` style).
    """

    def __init__(self, model):
        self.segment = model.population.segment.copy()
        self.n_segments = len(model.scenario.segments)
        self.held = _held(model)
        self.rows: list[np.ndarray] = []

    def _by_segment(self, mask: np.ndarray) -> np.ndarray:
        """(S, F) counts of the True entries of an (N, F) mask."""
        return np.stack([np.bincount(self.segment, weights=mask[:, f], minlength=self.n_segments)
                         for f in range(mask.shape[1])], axis=1)

    def __call__(self, model) -> None:
        now = _held(model)
        start = self._by_segment(self.held)
        lost = self._by_segment(self.held & ~now)
        self.rows.append(np.stack([start, lost, self._by_segment(now)]))
        self.held = now

    def frame(self, firms: list[str], segments: list[str]) -> pd.DataFrame:
        """Long table: period, firm, segment, customers_start, defections, customers_end."""
        records = []
        for period, (start, lost, end) in enumerate(self.rows, start=1):
            for s, segment in enumerate(segments):
                for f, firm in enumerate(firms):
                    records.append((period, firm, segment, int(start[s, f]), int(lost[s, f]),
                                    int(end[s, f])))
        return pd.DataFrame(records, columns=RETENTION_COLUMNS)


#: Columns of :meth:`SegmentTracker.frame` (``RunResult.segment_retention``).
RETENTION_COLUMNS = ["period", "firm", "segment", "customers_start", "defections",
                     "customers_end"]


def segment_metrics(result) -> pd.DataFrame:
    """Per period x firm x segment: customers held at the start, defections (lapses included),
    churn (defections / customers at the start), customers held at the end, buyers, units,
    revenue and share of customer.

    ``result``: a :class:`marketsim.outputs.run_result.RunResult` from ``run(...,
    transactions=True)``. Share of customer is the mean over the firm's buyers in the segment of the
    firm's part of each buyer's spending in the period (Peppers and Rogers 1993; MODEL.md section
    3).
    """
    from marketsim.errors import RunOptionError

    if result.transactions is None or result.customer_segments is None:
        raise RunOptionError("segment metrics need the transaction log: run with "
                             "transactions=True (CLI: --transactions)")
    scenario = result.scenario
    names = [s.name for s in scenario.segments]
    firms = [f.name for f in scenario.firms]
    log = result.transactions
    spend = (log.groupby(["period", "customer_id", "firm"], observed=True)[["units", "revenue"]]
             .sum().reset_index())
    wallet = spend.groupby(["period", "customer_id"])["revenue"].transform("sum")
    spend["share"] = np.where(wallet > 0, spend["revenue"] / wallet.where(wallet > 0, 1.0), 0.0)
    spend["segment"] = segment_of(spend["customer_id"], result.customer_segments, names)
    buying = (spend.groupby(["period", "firm", "segment"], observed=False)
              .agg(buyers=("customer_id", "size"), units=("units", "sum"),
                   revenue=("revenue", "sum"), share_of_customer=("share", "mean"))
              .reset_index())
    buying["firm"] = buying["firm"].astype(str)
    buying["segment"] = buying["segment"].astype(str)
    held = result.segment_retention
    frame = held.merge(buying, on=["period", "firm", "segment"], how="left")
    for column in ("buyers", "units", "revenue"):
        frame[column] = frame[column].fillna(0).astype(float)
    frame["churn"] = frame["defections"] / frame["customers_start"].where(
        frame["customers_start"] > 0)
    sizes = np.bincount(result.customer_segments, minlength=len(names))
    frame["segment_customers"] = frame["segment"].map(dict(zip(names, sizes.tolist())))
    frame["basis"] = frame["segment"].map({s.name: s.basis or "" for s in scenario.segments})
    frame["variables"] = frame["segment"].map({s.name: describe(s) for s in scenario.segments})
    frame["firm"] = pd.Categorical(frame["firm"], firms)
    frame["segment"] = pd.Categorical(frame["segment"], names)
    return frame[COLUMNS].sort_values(["period", "firm", "segment"]).reset_index(drop=True)
