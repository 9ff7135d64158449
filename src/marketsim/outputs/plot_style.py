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
