"""Rows about retention programmes: which tie survives a rival's move (9) and what a few points
of retention are worth (10). Both use CloseCo in default.toml."""

from __future__ import annotations

import math

import numpy as np
from common import (
    NotMeasurable,
    Row,
    firm,
    fmt,
    load,
    periods_per_year,
)

from marketsim.experiments.studies.retention_economics import (  # the study's measurement
    STRUCTURAL_LEVELS,
    clv_ratio,
    retention_runs,
)
from marketsim.experiments.studies.which_tie import (  # the study's measurement
    PRICE_CUT,
    SHOCK_PERIOD,
    SWITCHES,
    TIES,
    one_tie,
    tie_losses,
)


def tie_firm(data: dict) -> str:
    """CloseCo, else the firm running the most retention programmes (at least one)."""
    names = [f["name"] for f in data["firms"]]
    if "CloseCo" in names:
        return "CloseCo"
    count = {f["name"]: sum(f["retention"][k] > 0 for k in SWITCHES.values())
             for f in data["firms"]}
    best = max(count, key=count.get, default=None)
    if best is None or count[best] == 0:
        raise NotMeasurable("default.toml has no CloseCo and no firm with a retention programme")
    return best








def row_which_tie(cfg) -> Row:
    """Which tie survives a competitor's move (Berry and Parasuraman 1991): financial ties are
    the easiest to copy, structural ties the hardest. The measurement is the ``which_tie``
    study's (:func:`tie_losses`).

    Design (validity audit, claim 4): default.toml, CloseCo with one tie at a time (reward
    points, personal service, structural investment at the scenario's values; none as a
    control), 52 weeks at ``cfg.customers``. Shock at week 27: every rival cuts its prices 15%,
    or every rival copies the programme. Share of CloseCo's week-26 customers no longer its
    customers at week 52; the shock's effect is that minus the same share without the shock
    (paired seeds). Holds if, for both shocks, financial loses the most and structural the least.
    """
    data = load("default.toml")
    target = tie_firm(data)
    periods = 52
    row = Row(9, "which_tie", "Which tie survives a rival's move: financial weakest, structural "
              "strongest", "excess loss: financial largest, structural smallest (both shocks)",
              f"{target} with one tie; week 27 every rival cuts price 15% or copies the "
              "programme; share of week-26 customers lost by week 52 minus no-shock; paired "
              "seeds", scenario="default.toml",
              settings={"customers": cfg.customers, "periods": periods, "firm": target,
                        "shock_period": SHOCK_PERIOD, "price_cut": PRICE_CUT})
    parts, verdict = [], []
    per_seed = [tie_losses(seed, data=data, target=target, customers=cfg.customers,
                           periods=periods) for seed in cfg.seeds]
    baseline = {}
    for tie in (None, *TIES):
        name = tie or "none"
        row.details[f"programme.{name}"] = one_tie(data, target, tie)[1]
        baseline[name] = [s["no_shock", name] for s in per_seed]
        row.q(f"no_shock.{name}.lost", baseline[name])
        for shock in ("price_cut", "copy"):
            if shock == "copy" and tie is None:
                continue
            lost = [s[shock, name] for s in per_seed]
            row.q(f"{shock}.{name}.lost", lost)
            row.q(f"{shock}.{name}.excess", np.subtract(lost, baseline[name]))
    for shock in ("price_cut", "copy"):
        excess = {t: row.quantities[f"{shock}.{t}.excess"]["mean"] for t in TIES}
        ok = max(excess, key=excess.get) == "financial" and \
            min(excess, key=excess.get) == "structural"
        verdict.append(ok)
        names = ("none", *TIES) if shock == "price_cut" else tuple(TIES)
        parts.append(f"{shock}: " + ", ".join(
            f"{t} {100 * row.quantities[f'{shock}.{t}.lost']['mean']:.1f}% "
            f"({fmt(row.quantities[f'{shock}.{t}.excess'], 1, pct=True)})" for t in names)
            + f": {'yes' if ok else 'no'}")
    parts.insert(0, "lost (excess over no shock): no shock " + ", ".join(
        f"{t} {100 * row.quantities[f'no_shock.{t}.lost']['mean']:.1f}%" for t in baseline))
    row.value = "<br>".join(parts)
    row.holds = all(verdict)
    return row


def row_retention_economics(cfg) -> Row:
    """Retention economics (Reichheld and Sasser 1990, HBR 68(5): 5 points more retention, 25-85%
    more profit at 80-95% base retention; Gupta and Lehmann 2003 for the closed form). The
    measurement is the ``retention_economics`` study's (:func:`retention_runs`, :func:`clv_ratio`).

    Design (validity audit, claim 2): default.toml, CloseCo's structural investment raised from
    its shipped level to 0.45, 0.6, 0.8, 1.0 at the same cost per customer (structural cost
    scaled down), 78 weeks at ``cfg.customers``, paired seeds. Annual retention = (mean weekly
    retention)^52; the variant whose mean gain is closest to 5 points is reported: its % change
    in total profit beside the closed form m r / (1 + d - r) evaluated per seed at the base and
    variant weekly retention. Holds if the simulated mean lies in the closed form's interval, or
    the base retention is 80-90% a year and the change is 25-85%.
    """
    data = load("default.toml")
    target = tie_firm(data)
    shipped = firm(data, target)["retention"]
    x0 = shipped["structural_investment"]
    periods, ppy = 78, periods_per_year(data)
    d = data["market"]["discount_rate"]
    row = Row(10, "retention_economics", "Retention economics: +5 points of retention raise "
              "profit by far more", "within the CLV closed form's interval, or 25-85% at 80-90% "
              "base retention",
              f"{target}'s structural investment raised at equal cost per customer; 78 weeks; "
              "variant with ~+5 annual points; % profit change vs m r/(1+d-r) per seed",
              scenario="default.toml",
              settings={"customers": cfg.customers, "periods": periods, "firm": target,
                        "levels": [x0, *STRUCTURAL_LEVELS], "discount_rate": d})

    levels = (x0, *[x for x in STRUCTURAL_LEVELS if x > x0])
    per_seed = [retention_runs(seed, data=data, target=target, levels=levels,
                               customers=cfg.customers, periods=periods)
                for seed in cfg.seeds]

    def measure(x: float):
        return (np.array([s[x]["weekly_retention"] for s in per_seed]),
                np.array([s[x]["profit"] for s in per_seed]))

    base_r, base_p = measure(x0)
    row.q("base.annual_retention", base_r ** ppy)
    row.q("base.profit", base_p)
    gains = {}
    for x in levels[1:]:
        r, p = measure(x)
        gains[x] = (r, p, 100 * np.mean(r ** ppy - base_r ** ppy))
        row.details[f"gain_points.x{x}"] = gains[x][2]
    if not gains:
        row.status = f"not measurable: {target}'s structural investment {x0} is already at the top"
        return row
    pick = min(gains, key=lambda x: abs(gains[x][2] - 5.0))
    r, p, _ = gains[pick]
    points = row.q("gain_annual_points", 100 * (r ** ppy - base_r ** ppy))
    sim = row.q("profit_change", p / base_p - 1)
    pred = row.q("closed_form_r", [clv_ratio(a, b, d, "r") for a, b in zip(base_r, r)])
    alt = row.q("closed_form_1+d", [clv_ratio(a, b, d, "1+d") for a, b in zip(base_r, r)])
    base_annual = row.quantities["base.annual_retention"]["mean"]
    within = math.isfinite(pred["lo"]) and pred["lo"] <= sim["mean"] <= pred["hi"]
    band = 0.8 <= base_annual <= 0.9 and 0.25 <= sim["mean"] <= 0.85
    row.details["structural_investment_reported"] = pick
    row.details["within_closed_form"] = within
    row.details["in_reichheld_band"] = band
    row.holds = bool(within or band)
    row.value = (f"base retention {100 * base_annual:.1f}%/yr; structural {x0} -> {pick}: "
                 f"{fmt(points, 1)} points; profit {fmt(sim, 1, pct=True)}; closed form "
                 f"m r/(1+d-r) {fmt(pred, 1, pct=True)} (m(1+d)/(1+d-r) {fmt(alt, 1, pct=True)})")
    return row


ROWS = {9: row_which_tie, 10: row_retention_economics}
