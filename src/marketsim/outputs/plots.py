"""Figures of a run, in one slide style (16:9, large type, one colour per firm throughout).

The market's figures are here (share against share of customer, trajectories); those of the
measures computed from a run are in :mod:`marketsim.outputs.measure_plots`, the style in
:mod:`marketsim.outputs.plot_style`. Every function takes a table (here the metrics table,
``RunResult.metrics``), draws on ``ax`` (or on a new figure when ``ax`` is None) and returns
the axes. Figures are built as
:class:`matplotlib.figure.Figure` objects rendered by the Agg backend: nothing here touches
pyplot's global state or calls ``show()``, so it runs headless and inside servers, and leaves
the backend of an interactive session alone (pass your own ``ax`` to draw into a notebook).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from marketsim.outputs.atomic import write_atomic
from marketsim.outputs.measure_plots import (
    plot_clv_distribution,
    plot_dirichlet_table,
    plot_satisfaction_loyalty,
    plot_tie_decomposition,
    plot_whale_curve,
)
from marketsim.outputs.plot_style import (
    SLIDE_STYLE,
    firm_colours,
    firm_order,
    new_axes,
    pct,
    subtitle,
    text_colour,
)

#: Titles and one-line explanations of the columns drawn as trajectories.
TITLES = {
    "market_share_units": ("Market share (units)", "Each firm's purchases over all purchases in the period"),
    "market_share_revenue": ("Market share (revenue)", "Each firm's sales over all sales in the period"),
    "market_share_buyers": ("Market share (buyers)", "Each firm's buyers over all firms' buyers"),
    "share_of_customer": ("Share of customer",
                          "Mean share of its customers' category spend a firm gets (windowed)"),
    "share_of_customer_weighted": ("Share of customer (spend-weighted)",
                                   "Firm's spend over its customers' total category spend"),
    "retention": ("Retention", "Share of the period's starting customers still held at its end"),
    "churn": ("Churn", "Share of the period's starting customers lost during it"),
    "penetration": ("Penetration", "Share of all customers who bought from the firm"),
    "mean_satisfaction": ("Customer satisfaction",
                          "Mean satisfaction of each firm's customers (0 = as expected)"),
    "customers": ("Customers", "Customers held at the end of each period"),
    "profit": ("Profit", "Revenue minus cost of goods, acquisition, rewards and cost to serve"),
    "revenue": ("Revenue", "Sales in the period"),
    "awareness": ("Awareness", "Share of all customers who know the firm"),
}

#: Columns that are fractions, drawn in percent.
_FRACTIONS = {"market_share_units", "market_share_revenue", "market_share_buyers",
              "share_of_customer", "share_of_customer_weighted", "retention", "churn",
              "penetration", "awareness"}

#: The figures :func:`save_figures` writes: file name and what draws it.
FIGURES = {
    "share_vs_share_of_customer.png": None,  # plot_share_vs_share_of_customer
    "market_share.png": "market_share_units",
    "share_of_customer.png": "share_of_customer",
    "retention.png": "retention",
    "satisfaction.png": "mean_satisfaction",
}


def plot_share_vs_share_of_customer(metrics: pd.DataFrame, ax: Axes | None = None,
                                    window: float = 13,
                                    buyers: pd.Series | None = None) -> Axes:
    """Market share against share of customer: one column per firm (a Marimekko chart).

    Each firm's column is as **tall** as its share of customer (mean over the last ``window``
    periods) and as **wide** as ``buyers``, the firm's share of a period's buyers (Peppers and
    Rogers' horizontal bar: how many customers buy from the firm; :func:`year_buyer_share`
    gives it from the transaction log), or, without it, its market share by units over the last
    ``window`` periods. The widths add up to the whole market. A wide, low column is a firm
    that reaches many customers but gets little of each one's spending (the market-share
    strategy); a narrow, tall one gets most of the spending of fewer customers (the
    share-of-customer strategy). Columns are ordered by width.
    """
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else new_axes()
        colours = firm_colours(metrics)
        last = metrics["period"].max()
        recent = metrics[metrics["period"] > last - max(1, int(round(window)))]
        grouped = recent.groupby(recent["firm"].astype(str), sort=False)
        table = pd.DataFrame({
            "share": (grouped["market_share_units"].mean() if buyers is None
                      else buyers.rename(index=str)),
            "soc": grouped["share_of_customer"].mean(),
        }).reindex(firm_order(metrics))
        table = table.sort_values("share", ascending=False, kind="stable")
        shares = np.nan_to_num(table["share"].to_numpy(float))
        soc = table["soc"].to_numpy(float)
        heights = np.nan_to_num(soc)
        total = shares.sum()
        lefts = np.concatenate([[0.0], np.cumsum(shares)[:-1]])
        # Leave room above the tallest column for the labels; never show ticks past 100%.
        top = max(0.1, 1.22 * float(heights.max(initial=0.0)))
        label = "MS" if buyers is None else "Buyers"
        for name, left, width, height, value in zip(table.index, lefts, shares, heights, soc):
            colour = colours[name]
            ax.bar(left, height, width=width, align="edge", color=colour, edgecolor="white",
                   linewidth=2, zorder=2)
            centre = left + width / 2
            if width >= 0.09:
                ax.text(centre, height + 0.015 * top, name, ha="center", va="bottom",
                        fontsize=13, fontweight="bold", color="#222222")
                inside = text_colour(colour)
                if height >= 0.12 * top:
                    ax.text(centre, height - 0.025 * top, f"SoC {pct(value)}", ha="center",
                            va="top", fontsize=12, color=inside, fontweight="bold")
                ax.text(centre, 0.025 * top, f"{label} {pct(width)}", ha="center", va="bottom",
                        fontsize=12, color=inside if height >= 0.08 * top else "#222222",
                        fontweight="bold")
            else:  # too narrow for horizontal text: one rotated label above the column
                ax.text(centre, height + 0.015 * top,
                        f"{name}  {label} {pct(width)} · SoC {pct(value)}", ha="center",
                        va="bottom", rotation=90, fontsize=11, color="#222222")
        ax.set_xlim(0, max(total, 1e-9))
        ax.set_ylim(0, top)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_yticks([t for t in ax.get_yticks() if 0.0 <= t <= min(1.0, top)])
        ax.set_xlabel("Market share (units): width of each column" if buyers is None else
                      "Share of the buyers of the last year: width of each column")
        ax.set_ylabel("Share of customer: height")
        ax.set_title("Market share vs share of customer")
        n = int(min(max(1, round(window)), recent["period"].nunique()))
        span = f"the last {n} period{'s' if n != 1 else ''}"
        subtitle(ax, f"Wide = reaches many customers; tall = gets most of each customer's "
                      f"spend. Mean of {span}." if buyers is None else
                      f"Wide = many buyers in the last year; tall = most of each one's spend "
                      f"({span}).")
        ax.grid(False, axis="x")
        return ax


def plot_trajectories(metrics: pd.DataFrame, column: str, ax: Axes | None = None) -> Axes:
    """One line per firm: ``column`` of the metrics table over the periods."""
    if column not in metrics.columns:
        raise KeyError(f"no column {column!r} in the metrics table")
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else new_axes()
        colours = firm_colours(metrics)
        wide = metrics.pivot_table(index="period", columns=metrics["firm"].astype(str),
                                   values=column, aggfunc="first", dropna=False, observed=True)
        marker = "o" if len(wide.index) <= 12 else None  # a short run: show each period
        for name in firm_order(metrics):
            if name in wide.columns:
                ax.plot(wide.index, wide[name], color=colours[name], label=name, marker=marker)
        title, explanation = TITLES.get(column, (column.replace("_", " ").capitalize(), ""))
        ax.set_title(title)
        if explanation:
            subtitle(ax, explanation)
        ax.set_xlabel("Period")
        ax.set_ylabel(title)
        if column in _FRACTIONS:  # decimals as the range needs (99.2%, 99.4%, ...)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
            low, high = ax.get_ylim()
            low = max(0.0, low)
            high = min(high, 1.0 + 0.015 * (1.0 - low))  # room for a line at 100%, no more
            ax.set_ylim(low, high)
            ax.set_yticks([t for t in ax.get_yticks() if low <= t <= min(1.0, high)])
        low, high = ax.get_ylim()
        if low < 0.0 < high:  # a reference line at zero (satisfaction, profit)
            ax.axhline(0.0, color="#888888", linewidth=1.0, zorder=1)
        if len(wide.index):
            pad = 0.3 if marker else 0.0  # markers at the ends stay whole
            first, last = wide.index.min() - pad, wide.index.max() + pad
            if last > first:
                ax.set_xlim(first, last)
        if marker:
            ax.set_xticks(list(wide.index))
        else:
            ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Firm",
                  title_fontproperties={"weight": "bold"})
        return ax


def year_buyer_share(result) -> pd.Series | None:
    """Each firm's share of the buyers of the run's last year (52 weeks, 12 months, ...; the
    whole run if shorter) from its transaction log, or None without a log."""
    if getattr(result, "transactions", None) is None:
        return None
    from marketsim.scenario.schema import PERIODS_PER_YEAR

    per_year = PERIODS_PER_YEAR.get(result.scenario.market.period_unit, 52)
    last = int(result.periods)
    window = (max(1, last - per_year + 1), last)
    return result.brand_performance(periods=window)["market_share_buyers"]


def save_figures(metrics: pd.DataFrame, out_dir: str | Path, *, window: float = 13,
                 buyers: pd.Series | None = None) -> list[Path]:
    """Write the standard figures of a run as PNG files in ``out_dir``; return their paths.

    ``share_vs_share_of_customer.png`` (see :func:`plot_share_vs_share_of_customer`; ``buyers``
    its widths) and the
    trajectories ``market_share.png``, ``share_of_customer.png``, ``retention.png`` and
    ``satisfaction.png``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with mpl.rc_context(SLIDE_STYLE):
        for filename, column in FIGURES.items():
            if column is None:
                ax = plot_share_vs_share_of_customer(metrics, window=window, buyers=buyers)
            else:
                ax = plot_trajectories(metrics, column)
            path = write_atomic(out / filename,
                                lambda p, ax=ax: ax.figure.savefig(p, format="png"))
            written.append(path)
    return written


class RunPlots:
    """``result.plot``: the figures of a run, each returning matplotlib axes.

    >>> ax = result.plot.share_vs_share_of_customer()
    >>> ax.figure.savefig("exhibit.png")
    """

    def __init__(self, result):
        self.result = result

    @property
    def _firms(self) -> list[str]:
        return self.result.firm_names

    def share_vs_share_of_customer(self, ax: Axes | None = None) -> Axes:
        return plot_share_vs_share_of_customer(
            self.result.metrics, ax=ax, window=self.result.scenario.market.share_of_customer_window,
            buyers=year_buyer_share(self.result))

    def trajectory(self, column: str, ax: Axes | None = None) -> Axes:
        return plot_trajectories(self.result.metrics, column, ax=ax)

    def market_share(self, ax: Axes | None = None) -> Axes:
        return self.trajectory("market_share_units", ax=ax)

    def share_of_customer(self, ax: Axes | None = None) -> Axes:
        return self.trajectory("share_of_customer", ax=ax)

    def retention(self, ax: Axes | None = None) -> Axes:
        return self.trajectory("retention", ax=ax)

    def satisfaction(self, ax: Axes | None = None) -> Axes:
        return self.trajectory("mean_satisfaction", ax=ax)

    def satisfaction_loyalty(self, ax: Axes | None = None) -> Axes:
        return plot_satisfaction_loyalty(self.result.satisfaction_loyalty(), self._firms, ax=ax)

    def whale_curve(self, ax: Axes | None = None) -> Axes:
        return plot_whale_curve(self.result.whale_curve(), self._firms, ax=ax)

    def tie_decomposition(self, ax: Axes | None = None) -> Axes:
        return plot_tie_decomposition(self.result.tie_decomposition(), ax=ax)

    def dirichlet_table(self, periods=None, ax: Axes | None = None) -> Axes:
        return plot_dirichlet_table(self.result.dirichlet(periods), ax=ax)

    def clv_distribution(self, ax: Axes | None = None) -> Axes:
        return plot_clv_distribution(self.result.clv(), self._firms, ax=ax)
