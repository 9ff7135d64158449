"""A run in a notebook: the HTML summary Jupyter shows (``RunResult._repr_html_``) and the
Mesa ``DataCollector`` view of its metrics (``RunResult.model_vars()``, ``agent_vars()``).

Mesa users collect with ``DataCollector`` and read ``get_model_vars_dataframe()`` (one row
per step, one column per model reporter) and ``get_agent_vars_dataframe()`` (indexed by
``(Step, AgentID)``, one column per agent reporter). marketsim computes its metrics in the
kernels, not with a DataCollector; these functions give the same shapes. The step is the
period (Mesa's ``model.steps`` after the period ran, from 1); a firm's ``AgentID`` is its
Mesa ``unique_id`` in :class:`marketsim.market.model.MarketModel` (the firms are the model's
first agents, 1, 2, ... in the scenario's order). Customers are arrays, not agents, so the
agent view has one row per period and firm.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

#: Summary columns shown in the HTML table: header, is a share, decimals.
_SHOWN = {
    "customers": ("Customers", False, 0), "market_share_units": ("Market share (units)", True, 1),
    "market_share_revenue": ("Market share (revenue)", True, 1),
    "share_of_customer": ("Share of customer", True, 1), "retention": ("Retention", True, 1),
    "mean_satisfaction": ("Mean satisfaction", False, 3), "profit": ("Profit", False, 0),
}


def firm_ids(result) -> dict[str, int]:
    """Each firm's Mesa ``unique_id`` (1, 2, ... in the scenario's order)."""
    return {firm.name: k + 1 for k, firm in enumerate(result.scenario.firms)}


def agent_vars(result) -> pd.DataFrame:
    """Per period and firm, every metric, indexed by ``(Step, AgentID)`` as Mesa's
    ``DataCollector.get_agent_vars_dataframe()``; the ``firm`` column names the agent."""
    metrics = result.metrics
    ids = firm_ids(result)
    table = metrics.drop(columns=["period", "firm"])
    table.insert(0, "firm", metrics["firm"].astype(str).to_numpy())
    index = pd.MultiIndex.from_arrays(
        [metrics["period"].astype(np.int64).to_numpy(),
         metrics["firm"].astype(str).map(ids).astype(np.int64).to_numpy()],
        names=["Step", "AgentID"])
    table.index = index
    return table.sort_index()


def model_vars(result) -> pd.DataFrame:
    """Per period, the market's totals, one row per step as Mesa's
    ``DataCollector.get_model_vars_dataframe()`` (the index is the step, named ``Step``):
    ``units``, ``revenue``, ``profit`` (sums over firms), ``customers_held`` (customer-firm
    relationships at the end: a customer may hold several firms), ``mean_satisfaction``
    (over those relationships), ``hhi_units`` (Herfindahl index of unit shares: 1 = one firm
    sells everything)."""
    metrics = result.metrics
    grouped = metrics.groupby("period", sort=True)
    held = grouped["customers"].sum()
    weighted = (metrics["mean_satisfaction"].fillna(0.0) * metrics["customers"]).groupby(
        metrics["period"]).sum()
    table = pd.DataFrame({
        "units": grouped["units"].sum(),
        "revenue": grouped["revenue"].sum(),
        "profit": grouped["profit"].sum(min_count=1),
        "customers_held": held,
        "mean_satisfaction": (weighted / held.where(held > 0)),
        "hhi_units": (metrics["market_share_units"] ** 2).groupby(metrics["period"]).sum(
            min_count=1),
    })
    table.index = table.index.astype(np.int64).rename("Step")
    return table


def _cell(value, share: bool, decimals: int) -> str:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return html.escape(str(value))
    if not math.isfinite(value):
        return "-"
    return f"{100 * value:.{decimals}f}%" if share else f"{value:,.{decimals}f}"


def summary_html(result) -> str:
    """A short HTML summary: scenario name, customers, periods, seed and the per-firm summary
    table; every name is escaped."""
    scenario = result.scenario
    unit = html.escape(str(scenario.market.period_unit))
    head = (f"<p><b>{html.escape(str(scenario.market.name))}</b>: "
            f"{result.customers:,} customers &times; {result.periods} {unit}"
            f"{'s' if result.periods != 1 else ''}, {len(scenario.firms)} firms, "
            f"seed {int(result.seed)}</p>")
    summary = result.summary()
    shown = [c for c in _SHOWN if c in summary.columns]
    rows = ["<tr><th style='text-align:left'>Firm</th>"
            + "".join(f"<th>{html.escape(_SHOWN[c][0])}</th>" for c in shown) + "</tr>"]
    for firm, row in summary.iterrows():
        cells = "".join(f"<td style='text-align:right'>{_cell(row[c], *_SHOWN[c][1:])}</td>"
                        for c in shown)
        rows.append(f"<tr><td style='text-align:left'>{html.escape(str(firm))}</td>{cells}</tr>")
    last = min(max(1, round(scenario.market.share_of_customer_window)),
               int(result.metrics["period"].nunique()))
    note = (f"<p style='font-size:smaller'>Last {last} period{'s' if last != 1 else ''}: "
            "market shares and retention are means, profit is the total; customers, share of "
            "customer and satisfaction at the end. <code>result.metrics</code> holds every "
            "period; <code>result.model_vars()</code> and <code>result.agent_vars()</code> "
            "give Mesa's DataCollector view.</p>")
    return (f"<div class='marketsim-run'>{head}<table>{''.join(rows)}</table>{note}</div>")
