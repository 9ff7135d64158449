"""The per-firm tables ``marketsim run`` prints: the summary and the strategy measures.

Undefined values (a share with no buyers, a NaN) show as ``-``, never as 0
(``tests/test_no_silent_nan.py``). Column definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

import math


def fmt_pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.1f}%"


def fmt_num(value: float, decimals: int = 0) -> str:
    return "-" if math.isnan(value) else f"{value:,.{decimals}f}"


def summary_table(result):
    """The per-firm table ``marketsim run`` prints; its caption says what each column is."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from marketsim.outputs.plots import year_buyer_share

    summary = result.summary()
    buyers = year_buyer_share(result)  # the width of Peppers and Rogers' bar, with the log
    last = min(max(1, round(result.scenario.market.share_of_customer_window)),
               int(result.metrics["period"].nunique()))
    table = Table(
        box=box.SIMPLE_HEAVY, title="Firms", title_justify="left", title_style="bold",
        caption=f"Last {last} period{'s' if last != 1 else ''}: market shares and retention are "
                f"means, profit is the total; customers, share of customer and satisfaction are "
                f"at the end. Customers: held by the firm, counted per firm (one who buys from "
                f"two firms counts for each). Satisfaction: confirmation of expectations, 0 = as "
                f"expected, above 0 better (delight above 0.15), below 0 worse."
                + ("" if buyers is None else " Buyers: the firm's share of the buyers of the "
                   "last year."), caption_justify="left")
    table.add_column("Firm", style="bold")
    headers = ["Customers", "Mkt share\nunits", "Mkt share\nrevenue", "Share of\ncustomer",
               "Retention", "Mean\nsatisfaction", "Profit"]
    if buyers is not None:
        headers.insert(1, "Buyers\nlast year")
    for header in headers:
        table.add_column(header, justify="right")
    for firm, row in summary.iterrows():
        cells = [fmt_num(row["customers"]), fmt_pct(row["market_share_units"]),
                 fmt_pct(row["market_share_revenue"]), fmt_pct(row["share_of_customer"]),
                 fmt_pct(row["retention"]), fmt_num(row["mean_satisfaction"], 3),
                 fmt_num(row["profit"])]
        if buyers is not None:
            cells.insert(1, fmt_pct(float(buyers.get(firm, float("nan")))))
        table.add_row(escape(str(firm)), *cells)
    return table


#: Strategy measures in the command line's second table: header and decimals.
_STRATEGY_COLUMNS = {
    "cost_to_serve": ("Cost to\nserve", 0), "relationship_cost": ("Relationship\ncost", 0),
    "fees": ("Fees", 0), "terminations": ("Termi-\nnations", 0),
    "complaints_captured": ("Complaints\ncaptured", 0), "directed_units": ("Directed\nunits", 0),
    "mean_knowledge": ("Mean\nknowledge", 3), "categories_per_buyer": ("Categories\nper buyer", 2),
}


def strategy_table(result):
    """The firms' relationship-strategy measures over the summary window, or ``None``."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    summary = result.summary()
    shown = [c for c in _STRATEGY_COLUMNS if c in summary.columns]
    if not shown:
        return None
    table = Table(box=box.SIMPLE_HEAVY, title="Relationship strategies", title_justify="left",
                  min_width=72,  # else one column's table wraps its caption a word a line
                  title_style="bold", caption="Same periods: costs, fees and counts are totals, "
                  "knowledge at the end, categories per buyer the mean.", caption_justify="left")
    table.add_column("Firm", style="bold")
    for column in shown:
        table.add_column(_STRATEGY_COLUMNS[column][0], justify="right")
    for firm, row in summary.iterrows():
        table.add_row(escape(str(firm)), *[fmt_num(row[c], _STRATEGY_COLUMNS[c][1])
                                           for c in shown])
    return table
