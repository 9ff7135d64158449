"""Reading a sweep: results tables, summaries with confidence intervals, effects and figures.

The results table (``results.parquet``) is tidy: one row per run, firm and output, with the
design point's factor values as columns. From it:

- :func:`summarise`: mean, standard deviation and 95% interval (Student t) per point, firm and
  output;
- :func:`compare`: each point against a baseline point, paired by replication (runs of the
  same replication share their seed under common random numbers, so the paired difference
  removes most of the noise of the draws), with a 95% interval of the difference;
- :func:`main_effects`: the mean of an output at each level of each factor, averaged over the
  other factors (continuous factors of sampled designs in quantile bins);
- figures (:func:`plot_main_effects`, :func:`plot_interaction`, :func:`plot_tornado`,
  :func:`plot_comparison`), each taking ``ax=`` (or a new figure) and returning the axes, and
  :func:`save_sweep_figures`, which the sweep calls to write the PNGs.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from marketsim.outputs.atomic import write_atomic
from marketsim.outputs.plot_style import PALETTE, SLIDE_STYLE

#: Columns of the results table other than the factor columns.
ID_COLUMNS = ["point", "point_label", "replication", "seed", "key", "firm", "output", "value"]
LEVEL_BINS = 5


def run_outputs(metrics: pd.DataFrame, outputs) -> pd.DataFrame:
    """One row per firm and output: the statistic of the metric over the output's window."""
    last_period = metrics["period"].max()
    parts = []
    for output in outputs:
        window = metrics
        if output.window != "all":
            window = metrics[metrics["period"] > last_period - output.window]
        grouped = window.groupby("firm", sort=False)[output.metric]
        values = grouped.last() if output.statistic == "last" else grouped.agg(output.statistic)
        parts.append(pd.DataFrame({"firm": values.index.astype(str), "output": output.key,
                                   "value": values.to_numpy(dtype=float)}))
    return pd.concat(parts, ignore_index=True)


def results_table(experiment, store) -> pd.DataFrame:
    """The tidy results of every finished run of ``experiment`` in ``store``."""
    finished = store.finished_keys()
    columns = ["period", "firm", *sorted({o.metric for o in experiment.outputs})]
    design = experiment.design_frame()
    frames = []
    for spec in experiment.runs:
        if spec.key not in finished:
            continue
        values = run_outputs(store.read_run(spec.key, columns=columns), experiment.outputs)
        values.insert(0, "key", spec.key)
        values.insert(0, "seed", spec.seed)
        values.insert(0, "replication", spec.replication)
        values.insert(0, "point", spec.point)
        frames.append(values)
    if not frames:
        return pd.DataFrame(columns=[*ID_COLUMNS, *experiment.factor_labels])
    results = pd.concat(frames, ignore_index=True)
    results = results.merge(design, on="point", how="left")
    ordered = [*ID_COLUMNS, *experiment.factor_labels]
    return results[ordered]


def _interval(values: pd.Series) -> pd.Series:
    from scipy import stats

    n = int(values.count())
    mean = values.mean()
    std = values.std(ddof=1) if n > 1 else np.nan
    half = stats.t.ppf(0.975, n - 1) * std / np.sqrt(n) if n > 1 else np.nan
    return pd.Series({"n": n, "mean": mean, "std": std, "ci_low": mean - half,
                      "ci_high": mean + half})


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation and 95% interval (t) per design point, firm and output."""
    factor_columns = [c for c in results.columns if c not in ID_COLUMNS]
    keys = ["point", "point_label", *factor_columns, "firm", "output"]
    if results.empty:
        return pd.DataFrame(columns=[*keys, "n", "mean", "std", "ci_low", "ci_high"])
    summary = (results.groupby(keys, sort=False, dropna=False)["value"].apply(_interval)
               .unstack().reset_index())
    summary["n"] = summary["n"].astype(int)
    return summary


def compare(results: pd.DataFrame, output: str, firm: str, baseline: int = 0) -> pd.DataFrame:
    """Each design point against ``baseline``: the mean difference of ``output`` for ``firm``,
    paired by replication, with its 95% interval (t)."""
    data = results[(results["output"] == output) & (results["firm"] == firm)]
    table = data.pivot_table(index="replication", columns="point", values="value")
    if baseline not in table.columns:
        raise KeyError(f"baseline point {baseline} has no finished runs")
    labels = data.drop_duplicates("point").set_index("point")["point_label"]
    rows = []
    for point in table.columns:
        difference = (table[point] - table[baseline]).dropna()
        stats = _interval(difference)
        rows.append({"point": point, "point_label": labels[point], "firm": firm, "output": output,
                     "mean": table[point].mean(), "difference": stats["mean"],
                     "ci_low": stats["ci_low"], "ci_high": stats["ci_high"], "n": stats["n"]})
    return pd.DataFrame(rows)


def _levels(values: pd.Series) -> pd.Series:
    """Levels of a factor: its values, or quantile bins (mid values) when there are many.
    Text values (``["basic", "reactive", ...]``) keep the order of the design, not the
    alphabet's."""
    if not pd.api.types.is_numeric_dtype(values):
        return pd.Series(pd.Categorical(values, categories=list(dict.fromkeys(values))),
                         index=values.index)
    if values.nunique() <= LEVEL_BINS:
        return values
    bins = pd.qcut(values, LEVEL_BINS, duplicates="drop")
    return bins.map(lambda interval: interval.mid).astype(float)


def main_effects(results: pd.DataFrame, output: str, firm: str | None = None) -> pd.DataFrame:
    """Mean of ``output`` (and its 95% interval over runs) at each level of each factor."""
    factor_columns = [c for c in results.columns if c not in ID_COLUMNS]
    data = results[results["output"] == output].sort_values("point", kind="stable")
    if firm is not None:
        data = data[data["firm"] == firm]
    rows = []
    for factor in factor_columns:
        levels = _levels(data[factor])
        for (firm_name, level), values in data.groupby([data["firm"], levels], sort=True,
                                                       observed=True)["value"]:
            stats = _interval(values)
            rows.append({"factor": factor, "level": level, "firm": firm_name, "output": output,
                         **stats.to_dict()})
    return pd.DataFrame(rows)


def sensitivity(results: pd.DataFrame, output: str, firm: str) -> pd.DataFrame:
    """Per factor: the output's mean at the factor's lowest and highest level (main effects),
    and the swing between them, sorted by swing (the tornado chart's bars)."""
    effects = main_effects(results, output, firm)
    rows = []
    for factor, group in effects.groupby("factor", sort=False):
        group = group.sort_values("level", key=_sort_key)
        low, high = group.iloc[0], group.iloc[-1]
        rows.append({"factor": factor, "low_level": low["level"], "high_level": high["level"],
                     "at_low": low["mean"], "at_high": high["mean"],
                     "swing": abs(high["mean"] - low["mean"])})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def _sort_key(levels: pd.Series) -> pd.Series:
    """Numbers in order; text levels as they come (main_effects lists them in design order)."""
    try:
        return pd.to_numeric(levels)
    except (TypeError, ValueError):
        return pd.Series(np.arange(len(levels)), index=levels.index)


# ---------------------------------------------------------------------------- figures
def _axes(ax: Axes | None, size=(11.0, 6.2)) -> Axes:
    if ax is not None:
        return ax
    return Figure(figsize=size).add_subplot()


def _firm_colours(results: pd.DataFrame) -> dict[str, str]:
    firms = list(dict.fromkeys(results["firm"]))
    return {firm: PALETTE[i % len(PALETTE)] for i, firm in enumerate(firms)}


def plot_main_effects(results: pd.DataFrame, output: str, factor: str, ax: Axes | None = None,
                      firms: list[str] | None = None) -> Axes:
    """Mean of ``output`` at each level of ``factor``, one line per firm, 95% intervals."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = _axes(ax)
        effects = main_effects(results, output)
        effects = effects[effects["factor"] == factor]
        colours = _firm_colours(results)
        for firm in colours:
            group = effects[effects["firm"] == firm]
            if group.empty or (firms is not None and firm not in firms):
                continue
            group = group.sort_values("level", key=_sort_key)
            x = _positions(group["level"])
            ax.errorbar(x, group["mean"], yerr=[group["mean"] - group["ci_low"],
                                                group["ci_high"] - group["mean"]],
                        color=colours[firm], marker="o", capsize=4, label=str(firm))
            _label_ticks(ax, group["level"])
        ax.set_xlabel(factor)
        ax.set_ylabel(output)
        ax.set_title(f"{_short(factor)}", fontsize=14)
        ax.legend(loc="best")
    return ax


def plot_interaction(results: pd.DataFrame, output: str, factor_x: str, factor_line: str,
                     firm: str, ax: Axes | None = None) -> Axes:
    """Mean of ``output`` for ``firm`` against ``factor_x``, one line per level of
    ``factor_line``: parallel lines mean no interaction."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = _axes(ax)
        data = results[(results["output"] == output) & (results["firm"] == firm)].copy()
        data["_x"] = _levels(data[factor_x])
        data["_line"] = _levels(data[factor_line])
        means = data.groupby(["_line", "_x"], sort=True)["value"].mean().reset_index()
        for i, (level, group) in enumerate(means.groupby("_line", sort=True)):
            group = group.sort_values("_x", key=_sort_key)
            ax.plot(_positions(group["_x"]), group["value"], marker="o",
                    color=PALETTE[i % len(PALETTE)], label=f"{_short(factor_line)} = {_fmt(level)}")
            _label_ticks(ax, group["_x"])
        ax.set_xlabel(factor_x)
        ax.set_ylabel(f"{output} ({firm})")
        ax.set_title(f"Interaction: {_short(factor_x)} x {_short(factor_line)}")
        ax.legend(loc="best")
    return ax


def plot_tornado(results: pd.DataFrame, output: str, firm: str, ax: Axes | None = None) -> Axes:
    """One bar per factor from the output's mean at the factor's lowest level to its mean at
    the highest, widest swing on top: which levers move ``output`` for ``firm`` most."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = _axes(ax)
        table = sensitivity(results, output, firm).iloc[::-1]
        overall = results[(results["output"] == output) & (results["firm"] == firm)]["value"].mean()
        y = np.arange(len(table))
        left = np.minimum(table["at_low"], table["at_high"])
        ax.barh(y, np.abs(table["at_high"] - table["at_low"]), left=left, color=[
            PALETTE[0] if high >= low else PALETTE[1]
            for low, high in zip(table["at_low"], table["at_high"])])
        for yi, row in zip(y, table.itertuples()):
            ax.annotate(_fmt(row.low_level), (row.at_low, yi), ha="center", va="bottom",
                        xytext=(0, 8), textcoords="offset points", fontsize=10)
            ax.annotate(_fmt(row.high_level), (row.at_high, yi), ha="center", va="bottom",
                        xytext=(0, 8), textcoords="offset points", fontsize=10)
        ax.axvline(overall, color="#555555", linewidth=1)
        ax.set_yticks(y, [_short(f) for f in table["factor"]])
        ax.set_xlabel(f"{output} ({firm}), mean at the lowest and highest level")
        ax.set_title(f"Sensitivity of {output} ({firm})")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#dddddd")
        ax.margins(x=0.08, y=0.1)
    return ax


def plot_comparison(results: pd.DataFrame, output: str, firm: str, ax: Axes | None = None) -> Axes:
    """Mean of ``output`` for ``firm`` at every design point with its 95% interval."""
    with mpl.rc_context(SLIDE_STYLE):
        ax = _axes(ax)
        summary = summarise(results[(results["output"] == output) & (results["firm"] == firm)])
        y = np.arange(len(summary))[::-1]
        ax.errorbar(summary["mean"], y, xerr=[summary["mean"] - summary["ci_low"],
                                              summary["ci_high"] - summary["mean"]],
                    fmt="o", color=PALETTE[0], capsize=4)
        ax.set_yticks(y, summary["point_label"], fontsize=10)
        ax.set_xlabel(f"{output} ({firm}), mean and 95% interval over replications")
        ax.set_title(f"{output} of {firm} at each design point")
        ax.grid(axis="x", color="#dddddd")
    return ax


def _positions(levels: pd.Series) -> np.ndarray:
    numeric = pd.to_numeric(levels, errors="coerce")
    return numeric.to_numpy(float) if numeric.notna().all() else np.arange(len(levels))


def _label_ticks(ax: Axes, levels: pd.Series) -> None:
    if pd.to_numeric(levels, errors="coerce").isna().any():
        ax.set_xticks(np.arange(len(levels)), [str(v) for v in levels])


def _short(label: str) -> str:
    parts = str(label).split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else str(label)


def _fmt(value) -> str:
    return f"{value:.3g}" if isinstance(value, (float, np.floating)) else str(value)


def save_sweep_figures(results: pd.DataFrame, out_dir: str | Path, firm: str,
                       max_points: int = 40) -> list[Path]:
    """The sweep's PNGs per output: main effects (one panel per factor, a line per firm),
    tornado and interaction of the first two factors for ``firm``, and the design points
    compared (when there are at most ``max_points``)."""
    out = Path(out_dir)
    written = []
    if results.empty:
        return written
    factors = [c for c in results.columns if c not in ID_COLUMNS]
    varying = [f for f in factors if results[f].nunique() > 1]
    with mpl.rc_context(SLIDE_STYLE):
        for output in dict.fromkeys(results["output"]):
            figures = {}
            if varying:
                figure = Figure(figsize=(max(11.0, 6.0 * len(varying)), 6.2),
                                layout="constrained")
                axes = figure.subplots(1, len(varying), squeeze=False)[0]
                for ax, factor in zip(axes, varying):
                    plot_main_effects(results, output, factor, ax=ax)
                figure.suptitle(f"Main effects on {output} (mean and 95% interval over runs)",
                                fontsize=16, fontweight="bold")
                figures[f"main_effects_{output}.png"] = figure
                figure = Figure(layout="constrained")
                plot_tornado(results, output, firm, ax=figure.add_subplot())
                figures[f"tornado_{output}.png"] = figure
            if len(varying) >= 2:
                figure = Figure(layout="constrained")
                plot_interaction(results, output, varying[0], varying[1], firm,
                                 ax=figure.add_subplot())
                figures[f"interaction_{output}.png"] = figure
            if results["point"].nunique() <= max_points:
                figure = Figure(figsize=(11.0, 1.5 + 0.45 * results["point"].nunique()),
                                layout="constrained")
                plot_comparison(results, output, firm, ax=figure.add_subplot())
                figures[f"points_{output}.png"] = figure
            for name, figure in figures.items():
                path = write_atomic(out / name,
                                    lambda p, figure=figure: figure.savefig(p, format="png"))
                written.append(path)
    return written
