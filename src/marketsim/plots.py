"""Figures of a run, in one slide style (16:9, large type, one colour per firm throughout).

Every function takes the metrics table (``RunResult.metrics``), draws on ``ax`` (or on a new
figure when ``ax`` is None) and returns the axes. Figures are built as
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
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

#: Slide style: applied while drawing and saving every figure of this module.
SLIDE_STYLE = {
    "figure.figsize": (11.0, 6.2),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.facecolor": "white",
    "font.size": 13,
    "axes.titlesize": 18,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 28,
    "axes.labelsize": 13,
    "axes.labelcolor": "#333333",
    "axes.edgecolor": "#888888",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.8,
    "xtick.color": "#555555",
    "ytick.color": "#555555",
    "legend.frameon": False,
    "legend.fontsize": 12,
    "lines.linewidth": 2.4,
}

#: Firm colours, in the order firms appear in the scenario (Okabe-Ito, colour-blind safe,
#: then Tableau for firms beyond eight).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F7F7F",
           "#332288", "#8C564B", "#BCBD22", "#17BECF", "#9467BD", "#2CA02C", "#D62728",
           "#1F77B4", "#FF7F0E", "#AEC7E8", "#98DF8A", "#FF9896", "#C5B0D5"]

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


def firm_order(metrics: pd.DataFrame) -> list[str]:
    """Firm names in the order they first appear (the scenario's order)."""
    return list(pd.unique(metrics["firm"].astype(str)))


def firm_colours(metrics: pd.DataFrame) -> dict[str, str]:
    """One colour per firm, the same in every figure of a run."""
    return {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(firm_order(metrics))}


def _new_axes() -> Axes:
    figure = Figure(layout="constrained")
    return figure.subplots()


def _subtitle(ax: Axes, text: str) -> None:
    ax.annotate(text, xy=(0, 1), xycoords="axes fraction", xytext=(0, 8),
                textcoords="offset points", ha="left", va="bottom", fontsize=12, color="#555555")


def _text_colour(hex_colour: str) -> str:
    r, g, b = mpl.colors.to_rgb(hex_colour)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.0f}%"


def plot_share_vs_share_of_customer(metrics: pd.DataFrame, ax: Axes | None = None,
                                    window: float = 13) -> Axes:
    """Market share against share of customer: one column per firm (a Marimekko chart).

    Each firm's column is as **wide** as its market share (units) and as **tall** as its share
    of customer, both averaged over the last ``window`` periods; the widths add up to the whole
    market. A wide, low column is a firm that reaches many customers but gets little of each
    one's spending (the market-share strategy); a narrow, tall one gets most of the spending
    of fewer customers (the share-of-customer strategy). Columns are ordered by market share.
    """
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else _new_axes()
        colours = firm_colours(metrics)
        last = metrics["period"].max()
        recent = metrics[metrics["period"] > last - max(1, int(round(window)))]
        grouped = recent.groupby(recent["firm"].astype(str), sort=False)
        table = pd.DataFrame({
            "share": grouped["market_share_units"].mean(),
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
        for name, left, width, height, value in zip(table.index, lefts, shares, heights, soc):
            colour = colours[name]
            ax.bar(left, height, width=width, align="edge", color=colour, edgecolor="white",
                   linewidth=2, zorder=2)
            centre = left + width / 2
            if width >= 0.09:
                ax.text(centre, height + 0.015 * top, name, ha="center", va="bottom",
                        fontsize=13, fontweight="bold", color="#222222")
                inside = _text_colour(colour)
                if height >= 0.12 * top:
                    ax.text(centre, height - 0.025 * top, f"SoC {_pct(value)}", ha="center",
                            va="top", fontsize=12, color=inside, fontweight="bold")
                ax.text(centre, 0.025 * top, f"MS {_pct(width)}", ha="center", va="bottom",
                        fontsize=12, color=inside if height >= 0.08 * top else "#222222",
                        fontweight="bold")
            else:  # too narrow for horizontal text: one rotated label above the column
                ax.text(centre, height + 0.015 * top,
                        f"{name}  MS {_pct(width)} · SoC {_pct(value)}", ha="center",
                        va="bottom", rotation=90, fontsize=11, color="#222222")
        ax.set_xlim(0, max(total, 1e-9))
        ax.set_ylim(0, top)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_yticks([t for t in ax.get_yticks() if 0.0 <= t <= min(1.0, top)])
        ax.set_xlabel("Market share (units): width of each column")
        ax.set_ylabel("Share of customer: height")
        ax.set_title("Market share vs share of customer")
        n = int(min(max(1, round(window)), recent["period"].nunique()))
        _subtitle(ax, f"Wide = reaches many customers; tall = gets most of each customer's "
                      f"spend. Mean of the last {n} period{'s' if n != 1 else ''}.")
        ax.grid(False, axis="x")
        return ax


def plot_trajectories(metrics: pd.DataFrame, column: str, ax: Axes | None = None) -> Axes:
    """One line per firm: ``column`` of the metrics table over the periods."""
    if column not in metrics.columns:
        raise KeyError(f"no column {column!r} in the metrics table")
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else _new_axes()
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
            _subtitle(ax, explanation)
        ax.set_xlabel("Period")
        ax.set_ylabel(title)
        if column in _FRACTIONS:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
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


def save_figures(metrics: pd.DataFrame, out_dir: str | Path, *, window: float = 13) -> list[Path]:
    """Write the standard figures of a run as PNG files in ``out_dir``; return their paths.

    ``share_vs_share_of_customer.png`` (see :func:`plot_share_vs_share_of_customer`) and the
    trajectories ``market_share.png``, ``share_of_customer.png``, ``retention.png`` and
    ``satisfaction.png``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with mpl.rc_context(SLIDE_STYLE):
        for filename, column in FIGURES.items():
            if column is None:
                ax = plot_share_vs_share_of_customer(metrics, window=window)
            else:
                ax = plot_trajectories(metrics, column)
            path = out / filename
            ax.figure.savefig(path)
            written.append(path)
    return written
