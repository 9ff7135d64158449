"""Rows about a firm's own levers: the promise sweep (7), which relationship level pays (8),
terminating unprofitable customers (11) and cross-selling (12). Each compares variants of one
firm on paired seeds and reads profit from the metrics table."""

from __future__ import annotations

import numpy as np
from common import (
    NotMeasurable,
    Row,
    firm,
    fmt,
    honest_promise,
    is_honest,
    load,
)

from marketsim.experiments.studies.customer_base import (  # the study's measurement
    EFFORTS,
    management_profits,
)
from marketsim.experiments.studies.promise_sweep import (  # the study's measurement
    MULTIPLES,
    promise_profits,
)
from marketsim.experiments.studies.relationship_levels import (  # the study's measurement
    LEVELS,
    PRICE_OVER_COST,
    base_changes,
    level_profits,
)

PROMISE_MULTIPLES = MULTIPLES
CROSS_SELL_MULTIPLES = EFFORTS




def row_promise_sweep(cfg) -> Row:
    """The promise sweep (MODEL.md section 4; Boulding et al. 1993): expectations set too low
    lose customers, set too high they disappoint, so profit should peak near the honest promise.
    The measurement is the ``promise_sweep`` study's (:func:`promise_profits`).

    Design (validity audit, claim 5): default.toml, firm Steady (else the first honest firm),
    promise = 0.8, 1, 1.2, 1.5, 2, 2.5 x its honest promise (quality + service), 156 weeks at
    ``cfg.sweep_customers``; total profit over weeks 1-52 and 1-156 of the same runs, paired
    seeds. Holds at a horizon if the best multiple is 1.0 or 1.2 and every multiple >= 1.5
    earns less than 1.0; the row holds if it does at both horizons.
    """
    data = load("default.toml")
    names = [f["name"] for f in data["firms"]]
    target = "Steady" if "Steady" in names else next(
        (f["name"] for f in data["firms"] if is_honest(f)), None)
    if target is None:
        raise NotMeasurable("default.toml has neither Steady nor an honestly-promising firm")
    honest = honest_promise(firm(data, target))
    horizons = (52, 156)
    row = Row(7, "promise_sweep", "Promise sweep: over- and under-promising both lose",
              "profit peaks at 1.0-1.2 x honest; >= 1.5 x earns less than honest",
              f"default.toml, {target}'s promise x {PROMISE_MULTIPLES} of honest "
              f"{honest:.2f}; total profit over 52 and 156 weeks; paired seeds",
              scenario="default.toml",
              settings={"customers": cfg.sweep_customers, "periods": max(horizons),
                        "firm": target, "honest_promise": honest})
    per_seed = [promise_profits(seed, data=data, target=target, multiples=PROMISE_MULTIPLES,
                                customers=cfg.sweep_customers, periods=max(horizons),
                                horizons=horizons) for seed in cfg.seeds]
    results = {k: {h: [s[k][h] for s in per_seed] for h in horizons} for k in PROMISE_MULTIPLES}
    parts, verdict = [], []
    for h in horizons:
        base = np.array(results[1.0][h])
        means = {}
        for k in PROMISE_MULTIPLES:
            row.q(f"profit_{h}.x{k}", results[k][h])
            d = row.q(f"profit_{h}.x{k}_minus_honest", np.array(results[k][h]) - base)
            means[k] = d["mean"]
        best = max(means, key=means.get)
        ok = best in (1.0, 1.2) and all(means[k] < 0 for k in PROMISE_MULTIPLES if k >= 1.5)
        verdict.append(ok)
        row.details[f"best_multiple_{h}"] = best
        diffs = ", ".join(f"x{k}: {means[k] / 1e3:+.1f}k" for k in PROMISE_MULTIPLES if k != 1.0)
        best_q = row.quantities[f"profit_{h}.x{best}_minus_honest"]
        parts.append(f"{h} weeks: best x{best} ({fmt(best_q, 1, k=True)} vs honest); "
                     "profit - honest: "
                     f"{diffs}: {'yes' if ok else 'no'}")
    row.value = "<br>".join(parts)
    row.holds = all(verdict)
    return row


def level_firm(data: dict) -> str:
    names = [f["name"] for f in data["firms"]]
    if "PartnerBank" in names:
        return "PartnerBank"
    found = next((f["name"] for f in data["firms"] if f.get("preset") == "partnership_marketing"),
                 None)
    if found is None:
        raise NotMeasurable("relationship_strategies.toml has no PartnerBank or partnership firm")
    return found


def row_relationship_levels(cfg) -> Row:
    """Which relationship-marketing level pays (Kotler and Keller, seed 001): basic or reactive
    for many customers at a thin margin, partnership for few customers at a fat margin. The
    measurement is the ``relationship_levels`` study's (:func:`level_profits`).

    Design (experiments/relationship_levels.toml and the audit's claim 6): PartnerBank in
    relationship_strategies.toml at each of the five levels, crossed with its price (9/7, 13/7
    and 16/7 of unit cost: thin, mid, fat margin) and its customer base ("few": as shipped;
    "many": initial share raised to take up the unallocated share and initial awareness 0.9),
    52 weeks at ``cfg.sweep_customers``, paired seeds; total profit. Holds if the best level is
    basic or reactive at (many, thin) and partnership at (few, fat).
    """
    data = load("relationship_strategies.toml")
    target = level_firm(data)
    bases = base_changes(data, target)
    periods = data["market"]["periods"]
    row = Row(8, "relationship_levels", "Which relationship level pays depends on customers "
              "and margin", "best level: basic/reactive at (many, thin); partnership at (few, fat)",
              f"{target} in relationship_strategies.toml: 5 levels x price (thin/mid/fat) x base "
              f"(few/many); total profit over {periods} weeks; paired seeds",
              scenario="relationship_strategies.toml",
              settings={"customers": cfg.sweep_customers, "periods": periods, "firm": target,
                        "price_over_cost": PRICE_OVER_COST, "bases": bases})
    cells = [(b, margin) for b in bases for margin in PRICE_OVER_COST]
    per_seed = [level_profits(seed, data=data, target=target, cells=cells, levels=LEVELS,
                              customers=cfg.sweep_customers) for seed in cfg.seeds]
    best, held = {}, {}
    for b, margin in cells:
        means = {}
        for level in LEVELS:
            profit = [s[b, margin, level][0] for s in per_seed]
            customers = [s[b, margin, level][1] for s in per_seed]
            means[level] = row.q(f"{b}.{margin}.{level}.profit", profit)["mean"]
            row.q(f"{b}.{margin}.{level}.customers", customers)
        best[(b, margin)] = max(means, key=means.get)
        held[(b, margin)] = row.quantities[f"{b}.{margin}.{best[(b, margin)]}.customers"][
            "mean"]
    row.details["best_level"] = {f"{b}.{m}": lv for (b, m), lv in best.items()}
    row.holds = best[("many", "thin")] in ("basic", "reactive") and \
        best[("few", "fat")] == "partnership"
    row.value = "best level (customers held): " + "; ".join(
        f"{b}/{m} {lv} ({held[(b, m)]:.0f})" for (b, m), lv in best.items())
    return row


def managing_firm(data: dict) -> str:
    """OneToOneBank, else the first firm that terminates negative-value customers, else the
    customer-centric preset."""
    names = [f["name"] for f in data["firms"]]
    if "OneToOneBank" in names:
        return "OneToOneBank"
    for f in data["firms"]:
        if f["customer_management"]["terminate_negative_clv"] or \
                f.get("preset") == "customer_centric":
            return f["name"]
    raise NotMeasurable("relationship_strategies.toml has no firm with customer management")


def row_termination(cfg) -> Row:
    """Terminating unprofitable customers (Peppers and Rogers, seed 004: differentiate by
    value) should raise profit. The measurement is the ``customer_base`` study's
    (:func:`management_profits`).

    Design (validity audit, claim 9): OneToOneBank in relationship_strategies.toml with
    ``customer_management.terminate_negative_clv`` true and false, everything else as shipped,
    the scenario's 52 weeks at ``cfg.customers``, paired seeds; total profit. Holds if the
    mean profit difference (with - without) is > 0.
    """
    data = load("relationship_strategies.toml")
    target = managing_firm(data)
    row = Row(11, "termination", "Terminating negative-CLV customers raises profit",
              "profit(terminate) - profit(keep) > 0",
              f"{target} in relationship_strategies.toml, terminate_negative_clv on vs off; "
              "total profit over the run; paired seeds", scenario="relationship_strategies.toml",
              settings={"customers": cfg.customers, "periods": data["market"]["periods"],
                        "firm": target})
    per_seed = [management_profits(seed, data=data, target=target, customers=cfg.customers,
                                   variants={"terminate": {"terminate": True},
                                             "keep": {"terminate": False}})
                for seed in cfg.seeds]
    profit = {True: [s["terminate"] for s in per_seed], False: [s["keep"] for s in per_seed]}
    terminations = [s["terminate: terminations"] for s in per_seed]
    d = row.q("profit_terminate_minus_keep", np.subtract(profit[True], profit[False]))
    row.q("profit_terminate", profit[True])
    row.q("profit_keep", profit[False])
    qt = row.q("terminations", terminations)
    rel = row.q("relative_change", np.subtract(profit[True], profit[False])
                / np.abs(profit[False]))
    row.holds = bool(d["mean"] > 0)
    row.value = (f"profit change {fmt(d, 1, k=True)} ({fmt(rel, 1, pct=True)}); terminations "
                 f"{qt['mean']:.0f}")
    return row


def row_cross_selling(cfg) -> Row:
    """Cross-selling (seed 004): more effort sells more but, if it cost anything or annoyed
    customers, profit would peak at an interior effort. The measurement is the
    ``customer_base`` study's (:func:`management_profits`).

    Design (validity audit, claim 9): OneToOneBank in relationship_strategies.toml, its
    ``customer_management.cross_sell`` at 0, 0.5, 1, 2, 4 x the scenario's value, 52 weeks at
    ``cfg.customers``, paired seeds; total profit. Holds if the best multiple is 0.5, 1 or 2.
    """
    data = load("relationship_strategies.toml")
    target = managing_firm(data)
    shipped = firm(data, target)["customer_management"]["cross_sell"]
    row = Row(12, "cross_selling", "Cross-selling has an interior profit optimum",
              "best cross_sell multiple in {0.5, 1, 2}",
              f"{target}: cross_sell x {CROSS_SELL_MULTIPLES} of {shipped}; total profit over "
              "the run; paired seeds", scenario="relationship_strategies.toml",
              settings={"customers": cfg.customers, "periods": data["market"]["periods"],
                        "firm": target, "shipped_cross_sell": shipped})
    if shipped <= 0:
        row.status = f"not measurable: {target}'s cross_sell is 0 in the scenario"
        return row
    per_seed = [management_profits(seed, data=data, target=target, customers=cfg.customers,
                                   variants={k: {"effort": k} for k in CROSS_SELL_MULTIPLES})
                for seed in cfg.seeds]
    profit = {k: [s[k] for s in per_seed] for k in CROSS_SELL_MULTIPLES}
    means = {}
    for k in CROSS_SELL_MULTIPLES:
        row.q(f"profit.x{k}", profit[k])
        means[k] = row.q(f"profit.x{k}_minus_x1", np.subtract(profit[k], profit[1.0]))["mean"]
    best = max(means, key=means.get)
    row.details["best_multiple"] = best
    row.holds = best in (0.5, 1.0, 2.0)
    row.value = f"best x{best}; profit - shipped: " + ", ".join(
        f"x{k}: {fmt(row.quantities[f'profit.x{k}_minus_x1'], 1, k=True)}"
        for k in CROSS_SELL_MULTIPLES
        if k != 1.0)
    return row


ROWS = {7: row_promise_sweep, 8: row_relationship_levels, 11: row_termination,
        12: row_cross_selling}
