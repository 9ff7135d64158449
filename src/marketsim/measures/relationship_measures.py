"""Relationship measures and breakdowns from a run's final population state and its tables.

The engine keeps per-period sums (the metrics table) and, optionally, the transaction log.
What a strategy team also asks about -- how satisfied the customers are, how long they have
stayed, what ties hold them, what the retention programmes cost, and all of it by firm,
segment, category, customer status and period -- is computed here in pandas from those tables
and from a **state snapshot**: the customer-firm arrays at the end of the run
(:func:`snapshot`), kept by ``RunResult.state`` and saved as ``state.npz``.

Definitions (docs/metrics.md lists them with their sources)
------------------------------------------------------------
* A firm's **customers** are the customer-firm pairs with status first-time or regular at the
  end of the run (Griffin's loyalty ladder, ``marketsim.kernels.layout``).
* **Promoters** are customers whose satisfaction is at or above the scenario's
  ``behaviour.praise_threshold`` -- exactly those the engine lets praise the firm to their
  neighbours; **detractors** are at or below ``-behaviour.complaint_threshold``, those who
  complain; the rest are passives. **Net promoter share** = promoters minus detractors over
  customers, the NPS idea (Reichheld 2003, "The one number you need to grow", HBR 81(12))
  with the model's own word-of-mouth thresholds in place of the 0-10 survey scale.
* **Tie decomposition**: each customer's switching cost is ``w_fin T_fin + w_soc T_soc +
  w_str T_str`` with the segment's ``tie_response`` weights (Burnham, Frels and Mahajan 2003);
  the table gives the mean of each term over the firm's customers.
* **Satisfaction-loyalty curve**: share of customer (the pair's windowed spend over the
  customer's windowed category spend) by satisfaction bin, over pairs with windowed spend
  (Jones and Sasser 1995, "Why satisfied customers defect", HBR 73(6)).

What the retention programmes and relationships cost is in :mod:`marketsim.measures.costs`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marketsim.kernels.layout import FIRST_TIME, REGULAR, STATUS_NAMES

__all__ = [
    "SNAPSHOT_FIELDS",
    "breakdown",
    "category_breakdown",
    "customer_pairs",
    "net_promoters",
    "satisfaction_distribution",
    "satisfaction_loyalty",
    "segment_breakdown",
    "snapshot",
    "tenure_distribution",
    "tie_decomposition",
]

#: Population arrays kept in the state snapshot.
SNAPSHOT_FIELDS = ("segment", "status", "satisfaction", "tie_financial", "tie_social",
                   "tie_structural", "tenure", "recency", "window_spend", "cumulative_margin")


def snapshot(population) -> dict[str, np.ndarray]:
    """Copies of the population arrays the relationship measures need."""
    return {name: np.array(getattr(population, name), copy=True) for name in SNAPSHOT_FIELDS}


def customer_pairs(state: dict, firms: list[str], segments: list[str], *,
                   current_only: bool = True) -> pd.DataFrame:
    """One row per customer-firm pair (current customers only by default): ``customer_id,
    firm, segment, status, satisfaction, tie_financial, tie_social, tie_structural, tenure,
    recency, window_spend, share_of_customer, cumulative_margin``."""
    status = np.asarray(state["status"])
    n, n_firms = status.shape
    if len(firms) != n_firms:
        raise ValueError(f"state has {n_firms} firms, {len(firms)} names given")
    if current_only:
        customer, firm = np.nonzero((status == FIRST_TIME) | (status == REGULAR))
    else:
        customer, firm = np.divmod(np.arange(n * n_firms), n_firms)
    spend = np.asarray(state["window_spend"], dtype=np.float64)
    wallet = spend.sum(axis=1)
    pair_spend = spend[customer, firm]
    with np.errstate(divide="ignore", invalid="ignore"):
        soc = np.where(wallet[customer] > 0, pair_spend / np.where(wallet[customer] > 0,
                                                                   wallet[customer], 1), np.nan)
    segment = np.asarray(state["segment"])[customer]
    frame = pd.DataFrame({
        "customer_id": customer.astype(np.int64),
        "firm": pd.Categorical.from_codes(firm, firms),
        "segment": pd.Categorical.from_codes(segment.astype(np.int64), segments),
        "status": pd.Categorical.from_codes(status[customer, firm].astype(np.int64),
                                            list(STATUS_NAMES)),
    })
    for name in ("satisfaction", "tie_financial", "tie_social", "tie_structural", "tenure",
                 "recency", "cumulative_margin"):
        frame[name] = np.asarray(state[name])[customer, firm].astype(np.float64)
    frame["window_spend"] = pair_spend
    frame["share_of_customer"] = soc
    return frame


def _firm_table(pairs: pd.DataFrame, firms: list[str], columns: dict) -> pd.DataFrame:
    g = pairs.groupby("firm", observed=False)
    table = pd.DataFrame({name: fn(g) for name, fn in columns.items()})
    table = table.reindex(firms)
    table.index.name = "firm"
    return table


def satisfaction_distribution(pairs: pd.DataFrame, firms: list[str],
                              bins=(-np.inf, -0.3, -0.1, -0.05, 0.05, 0.1, 0.3, np.inf)) -> pd.DataFrame:
    """Share of each firm's customers per satisfaction bin (rows: firms; columns: bins)."""
    labels = pd.IntervalIndex.from_breaks(bins, closed="left").astype(str)
    binned = pd.cut(pairs["satisfaction"], bins=bins, right=False, labels=labels)
    counts = pd.crosstab(pairs["firm"], binned, dropna=False)
    counts = counts.reindex(index=firms, columns=labels, fill_value=0)
    totals = counts.sum(axis=1)
    shares = counts.div(totals.where(totals > 0), axis=0)
    shares.index.name = "firm"
    shares.columns.name = "satisfaction"
    return shares


def net_promoters(pairs: pd.DataFrame, firms: list[str], praise_threshold: float,
                  complaint_threshold: float) -> pd.DataFrame:
    """Per firm: customers, promoters, passives, detractors (shares) and
    ``net_promoter_share`` = promoters - detractors (module docstring)."""
    sat = pairs["satisfaction"].to_numpy()
    frame = pairs.assign(promoter=sat >= praise_threshold, detractor=sat <= -complaint_threshold)
    table = _firm_table(frame, firms, {
        "customers": lambda g: g.size(),
        "promoters": lambda g: g["promoter"].mean(),
        "detractors": lambda g: g["detractor"].mean(),
    })
    table["customers"] = table["customers"].fillna(0).astype(np.int64)
    table["passives"] = 1.0 - table["promoters"] - table["detractors"]
    table["net_promoter_share"] = table["promoters"] - table["detractors"]
    return table[["customers", "promoters", "passives", "detractors", "net_promoter_share"]]


def tenure_distribution(pairs: pd.DataFrame, firms: list[str]) -> pd.DataFrame:
    """Per firm: customers and the mean, quartiles and 90th percentile of tenure (periods)."""
    table = _firm_table(pairs, firms, {
        "customers": lambda g: g.size(),
        "mean": lambda g: g["tenure"].mean(),
        "p25": lambda g: g["tenure"].quantile(0.25),
        "median": lambda g: g["tenure"].median(),
        "p75": lambda g: g["tenure"].quantile(0.75),
        "p90": lambda g: g["tenure"].quantile(0.9),
    })
    table["customers"] = table["customers"].fillna(0).astype(np.int64)
    return table


def tie_decomposition(pairs: pd.DataFrame, firms: list[str],
                      tie_response: pd.DataFrame) -> pd.DataFrame:
    """Per firm: mean tie levels and the mean switching-cost term of each tie.

    ``tie_response``: one row per segment name, columns ``financial, social, structural``
    (the segments' weights). Columns: ``tie_financial, tie_social, tie_structural`` (mean
    levels) and ``cost_financial, cost_social, cost_structural, switching_cost``.
    """
    weights = tie_response.reindex(pairs["segment"].astype(str)).to_numpy(np.float64)
    frame = pairs.assign(
        cost_financial=weights[:, 0] * pairs["tie_financial"].to_numpy(),
        cost_social=weights[:, 1] * pairs["tie_social"].to_numpy(),
        cost_structural=weights[:, 2] * pairs["tie_structural"].to_numpy())
    names = ["tie_financial", "tie_social", "tie_structural", "cost_financial", "cost_social",
             "cost_structural"]
    table = _firm_table(frame, firms, {n: (lambda g, n=n: g[n].mean()) for n in names})
    table["switching_cost"] = table[["cost_financial", "cost_social", "cost_structural"]].sum(
        axis=1, min_count=3)
    return table


def satisfaction_loyalty(pairs: pd.DataFrame, bins=None) -> pd.DataFrame:
    """Mean share of customer by satisfaction bin, per firm and overall (pairs with windowed
    spend). Columns: ``firm`` (``"all"`` for the pooled curve), ``bin``, ``satisfaction`` (bin
    mean), ``share_of_customer`` (mean), ``pairs``."""
    data = pairs[np.isfinite(pairs["share_of_customer"])]
    if bins is None:
        edges = np.quantile(data["satisfaction"], np.linspace(0, 1, 11)) if len(data) else [0, 1]
        bins = np.unique(edges)
        if len(bins) < 2:
            bins = np.array([bins[0] - 0.5, bins[0] + 0.5])
    binned = pd.cut(data["satisfaction"], bins=bins, include_lowest=True)
    parts = []
    for firm, rows in [("all", data)] + [(str(f), r) for f, r in data.groupby("firm", observed=True)]:
        g = rows.groupby(binned.loc[rows.index], observed=True)
        part = pd.DataFrame({
            "satisfaction": g["satisfaction"].mean(),
            "share_of_customer": g["share_of_customer"].mean(),
            "pairs": g.size(),
        }).reset_index(names="bin")
        part.insert(0, "firm", firm)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["bin"] = out["bin"].astype(str)
    return out


# --------------------------------------------------------------------------- breakdowns
def breakdown(pairs: pd.DataFrame, by=("firm", "status")) -> pd.DataFrame:
    """Customers and their mean satisfaction, tenure, ties, share of customer and cumulative
    margin, grouped by any of ``firm``, ``segment``, ``status`` (state snapshot pairs)."""
    by = [by] if isinstance(by, str) else list(by)
    unknown = [b for b in by if b not in ("firm", "segment", "status")]
    if unknown:
        raise ValueError(f"cannot break down by {unknown}; choose from firm, segment, status")
    g = pairs.groupby(by, observed=True)
    return pd.DataFrame({
        "customers": g.size(),
        "satisfaction": g["satisfaction"].mean(),
        "tenure": g["tenure"].mean(),
        "tie_financial": g["tie_financial"].mean(),
        "tie_social": g["tie_social"].mean(),
        "tie_structural": g["tie_structural"].mean(),
        "share_of_customer": g["share_of_customer"].mean(),
        "cumulative_margin": g["cumulative_margin"].mean(),
    })


def category_breakdown(transactions: pd.DataFrame, periods=None) -> pd.DataFrame:
    """Per firm and category: buyers, purchases, units, revenue and the firm's share of the
    category's units and revenue (from the transaction log)."""
    log = transactions if periods is None else transactions[transactions["period"].isin(list(periods))]
    g = log.groupby(["category", "firm"], observed=False)
    table = pd.DataFrame({
        "buyers": g["customer_id"].nunique(),
        "purchases": g.size(),
        "units": g["units"].sum(),
        "revenue": g["revenue"].sum(),
    })
    cat = table.groupby(level="category", observed=False)[["units", "revenue"]].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["market_share_units"] = table["units"] / cat["units"].where(cat["units"] > 0)
        table["market_share_revenue"] = table["revenue"] / cat["revenue"].where(cat["revenue"] > 0)
    return table


def segment_breakdown(transactions: pd.DataFrame, segment: np.ndarray, segments: list[str],
                      periods=None) -> pd.DataFrame:
    """Per segment and firm: buyers, purchases, units, revenue and the firm's share of the
    segment's revenue, joining the log with each customer's segment (``segment`` array)."""
    log = transactions if periods is None else transactions[transactions["period"].isin(list(periods))]
    from marketsim.measures.segments import segment_of

    log = log.assign(segment=segment_of(log["customer_id"], segment, segments))
    g = log.groupby(["segment", "firm"], observed=False)
    table = pd.DataFrame({
        "buyers": g["customer_id"].nunique(),
        "purchases": g.size(),
        "units": g["units"].sum(),
        "revenue": g["revenue"].sum(),
    })
    total = table.groupby(level="segment", observed=False)["revenue"].transform("sum")
    table["share_of_segment_revenue"] = table["revenue"] / total.where(total > 0)
    return table
