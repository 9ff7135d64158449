"""Two runs side by side (``marketsim compare RUN_A RUN_B``): a per-firm table of A, B and
the difference, written as CSV and markdown, and one figure of both runs' trajectories.

Each run is summarised over its own summary window (``RunResult.summary``: shares and
retention are means over the last periods, share of customer and satisfaction at the end,
profit the total); customer equity (the sum of realised lifetime values) is added when both
runs kept their transaction log. The two runs must hold the same firms.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from marketsim.errors import RunOptionError, shorten
from marketsim.outputs.atomic import write_atomic
from marketsim.outputs.plot_style import SLIDE_STYLE, firm_legend, palette, period_label, subtitle

#: Measures of the table, in order: column of ``RunResult.summary``, label, is a share.
MEASURES = (
    ("market_share_units", "market share (units)", True),
    ("market_share_revenue", "market share (revenue)", True),
    ("share_of_customer", "share of customer", True),
    ("retention", "retention", True),
    ("mean_satisfaction", "mean satisfaction", False),
    ("profit", "profit", False),
    ("customer_equity", "customer equity", False),
)
#: Files ``write_comparison`` writes.
FILES = ("compare.csv", "compare.md", "compare.png")


def check_same_firms(a, b, names: tuple[str, str] = ("A", "B")) -> list[str]:
    """The firms of run ``a`` (in its order); a RunOptionError when ``b``'s differ."""
    firms_a = [f.name for f in a.scenario.firms]
    firms_b = [f.name for f in b.scenario.firms]
    if sorted(firms_a) != sorted(firms_b):
        only_a = sorted(set(firms_a) - set(firms_b))
        only_b = sorted(set(firms_b) - set(firms_a))
        parts = [f"only in {names[0]}: {', '.join(only_a)}" if only_a else "",
                 f"only in {names[1]}: {', '.join(only_b)}" if only_b else ""]
        raise RunOptionError(shorten(
            f"the runs hold different firms ({'; '.join(p for p in parts if p)}); compare "
            "two runs of the same market (e.g. `marketsim run SCENARIO --set ...`)", 600))
    return firms_a


def _equity(result) -> pd.Series | None:
    if result.transactions is None:
        return None
    return result.customer_equity()["customer_equity"]


def comparison_table(a, b, names: tuple[str, str] = ("A", "B")) -> pd.DataFrame:
    """One row per firm and measure: ``firm``, ``measure``, ``A``, ``B``, ``difference``
    (B minus A), with ``names`` as the two value columns' headers."""
    firms = check_same_firms(a, b, names)
    summary_a, summary_b = a.summary(), b.summary()
    equity_a, equity_b = _equity(a), _equity(b)
    if equity_a is not None and equity_b is not None:
        summary_a = summary_a.assign(customer_equity=equity_a)
        summary_b = summary_b.assign(customer_equity=equity_b)
    rows = []
    for firm in firms:
        for column, label, _share in MEASURES:
            if column not in summary_a.columns or column not in summary_b.columns:
                continue
            va = float(summary_a[column].get(firm, math.nan))
            vb = float(summary_b[column].get(firm, math.nan))
            rows.append({"firm": firm, "measure": label, names[0]: va, names[1]: vb,
                         "difference": vb - va})
    return pd.DataFrame(rows)


def _cell(value: float, share: bool) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{100 * value:.1f}%" if share else f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"


def _diff(value: float, share: bool) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{100 * value:+.1f} pts" if share else (f"{value:+,.3f}" if abs(value) < 10
                                                     else f"{value:+,.0f}")


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The table with values as text: shares in percent, differences in points."""
    shares = {label for _c, label, share in MEASURES if share}
    a, b = table.columns[2], table.columns[3]
    out = table[["firm", "measure"]].copy()
    is_share = table["measure"].isin(shares)
    out[a] = [_cell(v, s) for v, s in zip(table[a], is_share)]
    out[b] = [_cell(v, s) for v, s in zip(table[b], is_share)]
    out["difference"] = [_diff(v, s) for v, s in zip(table["difference"], is_share)]
    return out


def _escape_md(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(table: pd.DataFrame) -> str:
    """The formatted table as a markdown table (``|`` in names escaped)."""
    shown = formatted(table)
    lines = ["| " + " | ".join(_escape_md(c) for c in shown.columns) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in shown.columns[2:]) + " |"]
    for row in shown.itertuples(index=False):
        lines.append("| " + " | ".join(_escape_md(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def plot_comparison(a, b, names: tuple[str, str] = ("A", "B")) -> Figure:
    """Market share (units) and share of customer per firm over time: A solid, B dashed."""
    firms = check_same_firms(a, b, names)
    colours = palette(firms)
    with mpl.rc_context(SLIDE_STYLE):
        figure = Figure(layout="constrained", figsize=(13.0, 6.2))
        axes = figure.subplots(1, 2, sharex=True)
        for ax, column, title in ((axes[0], "market_share_units", "Market share (units)"),
                                  (axes[1], "share_of_customer", "Share of customer")):
            for result, name, style in ((a, names[0], "-"), (b, names[1], "--")):
                metrics = result.metrics
                for firm in firms:
                    rows = metrics[metrics["firm"].astype(str) == firm].sort_values("period")
                    ax.plot(rows["period"], rows[column], style, color=colours[firm],
                            label=f"{firm} ({name})")
            ax.set_title(title)
            subtitle(ax, f"solid: {shorten(names[0], 40)}; dashed: {shorten(names[1], 40)}")
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.set_ylim(bottom=0)
            ax.set_xlabel(period_label(a.scenario.market.period_unit))
        firm_legend(axes[1])
    return figure


def write_comparison(a, b, out_dir: str | Path,
                     names: tuple[str, str] = ("A", "B")) -> tuple[pd.DataFrame, list[Path]]:
    """Write ``compare.csv`` (numbers), ``compare.md`` (formatted) and ``compare.png`` into
    ``out_dir``; return the table and the paths written."""
    table = comparison_table(a, b, names)
    figure = plot_comparison(a, b, names)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_atomic(out / "compare.csv", lambda p: table.to_csv(p, index=False)),
        write_atomic(out / "compare.md", lambda p: p.write_text(markdown(table),
                                                                encoding="utf-8")),
        write_atomic(out / "compare.png", lambda p: figure.savefig(p, format="png")),
    ]
    return table, written
