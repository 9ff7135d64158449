"""The dashboard's figures, drawn from a :class:`~marketsim.dashboard.market.DashboardMarket`.

Each function returns a :class:`matplotlib.figure.Figure` (Agg, no pyplot state) in the slide
style of the run figures, with the same colour per firm. The market-share and trajectory
figures are the run's own (:func:`marketsim.outputs.plots.plot_share_vs_share_of_customer` and
:func:`~marketsim.outputs.plots.plot_trajectories`, on ``model.metrics()``, one row per period
and firm); the satisfaction distribution is a histogram of the customers' satisfaction arrays;
the network is drawn for small populations only. None of them loops over customers in Python,
so drawing costs the same at 100,000 customers as at 2,000 (the histogram aside, a few
milliseconds of NumPy).
"""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from marketsim.dashboard.market import DashboardMarket
from marketsim.outputs.plot_style import SLIDE_STYLE, palette, subtitle
from marketsim.outputs.plots import plot_share_vs_share_of_customer, plot_trajectories

#: Size of each figure in inches, and the pixels per inch it is sent at.
FIGURE_SIZE = (9.0, 5.0)
DPI = 72

#: Satisfaction bins of the distribution (satisfaction is 0 when performance meets
#: expectations; most customers lie within +-1).
SATISFACTION_BINS = np.linspace(-1.0, 1.0, 21)


def _figure(columns: int = 1) -> tuple[Figure, list]:
    with mpl.rc_context(SLIDE_STYLE):
        figure = Figure(figsize=(FIGURE_SIZE[0] * (1 if columns == 1 else 1.6), FIGURE_SIZE[1]),
                        dpi=DPI)
        figure.subplots_adjust(left=0.1, right=0.78, top=0.8, bottom=0.14)
        axes = figure.subplots(1, columns)
    return figure, list(np.atleast_1d(axes))


def _waiting(title: str, market: DashboardMarket) -> Figure:
    """An empty figure saying the market has not run a period yet."""
    figure, (ax,) = _figure()
    with mpl.rc_context(SLIDE_STYLE):
        ax.set_title(title)
        ax.text(0.5, 0.5, f"Step or play the market: {market.scenario.market.period_unit} 1 "
                          "comes next", ha="center", va="center", fontsize=14, color="#555555",
                transform=ax.transAxes)
        ax.set_axis_off()
    return figure


def share_picture(market: DashboardMarket, metrics=None) -> Figure:
    """Market share (width) against share of customer (height), one column per firm, over the
    scenario's share-of-customer window (the run figure's measure)."""
    metrics = market.metrics() if metrics is None else metrics
    if metrics.empty:
        return _waiting("Market share vs share of customer", market)
    figure, (ax,) = _figure()
    plot_share_vs_share_of_customer(metrics, ax=ax,
                                    window=market.scenario.market.share_of_customer_window)
    return figure


def trajectory(market: DashboardMarket, column: str, metrics=None) -> Figure:
    """One column of the metrics table over the periods: ``market_share_units`` and
    ``share_of_customer`` (the picture's width and height as lines), ``churn``, ``profit``."""
    metrics = market.metrics() if metrics is None else metrics
    if metrics.empty:
        return _waiting(column.replace("_", " ").capitalize(), market)
    figure, (ax,) = _figure()
    plot_trajectories(metrics, column, ax=ax)
    return figure


def satisfaction_distribution(market: DashboardMarket, counts=None) -> Figure:
    """Each firm's customers by satisfaction (share of the firm's customers per bin;
    ``counts`` from :meth:`DashboardMarket.satisfaction_histograms`, read now if None)."""
    if counts is None:
        counts = market.satisfaction_histograms(SATISFACTION_BINS)
    names = [firm.name for firm in market.firms]
    colours = palette(names)
    centres = (SATISFACTION_BINS[:-1] + SATISFACTION_BINS[1:]) / 2
    figure, (ax,) = _figure()
    with mpl.rc_context(SLIDE_STYLE):
        for name, row in zip(names, counts):
            total = row.sum()
            if total:
                ax.plot(centres, row / total, color=colours[name], label=f"{name} ({total:,})",
                        marker="o", markersize=4)
        ax.axvline(0.0, color="#888888", linewidth=1.0, zorder=1)
        ax.set_title("Satisfaction of each firm's customers")
        subtitle(ax, "0 = performance as expected; right of it, customers got more than they "
                     "expected")
        ax.set_xlabel("Satisfaction (values beyond +-1 in the end bins)")
        ax.set_ylabel("Share of the firm's customers")
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Firm (customers)",
                      title_fontproperties={"weight": "bold"})
    return figure


def network(market: DashboardMarket, view=None) -> Figure | None:
    """The word-of-mouth network, each customer coloured by the firm it spends most with
    (grey: nobody's customer), pale when dissatisfied, full colour when satisfied; None above
    :data:`marketsim.dashboard.market.NETWORK_LIMIT` customers (``view`` from
    :meth:`DashboardMarket.network_view`, read now if None)."""
    view = market.network_view() if view is None else view
    if view is None:
        return None
    positions = market.network_layout()
    names = [firm.name for firm in market.firms]
    colours = palette(names)
    base = np.array([mpl.colors.to_rgb(colours[n]) for n in names] + [(0.75, 0.75, 0.75)])
    rgb = base[np.where(view.firm >= 0, view.firm, len(names))]
    strength = np.clip((view.satisfaction + 0.5) / 1.0, 0.15, 1.0)[:, None]  # -0.5 .. +0.5
    rgb = np.where((view.firm >= 0)[:, None], 1.0 - strength * (1.0 - rgb), rgb)
    figure, (ax,) = _figure()
    with mpl.rc_context(SLIDE_STYLE):
        if len(view.edges):
            segments = positions[view.edges]
            ax.add_collection(LineCollection(segments, colors="#cccccc", linewidths=0.3,
                                             zorder=1))
        unhappy = view.satisfaction < -0.05
        ax.scatter(positions[:, 0], positions[:, 1], s=14, c=rgb, zorder=2,
                   edgecolors=np.where(unhappy, "#b00020", "none"), linewidths=0.6)
        for name in names:
            ax.scatter([], [], s=40, color=colours[name], label=name)
        ax.scatter([], [], s=40, color=(0.75, 0.75, 0.75), label="nobody's customer")
        ax.scatter([], [], s=40, facecolor="white", edgecolors="#b00020",
                   label="dissatisfied (complains)")
        ax.set_title("Word-of-mouth network")
        subtitle(ax, "Colour: the customer's main firm; pale = dissatisfied, full = satisfied")
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return figure


def draw_all(market: DashboardMarket) -> list[bytes]:
    """Every figure of the page as PNG bytes: the data read under the market's lock (a
    consistent period, even while another thread steps the market), the drawing after."""
    with market.lock:
        metrics = market.metrics()
        counts = market.satisfaction_histograms(SATISFACTION_BINS)
        view = market.network_view()
    figures = [share_picture(market, metrics), satisfaction_distribution(market, counts)]
    figures += [trajectory(market, column, metrics) for column in
                ("market_share_units", "share_of_customer", "churn", "profit")]
    if view is not None:
        figures.append(network(market, view))
    images = []
    for figure in figures:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.08)
        images.append(buffer.getvalue())
    return images
