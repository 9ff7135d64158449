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


# ---------------------------------------------------------------------------- relationship figures
def _palette(firms: list[str]) -> dict[str, str]:
    return {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(firms)}


def _firm_legend(ax: Axes) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Firm",
              title_fontproperties={"weight": "bold"})


def plot_satisfaction_loyalty(curve: pd.DataFrame, firms: list[str],
                              ax: Axes | None = None) -> Axes:
    """Share of customer by satisfaction bin: one line per firm, the pooled curve dashed.

    ``curve`` is :func:`marketsim.measures.relationship_measures.satisfaction_loyalty` (bins of equal counts of
    customer-firm pairs; x is each bin's mean satisfaction).
    """
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else _new_axes()
        colours = _palette(firms)
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
        _subtitle(ax, "Mean share of customer of customer-firm pairs, by satisfaction decile "
                      "(end of run)")
        _firm_legend(ax)
        return ax


def plot_whale_curve(whale: pd.DataFrame, firms: list[str], ax: Axes | None = None) -> Axes:
    """Cumulative share of profit against share of customers, most profitable first (Kaplan
    and Narayanan 2001); ``whale`` is :func:`marketsim.measures.clv.whale_curve`."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else _new_axes()
        colours = _palette(firms)
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
        _subtitle(ax, "Realised lifetime value; a hump above 100% means the least profitable "
                      "customers destroy value")
        _firm_legend(ax)
        return ax


def plot_tie_decomposition(ties: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean switching cost per firm split into its financial, social and structural terms
    (stacked bars); ``ties`` is :func:`marketsim.measures.relationship_measures.tie_decomposition`."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else _new_axes()
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
        _subtitle(ax, "Tie level times the segment's response weight, averaged over current "
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

    ``comparison`` is :func:`marketsim.measures.dirichlet.dirichlet_comparison` (brands in rows). Each
    cell shows observed / Dirichlet; brands are ordered by market share, so Double Jeopardy
    reads as penetration and frequency falling down the table.
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
        _subtitle(ax, "Each cell: simulated value / Dirichlet value fitted to the run's "
                      "category data (Goodhardt, Ehrenberg and Chatfield 1984)")
        return ax


def plot_clv_distribution(clv: pd.DataFrame, firms: list[str], ax: Axes | None = None,
                          bins: int = 40, clip: float = 0.99) -> Axes:
    """Distribution of realised CLV per customer, one outline histogram per firm; the x axis
    stops at the ``clip`` quantile of all customers (CLV is very skewed), and the customers
    beyond it are counted in the last bin."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = ax if ax is not None else _new_axes()
        colours = _palette(firms)
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
        _subtitle(ax, f"Net present value of the margin each customer produced in the run; "
                      f"the last bin holds the top {100 * (1 - clip):.0f}%")
        _firm_legend(ax)
        return ax


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
            self.result.metrics, ax=ax, window=self.result.scenario.market.share_of_customer_window)

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
