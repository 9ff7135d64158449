"""The slide style every figure shares: 16:9, large type, one colour per firm throughout, and
the small drawing helpers the figure modules use."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

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
    # Names are text, never TeX: a firm called "Cheap $\x$" must not stop the figures.
    "text.parse_math": False,
    "text.usetex": False,
}

#: Firm colours, in the order firms appear in the scenario (Okabe-Ito, colour-blind safe,
#: then Tableau for firms beyond eight).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F7F7F",
           "#332288", "#8C564B", "#BCBD22", "#17BECF", "#9467BD", "#2CA02C", "#D62728",
           "#1F77B4", "#FF7F0E", "#AEC7E8", "#98DF8A", "#FF9896", "#C5B0D5"]

def firm_order(metrics: pd.DataFrame) -> list[str]:
    """Firm names in the order they first appear (the scenario's order)."""
    return list(pd.unique(metrics["firm"].astype(str)))


def firm_colours(metrics: pd.DataFrame) -> dict[str, str]:
    """One colour per firm, the same in every figure of a run."""
    return {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(firm_order(metrics))}


def new_axes() -> Axes:
    figure = Figure(layout="constrained")
    return figure.subplots()


def subtitle(ax: Axes, text: str) -> None:
    ax.annotate(text, xy=(0, 1), xycoords="axes fraction", xytext=(0, 8),
                textcoords="offset points", ha="left", va="bottom", fontsize=12, color="#555555")


def text_colour(hex_colour: str) -> str:
    r, g, b = mpl.colors.to_rgb(hex_colour)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


def pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.0f}%"


def palette(firms: list[str]) -> dict[str, str]:
    return {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(firms)}


def firm_legend(ax: Axes) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Firm",
              title_fontproperties={"weight": "bold"})


# ---------------------------------------------------------------------------- paper style
#: Paper style, for figures going into an article: a single-column-and-a-half size, small
#: sans-serif type (no serif face anywhere, mathtext included), fonts embedded as text in the
#: PDF (Type 42) and the SVG, thin lines, no top or right spine. The slide style above stays
#: what ``marketsim run`` and the HTML report draw; :func:`save_paper` writes PNG, PDF and SVG.
PAPER_STYLE = {
    **SLIDE_STYLE,
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "Liberation Sans"],
    "mathtext.fontset": "dejavusans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titlepad": 14,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "lines.linewidth": 1.4,
    "grid.linewidth": 0.5,
    "axes.linewidth": 0.6,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "marketsim",   # the same figure gives the same SVG bytes
}

#: The formats :func:`save_paper` writes: raster for screens, vector for print.
PAPER_FORMATS = ("png", "pdf", "svg")

#: Metadata left out of the vector files so that the same figure gives the same bytes.
_NO_DATES = {"pdf": {"CreationDate": None, "ModDate": None}, "svg": {"Date": None}}


def thousands(value: float, _position=None) -> str:
    """A tick label with thousands separators (``12,500``; ``-1,200,000``); values below 1,000
    keep as many decimals as they need (``0.25``), so shares and money share one formatter."""
    if not np.isfinite(value):
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}" if value != 0 else "0"


def percent_formatter():
    """Tick labels for shares (0.925 -> ``92.5%``, 0.9 -> ``90%``): as many decimals as the
    tick needs, so ticks half a point apart never read as the same or a rounded percentage."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _: f"{round(100 * x, 6):g}%")


def paper_axes(ax: Axes, *, x_thousands: bool = False, y_thousands: bool = True) -> Axes:
    """Thousands separators on the axes asked for (``matplotlib.ticker.FuncFormatter``)."""
    from matplotlib.ticker import FuncFormatter

    if y_thousands:
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    if x_thousands:
        ax.xaxis.set_major_formatter(FuncFormatter(thousands))
    return ax


def period_label(period_unit: str, what: str = "") -> str:
    """The time axis in the scenario's own unit: ``Week``, ``Month of the run``, ..."""
    unit = str(period_unit or "period").strip().capitalize()
    return f"{unit}{' ' + what if what else ''}"


def time_axis(ax: Axes, period_unit: str, what: str = "") -> Axes:
    """Label ``ax``'s x axis with the period unit and put thousands separators on it."""
    ax.set_xlabel(period_label(period_unit, what))
    return paper_axes(ax, x_thousands=True, y_thousands=False)


def save_paper(figure: Figure, stem, formats=PAPER_FORMATS) -> list:
    """Write ``figure`` as ``stem.png``, ``stem.pdf`` and ``stem.svg`` (in the paper style,
    without creation dates, so a rerun gives the same vector files; each file written whole or
    not at all, :func:`marketsim.outputs.atomic.write_atomic`); return the paths."""
    from pathlib import Path

    from marketsim.outputs.atomic import write_atomic

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with mpl.rc_context(PAPER_STYLE):
        for kind in formats:
            written.append(write_atomic(stem.with_name(f"{stem.name}.{kind}"), lambda p, k=kind: (
                figure.savefig(p, format=k, metadata=_NO_DATES.get(k), bbox_inches="tight"))))
    return written
