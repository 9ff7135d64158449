"""Round results and the league table of the classroom game.

Per round and firm (:func:`round_results`), from the periods the round ran:

* ``profit``: the round's profit (sum over its periods) and ``total_profit``, over the game;
* ``market_share``: mean share of category revenue over the round (``market_share_revenue``);
* ``share_of_customer``: the mean share of its customers' category spend at the end of the
  round (``share_of_customer``);
* ``customer_equity``: predicted customer equity at the end of the round, customers held times
  predicted CLV from the margin per customer and the retention of the last
  ``share_of_customer_window`` periods
  (:func:`marketsim.measures.clv.predicted_clv_by_firm`; docs/metrics.md);
* ``customers``, ``retention`` (mean over the round), ``mean_satisfaction`` (at the end),
  ``revenue`` (sum).

The league table (:func:`league_table`) is the last round's rows ranked by total profit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marketsim.measures.clv import predicted_clv_by_firm

#: Columns of the round results, in order (``round``, ``firm`` and ``team`` first).
RESULT_COLUMNS = ("round", "first_period", "last_period", "firm", "team", "profit",
                  "total_profit", "market_share", "share_of_customer", "customer_equity",
                  "customers", "retention", "mean_satisfaction", "revenue")

#: Columns of the league table as shown, with their headings.
LEAGUE_HEADINGS = {
    "rank": "Rank", "firm": "Firm", "team": "Team", "total_profit": "Total profit",
    "profit": "Profit this round", "market_share": "Market share",
    "share_of_customer": "Share of customer", "customer_equity": "Customer equity",
}

#: Horizon (periods) of predicted CLV where the infinite sum diverges (retention 1, no
#: discounting): two years of weeks.
FALLBACK_HORIZON = 104


def _equity(metrics: pd.DataFrame, discount_rate: float, window: int) -> pd.Series:
    try:
        table = predicted_clv_by_firm(metrics, discount_rate, last=window)
    except ValueError:  # retention 1 and discount rate 0: the infinite sum diverges
        table = predicted_clv_by_firm(metrics, discount_rate, last=window,
                                      horizon=FALLBACK_HORIZON)
    return table["predicted_equity"]


def round_results(metrics: pd.DataFrame, *, round_number: int, first_period: int,
                  teams: dict[str, str], discount_rate: float, window: int,
                  previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per firm for the round that ran periods ``first_period`` to the last period of
    ``metrics`` (the game's metrics so far). ``teams`` maps firm to team name (firms no team
    plays: empty); ``previous``, the results of the rounds before, gives ``total_profit``."""
    metrics = metrics.assign(firm=metrics["firm"].astype(str))
    last_period = int(metrics["period"].max())
    played = metrics[metrics["period"] >= first_period].sort_values("period", kind="stable")
    grouped = played.groupby("firm", sort=False)
    table = pd.DataFrame({
        "profit": grouped["profit"].sum(),
        "market_share": grouped["market_share_revenue"].mean(),
        "share_of_customer": grouped["share_of_customer"].last(),
        "customers": grouped["customers"].last(),
        "retention": grouped["retention"].mean(),
        "mean_satisfaction": grouped["mean_satisfaction"].last(),
        "revenue": grouped["revenue"].sum(),
    })
    # the value at the end, NaN if undefined there (groupby's last skips NaN)
    at_end = played[played["period"] == last_period].set_index("firm")
    table["share_of_customer"] = at_end["share_of_customer"].reindex(table.index)
    table["mean_satisfaction"] = at_end["mean_satisfaction"].reindex(table.index)
    table["customer_equity"] = _equity(metrics, discount_rate, window).reindex(table.index)
    earlier = 0.0
    if previous is not None and len(previous):
        earlier = previous.groupby("firm")["profit"].sum().reindex(table.index).fillna(0.0)
    table["total_profit"] = table["profit"] + earlier
    table.index.name = "firm"
    table = table.reset_index()
    table["round"] = round_number
    table["first_period"] = first_period
    table["last_period"] = last_period
    table["team"] = [teams.get(firm, "") for firm in table["firm"]]
    table["customers"] = table["customers"].astype(np.int64)
    return table[list(RESULT_COLUMNS)]


def league_table(results: pd.DataFrame) -> pd.DataFrame:
    """The last round's rows of ``results`` ranked by total profit (``rank`` 1 is the
    leader); empty before the first round."""
    if results is None or not len(results):
        return pd.DataFrame(columns=["rank", *RESULT_COLUMNS])
    last = results[results["round"] == results["round"].max()]
    table = last.sort_values(["total_profit", "firm"], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table
