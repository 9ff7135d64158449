"""Rows about market share itself: the mass marketer against the customer-centric firm (1),
whether shares settle (6) and whether purchases are counted alike everywhere (15)."""

from __future__ import annotations

import numpy as np
from common import (
    SCENARIOS,
    NotMeasurable,
    Row,
    by_preset,
    firm_names,
    fmt,
    last,
    load,
    periods_per_year,
    run,
)

MASS_SCENARIOS = ("relationship_strategies.toml", "default.toml", "classroom.toml")


def programmes(f: dict) -> int:
    """How many retention programmes a firm runs (points, personal service, structural)."""
    r = f["retention"]
    return sum(r[k] > 0 for k in ("reward_rate", "personal_service", "structural_investment"))


def pairs(data: dict) -> list[tuple[str, str, str]]:
    """(mass marketer, customer-centric firm, how found): by the presets ``mass_marketer`` /
    ``customer_centric``; without them the largest advertiser against the firm with the most
    retention programmes (the validity audit's pairs: MassMart/CloseCo, Fast Cup/Bean Counter).
    Peppers and Rogers define the two by what they spend on: reaching more customers
    (advertising, acquisition) or keeping and growing the ones they have (ties, one-to-one)."""
    mass, centric = by_preset(data, "mass_marketer"), by_preset(data, "customer_centric")
    if mass and centric:
        return [(mass, centric, "presets")]
    budget = {f["name"]: f["acquisition_budget"] for f in data["firms"]}
    ties = {f["name"]: (programmes(f), -f["acquisition_budget"]) for f in data["firms"]}
    return [(max(budget, key=budget.get), max(ties, key=ties.get),
             "largest advertiser vs most retention programmes")]


def widths(result, window: int) -> dict[str, dict[str, float]]:
    """Per firm, over the last ``window`` periods of a run's transaction log: the share of the
    window's buyers (the firm's buyers over the sum of all firms' buyers: Peppers and Rogers'
    horizontal bar, how many customers buy from the firm) and its penetration."""
    top = int(result.metrics["period"].max())
    bp = result.brand_performance(periods=(top - window + 1, top))
    return {"buyers": bp["market_share_buyers"].to_dict(),
            "penetration": bp["penetration"].to_dict()}


def compare(row: Row, tag: str, results: list, mass: str, centric: str,
            window: int) -> tuple[bool, str]:
    """Record the pair's widths and heights over seeds; (holds, summary text)."""
    q = {}
    spans = [widths(r, window) for r in results]
    for kind, values in (("buyer_share", [w["buyers"] for w in spans]),
                         ("penetration", [w["penetration"] for w in spans]),
                         ("market_share", [last(r.metrics, "market_share_units", 13)
                                           for r in results]),
                         ("share_of_customer", [last(r.metrics, "share_of_customer", 13)
                                                for r in results]),
                         ("share_of_customer_weighted",
                          [last(r.metrics, "share_of_customer_weighted", 13) for r in results])):
        for f in (mass, centric):
            q[kind, f] = row.q(f"{tag}.{kind}.{f}", [v[f] for v in values])
    d_w = row.q(f"{tag}.buyer_share.{mass}_minus_{centric}",
                np.subtract(q["buyer_share", mass]["values"], q["buyer_share", centric]["values"]))
    d_soc = row.q(f"{tag}.share_of_customer.{centric}_minus_{mass}",
                  np.subtract(q["share_of_customer", centric]["values"],
                              q["share_of_customer", mass]["values"]))
    holds = d_w["lo"] > 0 and d_soc["lo"] > 0 if len(results) > 1 else (
        d_w["mean"] > 0 and d_soc["mean"] > 0)

    def pair(kind):
        return f"{q[kind, mass]['mean']:.2f} vs {q[kind, centric]['mean']:.2f}"

    text = (f"{mass} vs {centric}: width (share of the last {window} periods' buyers) "
            f"{pair('buyer_share')}, difference {fmt(d_w, 3)}; height (share of customer) "
            f"{pair('share_of_customer')}, difference {fmt(d_soc, 3)} (spend-weighted "
            f"{pair('share_of_customer_weighted')}); market share by units "
            f"{pair('market_share')}: {'yes' if holds else 'no'}")
    return holds, text


def row_mass_vs_centric(cfg) -> Row:
    """MODEL.md section 4, first claim (Peppers and Rogers 1993, Exhibit 1.3; seed 004): the mass
    marketer has the wide bar (market share), the customer-centric firm the tall one (share of
    customer).

    Design (validity audit, claim 1): each of relationship_strategies, default and classroom at
    its own periods, ``cfg.customers`` customers (classroom at its own 2,000); per seed the mean
    over the last 13 periods of market share by units and of share of customer (mean over the
    firm's customers and spend-weighted). Firms by preset; without presets the cheapest vs the
    dearest firm decide, and the audit's pair (largest advertiser vs most retention programmes)
    is shown beside. Holds in a scenario if the mass marketer's market share is larger AND the
    customer-centric firm's share of customer (mean) is larger; the row holds if it does in
    every scenario.
    """
    row = Row(1, "mass_vs_centric", "Mass marketer: wider (more of the market's buyers); "
              "customer-centric firm: taller (larger share of customer)",
              "width(mass) > width(centric) and SoC(centric) > SoC(mass), both intervals "
              "above 0", "per scenario: width = share of the buyers of the last year (or the "
              "whole run if shorter) from the transaction log; height = share_of_customer "
              "(mean over the firm's customers, last 13 periods); paired seeds",
              scenario=", ".join(MASS_SCENARIOS))
    parts, verdicts = [], []
    for name in MASS_SCENARIOS:
        data = load(name)
        customers = min(cfg.customers, data["population"]["customers"])
        results = [run(data, seed, customers=customers, transactions=True)
                   for seed in cfg.seeds]
        window = min(int(data["market"]["periods"]), periods_per_year(data))
        tag = name.removesuffix(".toml")
        (mass, centric, how), = pairs(data)
        holds, text = compare(row, tag, results, mass, centric, window)
        verdicts.append(holds)
        row.details[tag] = {"mass": mass, "centric": centric, "found_by": how,
                            "customers": customers, "window": window,
                            "periods": data["market"]["periods"], "holds": holds}
        parts.append(f"{tag}: {text}")
        del results
    row.value = "<br>".join(parts)
    row.holds = all(verdicts)
    return row


def row_shares_settle(cfg) -> Row:
    """Stationarity (validity audit, "Stationarity"): after its warm-up a shipped market should
    not keep drifting for years.

    Design: every ``scenarios/*.toml`` (not ``null/``) run for two years in its own period unit
    (104 weeks, 24 months, ...) at ``cfg.customers``; per firm the change in market share
    (units) from the first to the last quarter (13 weeks, 3 months; one period for quarterly
    or yearly units). Holds if every scenario but new_entrant (where drift is the point) has
    max over firms of |mean change| <= 0.03.
    """
    row = Row(6, "shares_settle", "Shares settle after the warm-up (no drift over 2 years)",
              "max |share change| <= 0.03 in every scenario but new_entrant",
              "2 years per scenario after warm-up; market_share_units, mean of the first vs the "
              "last quarter; max over firms of |mean change|", scenario="scenarios/*.toml")
    paths = sorted(SCENARIOS.glob("*.toml"))
    if not paths:
        raise NotMeasurable("no scenarios/*.toml")
    parts, verdicts = [], []
    for path in paths:
        data = load(path.name)
        ppy = periods_per_year(data)
        periods, quarter = 2 * ppy, max(1, round(ppy / 4))
        customers = min(cfg.customers, data["population"]["customers"])
        change = {f: [] for f in firm_names(data)}
        for seed in cfg.seeds:
            m = run(data, seed, customers=customers, periods=periods).metrics
            first = m[m["period"] <= quarter].groupby("firm", observed=True)[
                "market_share_units"].mean()
            final = last(m, "market_share_units", quarter)
            for f, values in change.items():
                values.append(final[f] - first[f])
        tag = path.stem
        q = {f: row.q(f"{tag}.{f}.share_change", v) for f, v in change.items()}
        worst = max(q, key=lambda f: abs(q[f]["mean"]))
        settles = abs(q[worst]["mean"]) <= 0.03
        exempt = tag == "new_entrant"
        if not exempt:
            verdicts.append(settles)
        row.details[tag] = {"periods": periods, "quarter": quarter, "customers": customers,
                            "largest_change_firm": worst, "settles": settles,
                            "exempt": exempt}
        parts.append(f"{tag}: {worst} {q[worst]['mean']:+.3f} "
                     f"[{q[worst]['lo']:+.3f}, {q[worst]['hi']:+.3f}]"
                     f"{' (exempt)' if exempt else ''}")
    row.value = "max |change| per scenario: " + "; ".join(parts)
    row.holds = all(verdicts)
    return row


def row_counting(cfg) -> Row:
    """Counting (validity audit, "Counting"): a purchase is a purchase occasion everywhere.

    Design: default and relationship_strategies (directed purchases, three categories), 5,000
    customers, 13 periods, the first seed, with the log: ``brand_performance()``'s purchases
    and the metrics table's units per firm against the sum of ``units`` in the log. Holds if
    all three agree exactly.
    """
    row = Row(15, "counting", "Purchase occasions are counted alike (brand_performance, "
              "metrics, log)", "purchases == sum of log units == metrics units",
              "5k customers, 13 periods, one seed: brand_performance().purchases and metrics "
              "units per firm vs the log's units", scenario="default, relationship_strategies")
    mismatches = {}
    for name in ("default.toml", "relationship_strategies.toml"):
        data = load(name)
        result = run(data, cfg.seeds[0], customers=5_000, periods=13, transactions=True)
        log_units = result.transactions.groupby("firm", observed=True)["units"].sum()
        bp = result.brand_performance()["purchases"]
        metric_units = result.metrics.groupby("firm", observed=True)["units"].sum()
        for f in log_units.index:
            a, b, c = float(log_units[f]), float(bp[f]), float(metric_units[f])
            if not (a == b == c):
                mismatches[f"{name}:{f}"] = {"log": a, "brand_performance": b, "metrics": c}
        row.details[name] = {"log_units": float(log_units.sum()),
                             "brand_performance_purchases": float(bp.sum()),
                             "metrics_units": float(metric_units.sum())}
    row.details["mismatches"] = mismatches
    row.holds = not mismatches
    row.value = ("all equal" if not mismatches else
                 f"{len(mismatches)} firm(s) differ: " + ", ".join(mismatches))
    return row


ROWS = {1: row_mass_vs_centric, 6: row_shares_settle, 15: row_counting}
