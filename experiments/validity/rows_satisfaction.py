"""Rows about satisfaction: does it follow quality and do delighted customers exist (2), and the
satisfaction-loyalty curves of a competitive and a captive market (3)."""

from __future__ import annotations

import numpy as np
from common import (
    Row,
    current,
    firm_names,
    fmt,
    honest_promise,
    is_honest,
    last,
    load,
    mean_quality,
    model,
    periods_per_year,
    spearman,
)

from marketsim.experiments.studies.satisfaction_loyalty import (  # the study's measurement
    BINS,
    annual,
    curve,
    records,
)

DELIGHT = 0.15          # satisfaction counted as delight (above the praise threshold 0.05)


def row_satisfaction(cfg) -> Row:
    """Satisfaction follows what a firm delivers, and some customers are delighted (validity
    audit, "Satisfaction over time": every honest firm settled at -0.034 whatever its quality).

    Design: default.toml, ``cfg.long_periods`` periods (104 quick, 156 full) at
    ``cfg.customers``, stepped by hand. Per firm the mean satisfaction of its customers over the
    last 26 periods (metrics ``mean_satisfaction``); Spearman correlation of it with quality
    among the honestly-promising firms (promise = quality + service); the share of current
    customer-firm pairs, pooled over firms and the last 26 periods, with S > 0.15.
    Holds if the correlation is > 0 and that share is > 5%.
    """
    data = load("default.toml")
    honest = [f["name"] for f in data["firms"] if is_honest(f)]
    quality = {f["name"]: mean_quality(f) for f in data["firms"]}
    row = Row(2, "satisfaction", "Higher quality gives higher long-run satisfaction; delighted "
              "customers exist", "rank corr(S, quality) > 0 among honest firms; share S>0.15 > 5%",
              f"default.toml, {cfg.long_periods} periods, last 26: mean_satisfaction per firm; "
              "Spearman vs quality over honest firms; share of current pairs with S > 0.15",
              scenario="default.toml",
              settings={"customers": cfg.customers, "periods": cfg.long_periods,
                        "window": 26, "honest_firms": honest})
    if len({quality[f] for f in honest}) < 2 or len(honest) < 3:
        row.status = f"not measurable: fewer than 3 honest firms with distinct quality ({honest})"
        return row
    s_by_firm = {f: [] for f in firm_names(data)}
    corr, slope, delighted = [], [], []
    for seed in cfg.seeds:
        m = model(data, seed, customers=cfg.customers, periods=cfg.long_periods)
        above = held = 0
        for t in range(1, cfg.long_periods + 1):
            m.step()
            if t > cfg.long_periods - 26:
                p = m.population
                cur = current(p.status)
                above += int(np.count_nonzero(p.satisfaction[cur] > DELIGHT))
                held += int(np.count_nonzero(cur))
        s = last(m.metrics(), "mean_satisfaction", 26)
        for f, values in s_by_firm.items():
            values.append(s[f])
        corr.append(spearman([quality[f] for f in honest], [s[f] for f in honest]))
        slope.append(np.polyfit([quality[f] for f in honest], [s[f] for f in honest], 1)[0])
        delighted.append(above / max(held, 1))
    qs = {f: row.q(f"S.{f}", v) for f, v in s_by_firm.items()}
    rho = row.q("spearman_S_quality_honest", corr)
    share = row.q("share_S_above_0.15", delighted)
    b = row.q("slope_S_per_quality_honest", slope)
    row.details["quality"] = quality
    row.details["honest_promise"] = {f["name"]: honest_promise(f) for f in data["firms"]}
    row.holds = bool(rho["mean"] > 0 and share["mean"] > 0.05)
    per_firm = ", ".join(f"{f} (q {quality[f]:.2f}{'' if f in honest else ', over-promises'}) "
                         f"{qs[f]['mean']:+.3f}" for f in sorted(qs, key=quality.get))
    row.value = (f"S: {per_firm}; rank corr {fmt(rho, 2)}, slope dS/dquality {fmt(b, 3)}; "
                 "share S>0.15 "
                 f"{fmt(share, 1, pct=True)}")
    return row


def loyalty_records(data: dict, seed: int, customers: int, periods: int):
    """Per firm, for every customer-period: satisfaction at the start of the period and whether
    the customer was no longer the firm's customer at its end (defection, lapse, termination):
    the study's :func:`marketsim.experiments.studies.satisfaction_loyalty.records`."""
    return records(model(data, seed, customers=customers, periods=periods), periods)


def market_curves(data: dict, cfg, periods: int):
    """Per seed: the within-firm pooled curve (bins are each firm's own quintiles, so every bin
    has the same mix of firms: no between-firm composition effect), the curve across firms
    (quintiles of all customer-firm pairs together, as the audit pooled them), each firm's."""
    ppy = periods_per_year(data)
    names = firm_names(data)
    pooled, across, per_firm, mean_s = [], [], {f: [] for f in names}, []
    for seed in cfg.seeds:
        sat, lost = loyalty_records(data, seed, cfg.customers, periods)
        c = curve(np.concatenate(sat), np.concatenate(lost))
        across.append(annual(*c[:2], ppy) if c else np.full(BINS, np.nan))
        held_all, gone_all, s_all = np.zeros(BINS), np.zeros(BINS), np.zeros(BINS)
        for f, name in enumerate(names):
            c = curve(sat[f], lost[f])
            if c is None:
                per_firm[name].append(np.full(BINS, np.nan))
                continue
            held, gone, s = c
            per_firm[name].append(annual(held, gone, ppy))
            held_all += held
            gone_all += gone
            s_all += s * held
        pooled.append(annual(held_all, gone_all, ppy))
        mean_s.append(s_all / np.maximum(held_all, 1))
    return (np.array(pooled), np.array(across), {f: np.array(v) for f, v in per_firm.items()},
            np.array(mean_s))


def curve_text(row: Row, tag: str, qs: list, qa: list, per_firm: dict) -> str:
    """The curves as the table shows them: % retained a year per satisfaction quintile."""
    def line(qlist):
        return " / ".join(f"{100 * q['mean']:.1f}" for q in qlist)

    spread = fmt(row.quantities[f"{tag}.pooled.top_minus_bottom"], 1, pct=True)
    firms = "; ".join(f"{f} " + "/".join(f"{100 * x:.0f}" for x in np.nanmean(v, axis=0))
                      for f, v in per_firm.items())
    return (f"within-firm quintiles of S, low to high, % retained a year: {line(qs)} "
            f"(top - bottom {spread}); quintiles across firms: {line(qa)}; per firm: {firms}")


def row_satisfaction_loyalty(cfg) -> Row:
    """Jones and Sasser (1995), "Why satisfied customers defect", HBR 73(6): in a competitive
    market retention rises with satisfaction and most steeply at the top; in a captive market it
    hardly depends on satisfaction.

    Design: default.toml (competitive, 52 quick / 104 full weeks) and captive_utility.toml (its
    36 months), ``cfg.customers``, stepped by hand. Every period, each current customer of each
    firm is binned by its satisfaction at the start of the period (the firm's own quintiles over
    the run) and counted as lost if it is no longer the firm's customer at the end. Retention per
    bin = 1 - lost / held, annualised (^52 or ^12). The curve that decides is the within-firm
    pooled one (every bin has the same firm mix). Holds if competitive: bottom < middle < top
    and top - middle > middle - bottom (convex); captive: max - min < 2 annual points.
    """
    competitive, captive = load("default.toml"), load("captive_utility.toml")
    periods = 52 if cfg.quick else 104
    row = Row(3, "satisfaction_loyalty", "Satisfaction-loyalty: competitive curve rises, "
              "steepest at the top; captive curve flat",
              "competitive: bottom < middle < top, top gain > middle gain; captive range < 2 pts",
              "per period, customers binned by start-of-period S (within-firm quintiles), lost "
              "if not a customer at the end; annualised retention per bin",
              scenario="default.toml (competitive), captive_utility.toml (captive)",
              settings={"customers": cfg.customers, "competitive_periods": periods,
                        "captive_periods": captive["market"]["periods"], "bins": BINS})
    verdict, parts = [], []
    for tag, data, n in (("competitive", competitive, periods),
                         ("captive", captive, captive["market"]["periods"])):
        pooled, across, per_firm, mean_s = market_curves(data, cfg, n)
        qs = [row.q(f"{tag}.pooled.bin{k + 1}", pooled[:, k]) for k in range(BINS)]
        qa = [row.q(f"{tag}.across_firms.bin{k + 1}", across[:, k]) for k in range(BINS)]
        row.q(f"{tag}.pooled.top_minus_bottom", pooled[:, -1] - pooled[:, 0])
        row.details[f"{tag}.bin_mean_S"] = mean_s.mean(axis=0).tolist()
        row.details[f"{tag}.per_firm"] = {f: np.nanmean(v, axis=0).tolist()
                                          for f, v in per_firm.items()}
        bottom, middle, top = qs[0]["mean"], qs[BINS // 2]["mean"], qs[-1]["mean"]
        if tag == "competitive":
            ok = bottom < middle < top and (top - middle) > (middle - bottom)
        else:
            spread = max(q["mean"] for q in qs) - min(q["mean"] for q in qs)
            row.details["captive.range_points"] = 100 * spread
            ok = 100 * spread < 2.0
        verdict.append(ok)
        parts.append(f"{tag}: {curve_text(row, tag, qs, qa, per_firm)}: "
                     f"{'yes' if ok else 'no'}")
    row.value = "<br>".join(parts)
    row.holds = all(verdict)
    return row


ROWS = {2: row_satisfaction, 3: row_satisfaction_loyalty}
