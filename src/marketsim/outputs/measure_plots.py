"""Figures of the measures computed from a run: satisfaction and loyalty, the whale curve, the
decomposition of switching cost into ties, observed brands beside the Dirichlet, and the
distribution of customer lifetime value.

Same conventions as :mod:`marketsim.outputs.plots`: each takes a measure's table, draws on
``ax`` (or a new figure) and returns the axes.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from marketsim.outputs.plot_style import (
    SLIDE_STYLE,
    firm_legend,
    new_axes,
    palette,
    subtitle,
)


def plot_satisfaction_loyalty(curve: pd.DataFrame, firms: list[str],
                              ax: Axes | None = None) -> Axes:
    """Share of customer by satisfaction bin: one line per firm, the pooled curve dashed.

    ``curve`` is :func:`marketsim.measures.relationship_measures.satisfaction_loyalty` (bins of
    equal counts of customer-firm pairs; x is each bin's mean satisfaction).
    """
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else new_axes()
        colours = palette(firms)
        for name in firms:
            rows = curve[curve["firm"] == name]
            if len(rows):
                ax.plot(rows["satisfaction"], rows["share_of_customer"], marker="o",
                        color=colours[name], label=name)
        pooled = curve[curve["firm"] == "all"]
        if len(pooled):
            ax.plot(pooled["satisfaction"], pooled["share_of_customer"], linestyle="--",
                    color="#333333", label="all firms")
        ax.axvline(0.0, color="#888888", linewidth=1.0, zorder=1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("Satisfaction (0 = performance as expected)")
        ax.set_ylabel("Share of customer")
        ax.set_title("Satisfaction and loyalty")
        subtitle(ax, "Mean share of customer of customer-firm pairs, by satisfaction decile "
                      "(end of run)")
        firm_legend(ax)
        return ax


def plot_whale_curve(whale: pd.DataFrame, firms: list[str], ax: Axes | None = None) -> Axes:
    """Cumulative share of profit against share of customers, most profitable first (Kaplan
    and Narayanan 2001); ``whale`` is :func:`marketsim.measures.clv.whale_curve`."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else new_axes()
        colours = palette(firms)
        for name in firms:
            rows = whale[whale["firm"] == name]
            if len(rows):
                x = np.concatenate([[0.0], rows["customer_share"].to_numpy(float)])
                y = np.concatenate([[0.0], rows["profit_share"].to_numpy(float)])
                ax.plot(x, y, color=colours[name], label=name)
        ax.axhline(1.0, color="#888888", linewidth=1.0, zorder=1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlim(0, 1)
        ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
        ax.set_xlabel("Customers, ranked from most to least profitable")
        ax.set_ylabel("Cumulative share of profit")
        ax.set_title("Customer profitability (whale curve)")
        subtitle(ax, "Realised lifetime value; a hump above 100% means the least profitable "
                      "customers destroy value")
        firm_legend(ax)
        return ax


def plot_tie_decomposition(ties: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean switching cost per firm split into its financial, social and structural terms
    (stacked bars); ``ties`` is
    :func:`marketsim.measures.relationship_measures.tie_decomposition`."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else new_axes()
        names = [str(n) for n in ties.index]
        left = np.zeros(len(names))
        parts = (("cost_financial", "Financial (points)", "#E69F00"),
                 ("cost_social", "Social (personal service)", "#56B4E9"),
                 ("cost_structural", "Structural (integration)", "#009E73"))
        y = np.arange(len(names))[::-1]
        for column, label, colour in parts:
            values = np.nan_to_num(ties[column].to_numpy(float))
            ax.barh(y, values, left=left, color=colour, label=label, edgecolor="white",
                    height=0.6, zorder=2)
            left += values
        for yy, total in zip(y, left):
            ax.text(total, yy, f"  {total:.2f}", va="center", fontsize=12, color="#222222")
        ax.set_yticks(y, names)
        ax.grid(False, axis="y")
        ax.grid(True, axis="x")
        ax.set_xlim(0, max(0.1, 1.15 * float(left.max(initial=0.0))))
        ax.set_xlabel("Mean switching cost of the firm's customers (value units)")
        ax.set_title("What ties customers to each firm")
        subtitle(ax, "Tie level times the segment's response weight, averaged over current "
                      "customers (end of run)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Tie",
                  title_fontproperties={"weight": "bold"})
        return ax


#: Measures shown in the Dirichlet table figure: column stem, header, percent?
_DIRICHLET_ROWS = (("market_share", "Market\nshare", True), ("penetration", "Penetration\nb", True),
                   ("purchase_frequency", "Purchases\nper buyer w", False),
                   ("scr", "Share of\ncategory req.", True),
                   ("sole_buyer_share", "Sole\nbuyers", True), ("repeat_rate", "Repeat\nrate", True))


def plot_dirichlet_table(comparison: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The observed brand performance table beside the NBD-Dirichlet's, as a figure.

    ``comparison`` is :func:`marketsim.measures.dirichlet_comparison.dirichlet_comparison`
    (brands in rows). Each cell shows observed / Dirichlet; brands are ordered by market share,
    so Double Jeopardy reads as penetration and frequency falling down the table.
    """
    with mpl.rc_context(SLIDE_STYLE):
        if ax is None:  # as tall as the table needs
            figure = Figure(layout="constrained",
                            figsize=(11.0, 1.4 + 0.45 * (len(comparison) + 2)))
            ax = figure.subplots()
        table = comparison.sort_values("market_share_observed", ascending=False)
        header = ["Brand"] + [label for _, label, _ in _DIRICHLET_ROWS]

        def fmt(value, pct):
            if not np.isfinite(value):
                return "-"
            return f"{100 * value:.0f}%" if pct else f"{value:.2f}"

        cells = []
        for brand, row in table.iterrows():
            cells.append([str(brand)] + [
                f"{fmt(row[f'{m}_observed'], pct)} / {fmt(row[f'{m}_dirichlet'], pct)}"
                for m, _, pct in _DIRICHLET_ROWS])
        ax.axis("off")
        drawn = ax.table(cellText=cells, colLabels=header, cellLoc="center",
                         bbox=[0.0, 0.0, 1.0, 1.0])  # fills the axes: header + one row a brand
        drawn.auto_set_font_size(False)
        drawn.set_fontsize(12)
        for (r, _c), cell in drawn.get_celld().items():
            cell.set_edgecolor("#dddddd")
            if r == 0:
                cell.set_text_props(weight="bold")
                cell.set_facecolor("#f2f2f2")
        ax.set_title("Brand performance: observed / NBD-Dirichlet")
        subtitle(ax, "Each cell: simulated value / Dirichlet value fitted to the run's "
                      "category data (Goodhardt, Ehrenberg and Chatfield 1984)")
        return ax


def plot_clv_distribution(clv: pd.DataFrame, firms: list[str], ax: Axes | None = None,
                          bins: int = 40, clip: float = 0.99) -> Axes:
    """Distribution of realised CLV per customer, one outline histogram per firm; the x axis
    stops at the ``clip`` quantile of all customers (CLV is very skewed), and the customers
    beyond it are counted in the last bin."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else new_axes()
        colours = palette(firms)
        values = clv["clv"].to_numpy(float)
        values = values[np.isfinite(values)]
        if len(values):
            low, high = float(values.min()), float(np.quantile(values, clip))
        else:
            low, high = 0.0, 1.0
        if high <= low:
            high = low + 1.0
        edges = np.linspace(low, high, bins + 1)
        for name in firms:
            v = clv.loc[clv["firm"] == name, "clv"].to_numpy(float)
            if len(v):
                ax.hist(np.clip(v, low, high), bins=edges, histtype="step", linewidth=2.2,
                        color=colours[name], label=f"{name} (median {np.median(v):,.1f})")
        ax.axvline(0.0, color="#888888", linewidth=1.0, zorder=1)
        ax.set_xlabel("Realised lifetime value per customer (discounted margin)")
        ax.set_ylabel("Customers")
        ax.set_title("Customer lifetime value")
        subtitle(ax, f"Net present value of the margin each customer produced in the run; "
                      f"the last bin holds the top {100 * (1 - clip):.0f}%")
        firm_legend(ax)
        return ax


def fan_chart(trajectories: pd.DataFrame, measure: str, *, firms=None, ax: Axes | None = None,
              period_unit: str = "period", title: str | None = None,
              firm_order=None) -> Axes:
    """Trajectories across runs: per firm, the mean of ``measure`` per period as a line and its
    95% interval over seeds as a band (paper style: sans-serif, thousands separators, the
    scenario's period unit on the time axis).

    ``trajectories`` is the tidy table of :func:`marketsim.run_many` (``period, firm, measure,
    mean, lo, hi``; ``ManyResult.trajectories``); ``firms`` picks and orders firms (default:
    ``firm_order``, else as they appear). Save it with
    :func:`marketsim.outputs.plot_style.save_paper` for PNG, PDF and SVG.
    """
    from marketsim.outputs.plot_style import PAPER_STYLE, paper_axes, time_axis

    rows = trajectories[trajectories["measure"] == measure]
    present = list(pd.unique(rows["firm"].astype(str)))
    order = [f for f in (firms or firm_order or present) if f in present]
    with mpl.rc_context(PAPER_STYLE):
        ax = ax if ax is not None else Figure(layout="constrained").subplots()
        colours = palette(list(firm_order or present))
        for name in order:
            line = rows[rows["firm"].astype(str) == name].sort_values("period")
            colour = colours.get(name, "#333333")
            ax.fill_between(line["period"], line["lo"], line["hi"], color=colour, alpha=0.22,
                            linewidth=0)
            ax.plot(line["period"], line["mean"], color=colour, label=name)
        time_axis(ax, period_unit)
        paper_axes(ax)
        ax.set_ylabel(measure.replace("_", " ").capitalize())
        if title:
            ax.set_title(title)
        if order:
            ax.legend(loc="best")
        return ax
