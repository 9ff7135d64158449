"""Rows about brand-level regularities: the NBD-Dirichlet with dynamics off (4), Double Jeopardy
with dynamics on (5), spend heterogeneity for Gamma-Gamma (13) and the new entrant's Bass
curve (14)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from common import (
    ROOT,
    SCENARIOS,
    NotMeasurable,
    Row,
    classic_models,
    fmt,
    load,
    run,
)

from marketsim.experiments.studies.double_jeopardy import brand_pattern  # the study's measurement
from marketsim.experiments.studies.new_entrant import entrant_fits  # the study's measurement

BATCHES = 50                 # batches of customers for the sampling SE of brand measures
COMPARED = ("penetration", "purchase_frequency", "category_frequency", "scr",
            "sole_buyer_share", "repeat_rate")
OBSERVED_COLUMN = {"penetration": "penetration", "purchase_frequency": "purchase_frequency",
                   "category_frequency": "category_frequency", "scr": "scr_purchases",
                   "sole_buyer_share": "sole_buyer_share", "repeat_rate": "repeat_rate"}


def batch_se(log, n_customers: int) -> dict[str, np.ndarray]:
    """Sampling SE of each observed brand measure: spread over ``BATCHES`` contiguous blocks
    of customers divided by sqrt(BATCHES) (as tests/test_null_dirichlet.py)."""
    from marketsim.measures.brand_performance import brand_performance

    block = (log["customer_id"].to_numpy() * BATCHES) // n_customers
    sizes = np.bincount((np.arange(n_customers) * BATCHES) // n_customers, minlength=BATCHES)
    tables = [brand_performance(log[block == b], n_customers=int(sizes[b]))
              for b in range(BATCHES)]
    return {m: np.nanstd(np.array([t[OBSERVED_COLUMN[m]].to_numpy() for t in tables]),
                         axis=0, ddof=1) / math.sqrt(BATCHES) for m in COMPARED}


def row_dirichlet_null(cfg) -> Row:
    """NBD-Dirichlet with every dynamic off (Goodhardt, Ehrenberg and Chatfield 1984): the
    observed brand measures should match the Dirichlet fitted to them.

    Design: scenarios/null/dirichlet.toml at its 13 weeks, ``cfg.big_customers`` (30k quick,
    100k full); ``result.dirichlet()`` over the run; z = (observed - Dirichlet) / SE per brand
    and measure (penetration, purchase frequency, category frequency, SCR, sole buyers, repeat
    rate), SE from 50 batches of customers. Holds if every seed's max |z| < 4 and the fitted S
    is finite (inside the fit's bounds).
    """
    path = SCENARIOS / "null" / "dirichlet.toml"
    if not path.exists():
        raise NotMeasurable("scenarios/null/dirichlet.toml does not exist")
    data = load("null/dirichlet.toml")
    n = cfg.big_customers
    row = Row(4, "dirichlet_null", "NBD-Dirichlet holds with dynamics off",
              "max |obs - Dirichlet| / SE < 4 and S finite",
              "null/dirichlet.toml, its 13 weeks: result.dirichlet(); SE from 50 customer "
              "batches; max |z| over brands x 6 measures", scenario="null/dirichlet.toml",
              settings={"customers": n, "periods": data["market"]["periods"],
                        "measures": list(COMPARED), "batches": BATCHES})
    worst, s_fit, where = [], [], []
    for seed in cfg.seeds:
        result = run(data, seed, customers=n, transactions=True)
        table = result.dirichlet()
        fit = table.attrs["fit"]
        se = batch_se(result.transactions, n)
        z = {m: (table[f"{m}_observed"].to_numpy() - table[f"{m}_dirichlet"].to_numpy()) / se[m]
             for m in COMPARED}
        best = max(((abs(v), m, b) for m, zs in z.items() for b, v in zip(table.index, zs)
                    if np.isfinite(v)), default=(float("nan"), "", ""))
        worst.append(best[0])
        where.append(f"{best[1]} of {best[2]}")
        bounded = fit.s_bounds[0] * 1.01 < fit.S < fit.s_bounds[1] * 0.99
        s_fit.append(fit.S if bounded else float("inf"))
    zq = row.q("max_abs_z", worst)
    sq = row.q("S_fitted", s_fit)
    row.details["worst_at"] = where
    row.details["S_in_scenario"] = data["behaviour"]["preference_concentration"]
    row.holds = bool(all(w < 4 for w in worst) and all(math.isfinite(s) for s in s_fit))
    row.value = (f"max |z| {fmt(zq, 2)} (per seed {', '.join(f'{w:.2f}' for w in worst)}); "
                 f"S {fmt(sq, 2)} (scenario S = {row.details['S_in_scenario']})")
    return row


def row_double_jeopardy(cfg) -> Row:
    """Double Jeopardy (Ehrenberg, Goodhardt and Barwise 1990): smaller brands have fewer buyers
    who also buy them slightly less often. The measurement is the ``double_jeopardy`` study's
    (:func:`marketsim.experiments.studies.double_jeopardy.brand_pattern`).

    Design (validity audit, "Double Jeopardy"): grocery_dirichlet.toml with all dynamics on,
    ``cfg.big_customers`` (30k quick, 100k full), 52 weeks, window of the last 13 weeks;
    ``result.brand_performance(window)``; per seed Spearman correlation over brands of market
    share (purchases) with penetration and with purchase frequency. Holds if both are > 0.
    """
    data = load("grocery_dirichlet.toml")
    periods = data["market"]["periods"]
    window = range(periods - 12, periods + 1)
    row = Row(5, "double_jeopardy", "Double Jeopardy with dynamics on",
              "rank corr(share, penetration) > 0 and rank corr(share, frequency) > 0",
              f"grocery_dirichlet.toml, weeks {window.start}-{window.stop - 1}: "
              "brand_performance; Spearman over brands per seed",
              scenario="grocery_dirichlet.toml",
              settings={"customers": cfg.big_customers, "periods": periods,
                        "window": [window.start, window.stop - 1]})
    seeds = [brand_pattern(seed, data=data, customers=cfg.big_customers, window=window)
             for seed in cfg.seeds]
    pen = [s["spearman_share_penetration"] for s in seeds]
    freq = [s["spearman_share_frequency"] for s in seeds]
    scr = [s["spearman_share_scr"] for s in seeds]
    tables = [pd.DataFrame({"market_share_purchases": s["per_brand"]["share"],
                            "penetration": s["per_brand"]["penetration"],
                            "purchase_frequency": s["per_brand"]["frequency"]},
                           index=s["brands"]) for s in seeds]
    qp = row.q("spearman_share_penetration", pen)
    qf = row.q("spearman_share_frequency", freq)
    row.q("spearman_share_scr", scr)
    mean_table = sum(tables) / len(tables)
    row.details["brands_mean_over_seeds"] = mean_table.round(4).to_dict(orient="index")
    row.holds = bool(qp["mean"] > 0 and qf["mean"] > 0)
    brands = ", ".join(f"{b} {r.market_share_purchases:.2f}/{r.penetration:.3f}/"
                       f"{r.purchase_frequency:.2f}" for b, r in mean_table.iterrows())
    row.value = (f"corr(share, penetration) {fmt(qp, 2)}; corr(share, frequency) {fmt(qf, 2)}"
                 f"; share/penetration/frequency: {brands}")
    return row


def gamma_gamma_fit(rfm):
    """(p, q, gamma, converged, CV of mean spend, message) of the Gamma-Gamma ML fit on
    customers with at least one repeat purchase and positive mean spend."""
    cm = classic_models()
    keep = (rfm["frequency"] >= 1) & (rfm["monetary_value"] > 0)
    x = rfm.loc[keep, "frequency"].to_numpy(float)
    z = rfm.loc[keep, "monetary_value"].to_numpy(float)
    cv = float(z.std() / z.mean()) if z.size else float("nan")
    try:
        fit = cm.fit_gamma_gamma(x, z)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
        return float("nan"), float("nan"), float("nan"), False, cv, f"fit failed: {exc}"
    p, q, g = (float(v) for v in fit.params)
    return p, q, g, bool(fit.converged), cv, ""


def row_gamma_gamma(cfg) -> Row:
    """Spend heterogeneity (Fader, Hardie and Lee 2005, JMR 42(4); Colombo and Jiang 1999): the
    Gamma-Gamma model of spend per transaction needs spend to vary between customers.

    Design (validity audit, "BG/NBD and Gamma-Gamma"): grocery_dirichlet.toml, 78 weeks (52
    quick), ``cfg.customers``; ``result.rfm(firm=<largest initial share>)``;
    ``tests/classic_models.fit_gamma_gamma`` on customers with frequency >= 1. Holds if every
    seed's fit converges with p and q finite and inside [1e-3, 1e3] (not run off to a bound).
    """
    data = load("grocery_dirichlet.toml")
    leader = max(data["firms"], key=lambda f: f["initial_share"])["name"]
    periods = 52 if cfg.quick else 78
    row = Row(13, "gamma_gamma", "Spend heterogeneity: Gamma-Gamma fits the RFM export",
              "fit converges, p and q finite and not at a bound",
              f"grocery_dirichlet.toml, {periods} weeks: rfm(firm={leader}); ML Gamma-Gamma "
              "(tests/classic_models.py) on frequency >= 1", scenario="grocery_dirichlet.toml",
              settings={"customers": cfg.customers, "periods": periods, "firm": leader})
    ps, qs, gs, cvs, ok, msgs = [], [], [], [], [], []
    for seed in cfg.seeds:
        result = run(data, seed, customers=cfg.customers, periods=periods, transactions=True)
        p, q, g, converged, cv, msg = gamma_gamma_fit(result.rfm(firm=leader))
        ps.append(p), qs.append(q), gs.append(g), cvs.append(cv), msgs.append(msg)
        ok.append(converged and all(math.isfinite(v) and 1e-3 < v < 1e3 for v in (p, q)))
    qp, qq = row.q("p", ps), row.q("q", qs)
    row.q("gamma", gs)
    qcv = row.q("cv_mean_spend", cvs)
    row.details["fit_ok_per_seed"] = ok
    row.details["messages"] = [m for m in msgs if m]
    row.holds = all(ok)
    row.value = (f"p {fmt(qp, 3)}, q {fmt(qq, 3)}; CV of customers' mean spend "
                 f"{fmt(qcv, 4)}; fit ok in {sum(ok)}/{len(ok)} seeds")
    return row


def row_new_entrant(cfg) -> Row:
    """New-entrant diffusion through advertising and word of mouth (Bass 1969): word of mouth
    is the imitation term q, so without it q should be 0. The measurement is the
    ``new_entrant`` study's (:func:`entrant_fits`).

    Design (validity audit, "New entrant"): new_entrant.toml, 52 weeks quick / 104 full,
    20k / 50k customers; the entrant (initial share 0) and its first purchases per week from
    its entry; ``tests/classic_models.fit_bass_discrete`` with word of mouth as shipped and
    with every segment's ``word_of_mouth = 0``, paired seeds. Holds if q with WOM off is within
    4 SE of 0 (mean q / mean SE) and q with WOM on exceeds it by more than 4 combined SE.
    """
    data = load("new_entrant.toml")
    entrants = [f["name"] for f in data["firms"] if f["initial_share"] == 0]
    if not entrants:
        raise NotMeasurable("new_entrant.toml has no firm with initial_share 0")
    periods, customers = (52, 20_000) if cfg.quick else (104, 50_000)
    row = Row(14, "new_entrant", "New entrant: Bass-like curve, imitation from word of mouth",
              "q(WOM off) within 4 SE of 0; q(WOM on) clearly larger",
              f"new_entrant.toml, {periods} weeks: entrant's acquisitions per week from entry; "
              "discrete Bass NLS fit with WOM on and off (all segments word_of_mouth = 0)",
              scenario="new_entrant.toml",
              settings={"customers": customers, "periods": periods, "entrant": entrants[0]})
    per_seed = [entrant_fits(seed, data=data, customers=customers, periods=periods,
                             root=str(ROOT)) for seed in cfg.seeds]
    fits = {tag: [s[tag] if np.isfinite(s[tag]["q"]) else None for s in per_seed]
            for tag in ("on", "off")}
    for tag, fitted in fits.items():
        for name in ("p", "q", "se_q", "m", "r2"):
            row.q(f"wom_{tag}.{name}", [f[name] if f else float("nan") for f in fitted])
    q_on, q_off = row.quantities["wom_on.q"], row.quantities["wom_off.q"]
    se_on, se_off = row.quantities["wom_on.se_q"]["mean"], row.quantities["wom_off.se_q"]["mean"]
    diff = row.q("q_on_minus_off", np.subtract(q_on["values"], q_off["values"]))
    combined = math.sqrt(se_on ** 2 + se_off ** 2)
    row.details["q_off_in_se"] = q_off["mean"] / se_off if se_off > 0 else float("inf")
    row.details["difference_in_combined_se"] = diff["mean"] / combined if combined else 0.0
    row.holds = bool(abs(q_off["mean"]) < 4 * se_off and diff["mean"] > 4 * combined)
    r2 = row.quantities
    row.value = (f"WOM on: q {fmt(q_on, 3)} (SE {se_on:.3f}), p "
                 f"{r2['wom_on.p']['mean']:.4f}, R2 {r2['wom_on.r2']['mean']:.2f}; WOM off: q "
                 f"{fmt(q_off, 3)} (SE {se_off:.3f}, {row.details['q_off_in_se']:.1f} SE), R2 "
                 f"{r2['wom_off.r2']['mean']:.2f}; on - off {fmt(diff, 3)}")
    return row


ROWS = {4: row_dirichlet_null, 5: row_double_jeopardy, 13: row_gamma_gamma,
        14: row_new_entrant}
