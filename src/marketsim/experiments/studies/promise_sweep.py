"""Study 5: the promise sweep over two horizons (Boulding et al. 1993; Kopalle and Lehmann 2006).

default.toml's honestly-promising firm Steady (promise = quality + service, docs/model.md) is
run with its promise at 0.8, 1, 1.2, 1.5, 2 and 2.5 times the honest one, everything else as
shipped, over 156 weeks; its total profit over the first 52 and over all 156 weeks of the same
runs (nothing in a run looks ahead), paired with the honest promise on the same seeds. The
same measurement as the validity table's row 7 (``experiments/validity/rows_strategy.py``
calls :func:`promise_profits`).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from marketsim.experiments.studies.base import (
    Findings,
    Size,
    Study,
    fmt_row,
    lookup,
    report_head,
    row,
    table,
)
from marketsim.experiments.studies.runs import firm, honest_promise, load_data, run, total, variant

STUDY = Study(
    name="promise_sweep",
    title="The promise sweep, over two horizons",
    claim="Promising too little loses customers and promising too much disappoints them: "
          "profit is highest at or modestly above the honest promise, over a short and a long "
          "horizon",
    source="Boulding, W., Kalra, A., Staelin, R. and Zeithaml, V. A. (1993), A dynamic process "
           "model of service quality, Journal of Marketing Research 30(1), 7-27; Kopalle, P. K. "
           "and Lehmann, D. R. (2006), Setting quality expectations when entering a market, "
           "Marketing Science 25(1), 8-24; MODEL.md section 4",
    scenarios=("default.toml",),
    quick=Size(3, {"default.toml": 3_000}, {"default.toml": 156}),
    full=Size(10, {"default.toml": 15_000}, {"default.toml": 156}),
    summary="Steady's profit at 0.8-2.5 times its honest promise against the honest promise, "
            "over 52 and 156 weeks",
)

FIRM = "Steady"
MULTIPLES = (0.8, 1.0, 1.2, 1.5, 2.0, 2.5)
HORIZONS = (52, 156)
MAX_PROMISE = 3.0       # the schema's upper bound on a promise


# ---------------------------------------------------------------------------- per seed
def promise_profits(seed: int, *, data: dict, target: str, multiples=MULTIPLES,
                    customers: int | None, periods: int, horizons=HORIZONS) -> dict:
    """One seed: ``{multiple: {horizon: total profit of the target over periods 1..h}}`` with
    the target's promise at ``multiple`` times its honest promise (at most 3)."""
    honest = honest_promise(firm(data, target))
    out = {}
    for k in multiples:
        v = variant(data)
        firm(v, target)["promise"] = min(MAX_PROMISE, k * honest)
        metrics = run(v, seed, customers=customers, periods=periods).metrics
        out[k] = {h: total(metrics, "profit", h)[target] for h in horizons}
    return out


# ---------------------------------------------------------------------------- measure
def measure(config) -> Findings:
    name = STUDY.scenarios[0]
    data = load_data(config.scenario(name))
    periods = config.periods(name) or max(HORIZONS)
    seeds = config.replicate(partial(promise_profits, data=data, target=FIRM,
                                     customers=config.customers(name), periods=periods))
    rows, cases = [], {}
    for h in HORIZONS:
        case = f"{h} weeks"
        honest = np.array([s[1.0][h] for s in seeds])
        for k in MULTIPLES:
            profit = np.array([s[k][h] for s in seeds])
            rows.append(row(case, FIRM, f"profit_x{k}", profit))
            if k != 1.0:
                rows.append(row(case, FIRM, f"x{k}_minus_honest", profit - honest,
                                decides=k == 0.8 or k >= 1.5))
        cases[case] = {"horizon": h}
    frame = table(rows)
    for case, info in cases.items():
        info["holds"] = _horizon_holds(frame, case)
        info["in_verdict"] = True
        means = {k: lookup(frame, case, FIRM, f"profit_x{k}")["mean"] for k in MULTIPLES}
        info["best_multiple"] = max(means, key=means.get)
    f = firm(data, FIRM)
    info = {"honest_promise": honest_promise(f), "promise_in_file": f["promise"],
            "customers": config.customers(name) or data["population"]["customers"],
            "periods": periods}
    return Findings(frame, holds(frame), cases, info)


def _horizon_holds(frame: pd.DataFrame, case: str) -> bool:
    decides = frame[(frame["case"] == case) & frame["decides"].astype(bool)]
    return bool(len(decides) > 0 and (decides["hi"] < 0).all())


def holds(frame: pd.DataFrame) -> bool:
    """At both horizons, the under-promise (0.8 x honest) and every over-promise of 1.5 x or
    more earn less than the honest promise: each paired difference's 95% interval below 0
    (profit peaks inside, at 1 to 1.2 x)."""
    return all(_horizon_holds(frame, f"{h} weeks") for h in HORIZONS)


# ---------------------------------------------------------------------------- figure
def figure(findings: Findings, config):
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from marketsim.outputs.plot_style import PAPER_STYLE, paper_axes

    t = findings.table
    with mpl.rc_context(PAPER_STYLE):
        fig = Figure(figsize=(7.2, 3.3), layout="constrained")
        axes = fig.subplots(1, len(HORIZONS))
        for ax, (case, info) in zip(axes, findings.cases.items()):
            x, mean, lo, hi = [], [], [], []
            for k in MULTIPLES:
                x.append(k)
                if k == 1.0:
                    mean.append(0.0), lo.append(0.0), hi.append(0.0)
                    continue
                r = lookup(t, case, FIRM, f"x{k}_minus_honest")
                mean.append(r["mean"]), lo.append(r["lo"]), hi.append(r["hi"])
            mean, lo, hi = map(np.array, (mean, lo, hi))
            ax.axhline(0, color="#999999", linewidth=0.7)
            ax.fill_between(x, lo, hi, color="#0072B2", alpha=0.2, linewidth=0)
            ax.plot(x, mean, color="#0072B2", marker="o", markersize=4)
            ax.axvline(1.0, color="#555555", linestyle=":", linewidth=0.8)
            ax.set_xlabel("Promise / honest promise (quality + service)")
            ax.set_title(f"first {case} ({'holds' if info['holds'] else 'does not hold'}; best "
                         f"x{info['best_multiple']})", fontsize=8)
            paper_axes(ax)
        axes[0].set_ylabel(f"{FIRM}'s profit minus the honest promise's")
        fig.suptitle(f"The promise sweep in default.toml: {FIRM}'s total profit against the "
                     f"honest promise (paired; mean and 95% band over {len(config.seeds)} "
                     "seeds)", fontsize=9)
    return fig


# ---------------------------------------------------------------------------- report
def report(findings: Findings, config) -> str:
    t, info = findings.table, findings.data
    lines = report_head(STUDY, findings) + [
             "## What the simulation shows", "",
             (f"default.toml, {FIRM} (honest promise {info['honest_promise']:.2f}, the file's "
              f"{info['promise_in_file']:.2f}), {info['customers']:,} customers, "
              f"{info['periods']} weeks; total profit, and its paired difference from the "
              "honest promise, mean [95% interval] over seeds:"), "",
             "| promise | " + " | ".join(f"profit, {c} | minus honest, {c}"
                                        for c in findings.cases) + " |",
             "|" + " --- |" * (1 + 2 * len(findings.cases))]
    for k in MULTIPLES:
        cells = []
        for case in findings.cases:
            cells.append(fmt_row(lookup(t, case, FIRM, f"profit_x{k}"), money=True))
            cells.append("-" if k == 1.0 else fmt_row(
                lookup(t, case, FIRM, f"x{k}_minus_honest"), money=True))
        lines.append(f"| x{k} | " + " | ".join(cells) + " |")
    lines += ["", "## Where and why the simulation differs", ""]
    lines += _differences(findings)
    return "\n".join(lines)


def _differences(findings: Findings) -> list[str]:
    t = findings.table
    notes = []
    for case, info in findings.cases.items():
        low = lookup(t, case, FIRM, "x0.8_minus_honest")
        modest = lookup(t, case, FIRM, "x1.2_minus_honest")
        high = [k for k in MULTIPLES if k >= 1.5]
        losing = [k for k in high if lookup(t, case, FIRM, f"x{k}_minus_honest")["hi"] < 0]
        parts = [f"- {case}: under-promising (x0.8) changes profit by {fmt_row(low, money=True)}"
                 f"; a modest over-promise (x1.2) by {fmt_row(modest, money=True)}"]
        if modest["lo"] > 0:
            parts.append(" (it wins, as Kopalle and Lehmann find for a promise a little above "
                         "quality)")
        elif modest["hi"] < 0:
            parts.append(" (it loses)")
        else:
            parts.append(" (not distinguishable from the honest promise at this size)")
        parts.append(f"; over-promises of 1.5x and more: {len(losing)} of {len(high)} lose "
                     f"(x2.5: {fmt_row(lookup(t, case, FIRM, 'x2.5_minus_honest'), money=True)})."
                     )
        if not info["holds"]:
            if low["hi"] >= 0:
                parts.append(" Under-promising does not detectably lose here: a low promise "
                             "attracts fewer customers but those it wins are pleasantly "
                             "surprised, and with credibility 0.3 (Erdem and Swait 1998) a "
                             "promise moves expectations only part of the way.")
            if len(losing) < len(high):
                parts.append(" Not every large over-promise detectably loses at this size.")
        notes.append("".join(parts))
    long_case, short_case = f"{HORIZONS[1]} weeks", f"{HORIZONS[0]} weeks"
    early = lookup(t, short_case, FIRM, "x2.5_minus_honest")["mean"]
    late = lookup(t, long_case, FIRM, "x2.5_minus_honest")["mean"]
    growth = ("grows" if late < early else "does not grow")
    notes.append(f"- horizons: the best multiple (by mean profit) is "
                 f"x{findings.cases[short_case]['best_multiple']} over {short_case} and "
                 f"x{findings.cases[long_case]['best_multiple']} over {long_case}. Disappointment "
                 "works through satisfaction, defection and word of mouth, which take time; the "
                 f"loss of the largest over-promise (x2.5) {growth} from the first year "
                 f"({early:,.0f}) to three ({late:,.0f}).")
    return notes
