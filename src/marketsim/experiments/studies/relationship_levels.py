"""Study 6: which relationship level pays, over a grid of customer numbers x margin (Kotler).

PartnerBank in relationship_strategies.toml runs each of the five relationship-marketing
levels (basic, reactive, accountable, proactive, partnership; Kotler 1994 after Kotler and
Armstrong), crossed with its margin (price 9/7, 13/7 and 16/7 of unit cost: thin, mid, fat; the
file's own price is 13 at cost 7) and its customer base ("few": as shipped, 15% initial share;
"many": the market's unallocated share added and initial awareness 0.9), every other lever as
shipped; total profit over the file's 52 weeks, paired over seeds. The quick size runs the two
corners the claim is about, (few, fat) and (many, thin), at the two extreme levels (basic and
partnership, all the verdict reads); the full size every level over the whole grid. The same
measurement as the validity table's row 8 (``experiments/validity/rows_strategy.py`` calls
:func:`level_profits`).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from marketsim.experiments.studies.base import Findings, Size, Study, fmt_row, lookup, row, table
from marketsim.experiments.studies.runs import firm, last, load_data, run, total, variant

STUDY = Study(
    name="relationship_levels",
    title="Which relationship level pays: customers x margin (Kotler's grid)",
    claim="With many customers and a thin margin the basic level pays best; with few customers "
          "and a fat margin partnership pays best: the ranking of the two extremes reverses "
          "along the grid's diagonal",
    source="Kotler, P. (1994), Marketing Management, 8th ed., ch. 2 (levels of relationship "
           "marketing; Kotler and Keller, Marketing Management, ch. 5); MODEL.md section 4",
    scenarios=("relationship_strategies.toml",),
    quick=Size(3, {"relationship_strategies.toml": 2_000}),
    full=Size(6, {"relationship_strategies.toml": 8_000}),
    summary="PartnerBank's profit at each relationship level, per cell of customers (few, "
            "many) x margin (thin, mid, fat)",
)

FIRM = "PartnerBank"
LEVELS = ("basic", "reactive", "accountable", "proactive", "partnership")
PRICE_OVER_COST = {"thin": 9 / 7, "mid": 13 / 7, "fat": 16 / 7}   # 9/13/16 at unit cost 7
BASES = ("few", "many")
CORNERS = (("few", "fat"), ("many", "thin"))
#: Kotler's grid (many / few customers x low / medium / high margin), its middle row left out.
KOTLER = {("many", "thin"): "basic", ("many", "mid"): "reactive", ("many", "fat"): "accountable",
          ("few", "thin"): "accountable", ("few", "mid"): "proactive",
          ("few", "fat"): "partnership"}


# ---------------------------------------------------------------------------- per seed
def base_changes(data: dict, target: str) -> dict[str, dict]:
    """The firm's fields per customer base: "few" as shipped; "many" with the share nobody
    holds at the start added to its initial share and initial awareness at least 0.9."""
    f = firm(data, target)
    spare = 1.0 - sum(x["initial_share"] for x in data["firms"])
    return {"few": {}, "many": {"initial_share": f["initial_share"] + spare,
                                "initial_awareness": max(0.9, f["initial_awareness"])}}


def level_variant(data: dict, target: str, base: str, margin: str, level: str) -> dict:
    """The scenario with the target at ``level``, priced at the margin's multiple of each
    offer's unit cost, with the customer base ``base``."""
    v = variant(data)
    f = firm(v, target)
    f.update(base_changes(data, target)[base])
    f["relationship_level"] = level
    for o in f["offers"].values():
        o["price"] = round(PRICE_OVER_COST[margin] * o["unit_cost"], 4)
    return v


def level_profits(seed: int, *, data: dict, target: str, cells, levels=LEVELS,
                  customers: int | None) -> dict:
    """One seed: ``{(base, margin, level): (total profit, customers held over the last 13
    periods)}`` of the target over the scenario's periods."""
    out = {}
    for base, margin in cells:
        for level in levels:
            metrics = run(level_variant(data, target, base, margin, level), seed,
                          customers=customers).metrics
            out[base, margin, level] = (total(metrics, "profit")[target],
                                        last(metrics, "customers", 13)[target])
    return out


def cells_of(config) -> tuple[tuple[str, str], ...]:
    return CORNERS if config.quick else tuple((b, m) for b in BASES for m in PRICE_OVER_COST)


def levels_of(config) -> tuple[str, ...]:
    return ("basic", "partnership") if config.quick else LEVELS


# ---------------------------------------------------------------------------- measure
def measure(config) -> Findings:
    name = STUDY.scenarios[0]
    data = load_data(config.scenario(name))
    cells, levels = cells_of(config), levels_of(config)
    seeds = config.replicate(partial(level_profits, data=data, target=FIRM, cells=cells,
                                     levels=levels, customers=config.customers(name)))
    rows, cases = [], {}
    for base, margin in cells:
        case = f"{base} customers, {margin} margin"
        profit = {lv: np.array([s[base, margin, lv][0] for s in seeds]) for lv in levels}
        for lv in levels:
            rows.append(row(case, FIRM, f"profit_{lv}", profit[lv]))
            rows.append(row(case, FIRM, f"customers_{lv}",
                            [s[base, margin, lv][1] for s in seeds]))
            if lv != "basic":
                rows.append(row(case, FIRM, f"{lv}_minus_basic", profit[lv] - profit["basic"],
                                decides=(base, margin) in CORNERS and lv == "partnership"))
        means = {lv: float(profit[lv].mean()) for lv in levels}
        best = max(means, key=means.get)
        kotler = KOTLER[base, margin]
        if kotler in profit:
            rows.append(row(case, FIRM, "kotler_minus_best", profit[kotler] - profit[best]))
        cases[case] = {"base": base, "margin": margin, "best_level": best,
                       "kotler_level": kotler, "in_verdict": (base, margin) in CORNERS}
    frame = table(rows)
    for case, info in cases.items():
        if info["in_verdict"]:
            info["holds"] = _cell_holds(frame, case, info)
        else:  # beside the verdict: Kotler's level not detectably worse than the best
            info["holds"] = bool(lookup(frame, case, FIRM, "kotler_minus_best")["hi"] >= 0)
    f = firm(data, FIRM)
    info = {"cells": [list(c) for c in cells], "levels": list(levels),
            "unit_cost": {c: o["unit_cost"] for c, o in f["offers"].items()},
            "price_in_file": {c: o["price"] for c, o in f["offers"].items()},
            "customers": config.customers(name) or data["population"]["customers"],
            "periods": data["market"]["periods"],
            "bases": base_changes(data, FIRM)}
    return Findings(frame, holds(frame), cases, info)


def _cell_holds(frame: pd.DataFrame, case: str, info: dict) -> bool:
    d = lookup(frame, case, FIRM, "partnership_minus_basic")
    return bool(d["lo"] > 0) if info["margin"] == "fat" else bool(d["hi"] < 0)


def holds(frame: pd.DataFrame) -> bool:
    """Partnership minus basic profit (paired) has its 95% interval above 0 with few customers
    at a fat margin and below 0 with many customers at a thin margin."""
    fat = lookup(frame, "few customers, fat margin", FIRM, "partnership_minus_basic")
    thin = lookup(frame, "many customers, thin margin", FIRM, "partnership_minus_basic")
    return bool(fat["lo"] > 0 and thin["hi"] < 0)


# ---------------------------------------------------------------------------- figure
def figure(findings: Findings, config):
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from marketsim.outputs.plot_style import PAPER_STYLE, palette, paper_axes

    t, levels = findings.table, findings.data["levels"]
    cases = list(findings.cases)
    colours = palette(cases)
    with mpl.rc_context(PAPER_STYLE):
        fig = Figure(figsize=(7.2, 3.6), layout="constrained")
        ax = fig.subplots(1, 1)
        x = np.arange(len(levels))
        ax.axhline(0, color="#999999", linewidth=0.7)
        for k, case in enumerate(cases):
            info = findings.cases[case]
            mean, lo, hi = [0.0], [0.0], [0.0]
            for lv in levels[1:]:
                r = lookup(t, case, FIRM, f"{lv}_minus_basic")
                mean.append(r["mean"]), lo.append(r["lo"]), hi.append(r["hi"])
            mean, lo, hi = map(np.array, (mean, lo, hi))
            shift = (k - (len(cases) - 1) / 2) * 0.06
            style = "-" if info["in_verdict"] else ":"
            ax.errorbar(x + shift, mean, yerr=[mean - lo, hi - mean], color=colours[case],
                        linestyle=style, marker="o", markersize=3.5, capsize=2,
                        label=f"{case} (best: {info['best_level']})")
        ax.set_xticks(x, levels)
        ax.set_xlabel("PartnerBank's relationship level")
        ax.set_ylabel("Profit over 52 weeks minus basic's")
        paper_axes(ax)
        ax.legend(fontsize=6.5, loc="best")
        fig.suptitle(f"Which relationship level pays (relationship_strategies.toml, {FIRM}): "
                     f"profit against basic, paired; mean and 95% interval over "
                     f"{len(config.seeds)} seeds", fontsize=9)
    return fig


# ---------------------------------------------------------------------------- report
def report(findings: Findings, config) -> str:
    t, info = findings.table, findings.data
    levels = info["levels"]
    lines = [f"# {STUDY.title}", "", f"**Claim.** {STUDY.claim}.", "",
             f"**Source.** {STUDY.source}.", "",
             (f"**Verdict: {'holds' if findings.holds else 'does not hold'}** (partnership "
              "against basic in the two corners the claim names)."), "",
             "## What the simulation shows", "",
             (f"relationship_strategies.toml, {FIRM}, {info['customers']:,} customers, "
              f"{info['periods']} weeks after the file's warm-up; the file prices at "
              f"{list(info['price_in_file'].values())[0]:g} on a unit cost of "
              f"{list(info['unit_cost'].values())[0]:g}. Total profit at each level, mean [95% "
              "interval] over seeds, and the paired difference from basic:"), "",
             "| cell | " + " | ".join(levels) + " | partnership - basic | best | Kotler's |",
             "|" + " --- |" * (len(levels) + 4)]
    for case, c in findings.cases.items():
        cells = [fmt_row(lookup(t, case, FIRM, f"profit_{lv}"), money=True) for lv in levels]
        d = fmt_row(lookup(t, case, FIRM, "partnership_minus_basic"), money=True)
        lines.append(f"| {case}{'' if c['in_verdict'] else ' (beside)'} | "
                     + " | ".join(cells) + f" | {d} | {c['best_level']} | {c['kotler_level']} |")
    lines += ["", "Customers held (last 13 weeks), basic against partnership: " + "; ".join(
        f"{case} {lookup(t, case, FIRM, 'customers_basic')['mean']:,.0f} against "
        f"{lookup(t, case, FIRM, 'customers_partnership')['mean']:,.0f}"
        for case in findings.cases) + ".", "",
        "## Where and why the simulation differs", ""]
    lines += _differences(findings)
    return "\n".join(lines)


def _why_not(d, want: str, findings: Findings) -> str:
    """Why a corner of the verdict does not hold, from its interval alone."""
    seeds = int(d["n"])
    if d["lo"] <= 0 <= d["hi"]:
        return (f" The interval includes 0: at this cell the partnership's extra cost and the "
                f"margin it keeps nearly cancel, and {seeds} seeds at "
                f"{findings.data['customers']:,} customers cannot tell the two levels apart.")
    return (f" The difference lies {'below' if want == 'above' else 'above'} 0: the other "
            "level pays here, against the claim.")


def _differences(findings: Findings) -> list[str]:
    t = findings.table
    notes = []
    for case, c in findings.cases.items():
        d = lookup(t, case, FIRM, "partnership_minus_basic")
        if not c["in_verdict"]:
            continue
        want = "above" if c["margin"] == "fat" else "below"
        notes.append(f"- {case}: partnership minus basic {fmt_row(d, money=True)} (the claim "
                     f"wants it {want} 0: {'holds' if c['holds'] else 'does not hold'}); best "
                     f"level by mean profit: {c['best_level']}."
                     + ("" if c["holds"] else _why_not(d, want, findings)))
    off = [case for case, c in findings.cases.items() if not c["in_verdict"]]
    if off:
        notes.append("- beside the verdict, the other cells (best by mean profit against Kotler's "
                     "level; 'holds' where Kotler's level is not detectably less profitable "
                     "than the best, paired): " + "; ".join(
                         f"{case}: best {findings.cases[case]['best_level']}, Kotler's "
                         f"{findings.cases[case]['kotler_level']}, difference "
                         f"{fmt_row(lookup(t, case, FIRM, 'kotler_minus_best'), money=True)}"
                         for case in off) + ".")
    levels = findings.data["levels"]
    if len(levels) < len(LEVELS):
        notes.append(f"- this size runs only {' and '.join(levels)} at the two corners (what "
                     "the verdict reads); the full size runs all five levels over the whole "
                     "grid.")
    notes.append("- the number of customers is set through the firm's starting share and "
                 "awareness, and each level's cost is per customer served, so a larger base "
                 "scales a level's cost with its margin; Kotler's grid reads 'many customers' "
                 "as little margin per customer, which this design varies separately.")
    return notes
