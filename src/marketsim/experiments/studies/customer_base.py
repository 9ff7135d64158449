"""Study 9: customer base management: terminating unprofitable customers, cross- and
up-selling effort, segment targeting.

relationship_strategies.toml's OneToOneBank (the customer-centric bank) with one lever
changed at a time, total profit over the file's 52 weeks, paired over seeds against the file:

* **termination**: ``terminate_negative_clv`` on (the file) against off;
* **cross-selling effort**: ``cross_sell`` at 0, 0.5, 1, 2 and 4 times the file's 0.05 (the
  quick size 0, 1 and 4), up-selling as in the file;
* **segment targeting**: dedicated personal assistance for the affluent segment only (the
  file) against for every customer and for none (personal assistance for all).

The file's contacts cost nothing, do not irritate, and every customer costs the same to serve;
the package has mechanisms under which the literature's claims can hold, and the study shows
them beside the file, clearly labelled and outside the verdict: **varying cost to serve**
(every segment's ``service_intensity`` log-normal with spread 1, Niraj, Gupta and Narasimhan
2001; predicted value shrunk toward the firm's mean with 8 periods' weight, Malthouse and
Blattberg 2005) for termination, and **costed contacts** (``contact_cost`` 0.3 a mail contact,
``irritation`` 0.05 beyond one contact a period, Godfrey, Seiders and Voss 2011) for
cross-selling: the values of ``tests/test_revised_mechanisms.py``. Validity rows 11 and 12
(``experiments/validity/rows_strategy.py``) call :func:`management_profits`.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from marketsim.experiments.studies.base import Findings, Size, Study, fmt_row, lookup, row, table
from marketsim.experiments.studies.runs import firm, load_data, run, total, variant

STUDY = Study(
    name="customer_base",
    title="Customer base management: termination, cross-selling effort, segment targeting",
    claim="Managing the customer base by value pays: terminating customers whose predicted "
          "lifetime value is negative raises profit; cross- and up-selling effort has an "
          "interior optimum (too many contacts cost and irritate); serving the most valuable "
          "segment more closely earns more than serving every customer alike",
    source="Venkatesan, R. and Kumar, V. (2004), A customer lifetime value framework for "
           "customer selection and resource allocation strategy, Journal of Marketing 68(4); "
           "Shah, D., Kumar, V., Qu, Y. and Chen, S. (2012), Unprofitable cross-buying, Journal "
           "of Marketing 76(3); Godfrey, A., Seiders, K. and Voss, G. B. (2011), Enough is "
           "enough!, Journal of Marketing 75(4); Zeithaml, V. A., Rust, R. T. and Lemon, K. N. "
           "(2001), The customer pyramid, California Management Review 43(4); Peppers and "
           "Rogers (1993)",
    scenarios=("relationship_strategies.toml",),
    quick=Size(3, {"relationship_strategies.toml": 2_000}),
    full=Size(6, {"relationship_strategies.toml": 8_000}),
    summary="OneToOneBank's profit with termination, cross-selling effort and segment "
            "targeting changed one at a time; the file and the mechanisms under which the "
            "claims can hold",
)

FIRM = "OneToOneBank"
EFFORTS = (0.0, 0.5, 1.0, 2.0, 4.0)
QUICK_EFFORTS = (0.0, 1.0, 4.0)
VARYING_COST = {"spread": 1.0, "shrinkage_periods": 8.0}     # tests/test_revised_mechanisms.py
COSTED_CONTACTS = {"contact_cost": 0.3, "irritation": 0.05}
DEDICATED, STANDARD = "dedicated_personal_assistance", "personal_assistance"


# ---------------------------------------------------------------------------- variants
def managed(data: dict, target: str, *, terminate: bool | None = None, effort: float = 1.0,
            costed: bool = False, varying_cost: bool = False,
            targeting: str = "file") -> dict:
    """The scenario with the target's customer management changed: termination on or off
    (None: as in the file), ``cross_sell`` at ``effort`` times the file's, contacts that cost
    and irritate, cost to serve varying across customers (with shrunk value predictions), and
    dedicated personal assistance for the file's segments, ``everyone`` or ``no_one``."""
    v = variant(data)
    f = firm(v, target)
    cm = f["customer_management"]
    if terminate is not None:
        cm["terminate_negative_clv"] = terminate
    cm["cross_sell"] = effort * firm(data, target)["customer_management"]["cross_sell"]
    if costed:
        cm.update(COSTED_CONTACTS)
    if varying_cost:
        for segment in v["segments"]:
            segment["service_intensity"] = {"mean": 1.0, "spread": VARYING_COST["spread"]}
        cm["shrinkage_periods"] = VARYING_COST["shrinkage_periods"]
    if targeting == "everyone":
        f["relationship_type"], f["relationship_types"] = DEDICATED, {}
    elif targeting == "no_one":
        f["relationship_type"], f["relationship_types"] = STANDARD, {}
    return v


def plan(efforts) -> dict[str, dict]:
    """The variants a seed runs: name -> keyword arguments of :func:`managed`."""
    out = {"file": {}, "keep": {"terminate": False},
           "varying cost, terminate": {"terminate": True, "varying_cost": True},
           "varying cost, keep": {"terminate": False, "varying_cost": True},
           "target everyone": {"targeting": "everyone"},
           "target no one": {"targeting": "no_one"}}
    for e in efforts:
        if e != 1.0:
            out[f"effort {e:g}"] = {"effort": e}
        out[f"costed, effort {e:g}"] = {"effort": e, "costed": True}
    return out


# ---------------------------------------------------------------------------- per seed
def management_profits(seed: int, *, data: dict, target: str, variants: dict[str, dict],
                       customers: int | None) -> dict[str, float]:
    """One seed: the target's total profit over the scenario's periods in each variant
    (``variants``: name -> keyword arguments of :func:`managed`), and its terminations."""
    out = {}
    for name, changes in variants.items():
        metrics = run(managed(data, target, **changes), seed, customers=customers).metrics
        out[name] = total(metrics, "profit")[target]
        out[f"{name}: terminations"] = total(metrics, "terminations")[target]
    return out


# ---------------------------------------------------------------------------- measure
def measure(config) -> Findings:
    name = STUDY.scenarios[0]
    data = load_data(config.scenario(name))
    efforts = QUICK_EFFORTS if config.quick else EFFORTS
    seeds = config.replicate(partial(management_profits, data=data, target=FIRM,
                                     variants=plan(efforts), customers=config.customers(name)))

    def p(variant_name):  # the file's own run is the free-contacts effort 1
        key = "file" if variant_name == "effort 1" else variant_name
        return np.array([s[key] for s in seeds])

    rows = []
    # termination
    rows.append(row("termination (file)", FIRM, "terminate_minus_keep", p("file") - p("keep"),
                    True))
    rows.append(row("termination (file)", FIRM, "terminations", p("file: terminations")))
    rows.append(row("termination (varying cost to serve)", FIRM, "terminate_minus_keep",
                    p("varying cost, terminate") - p("varying cost, keep")))
    rows.append(row("termination (varying cost to serve)", FIRM, "terminations",
                    p("varying cost, terminate: terminations")))
    # cross-selling effort
    for case, prefix in (("cross-selling (file: free contacts)", "effort"),
                         ("cross-selling (costed contacts)", "costed, effort")):
        profits = {e: p(f"{prefix} {e:g}") for e in efforts}
        for e in efforts:
            rows.append(row(case, FIRM, f"profit_x{e:g}", profits[e]))
            rows.append(row(case, FIRM, f"x{e:g}_minus_none", profits[e] - profits[0.0]))
        middle = [e for e in efforts if 0 < e < max(efforts)]
        best = max(middle, key=lambda e: profits[e].mean())
        decides = case.endswith("(file: free contacts)")
        rows.append(row(case, FIRM, "best_middle_minus_none", profits[best] - profits[0.0],
                        decides))
        rows.append(row(case, FIRM, "best_middle_minus_most",
                        profits[best] - profits[max(efforts)], decides))
        rows.append(row(case, FIRM, "best_middle_effort", [best] * len(seeds)))
    # segment targeting
    for other in ("everyone", "no one"):
        rows.append(row("segment targeting (file)", FIRM,
                        f"affluent_only_minus_{other.replace(' ', '_')}",
                        p("file") - p(f"target {other}"), True))
    frame = table(rows)
    cases = {case: {"holds": CASE_RULES[case](frame), "in_verdict": case.endswith("(file)")
                    or case.endswith("(file: free contacts)")} for case in CASE_RULES}
    info = {"efforts": list(efforts),
            "file_cross_sell": firm(data, FIRM)["customer_management"]["cross_sell"],
            "file_up_sell": firm(data, FIRM)["customer_management"]["up_sell"],
            "customers": config.customers(name) or data["population"]["customers"],
            "periods": data["market"]["periods"],
            "profit_file": float(p("file").mean())}
    return Findings(frame, holds(frame), cases, info)


def _positive(case: str, quantity: str):
    return lambda frame: bool(lookup(frame, case, FIRM, quantity)["lo"] > 0)


def _interior(case: str):
    return lambda frame: bool(lookup(frame, case, FIRM, "best_middle_minus_none")["lo"] > 0
                              and lookup(frame, case, FIRM, "best_middle_minus_most")["lo"] > 0)


CASE_RULES = {
    "termination (file)": _positive("termination (file)", "terminate_minus_keep"),
    "termination (varying cost to serve)": _positive("termination (varying cost to serve)",
                                                     "terminate_minus_keep"),
    "cross-selling (file: free contacts)": _interior("cross-selling (file: free contacts)"),
    "cross-selling (costed contacts)": _interior("cross-selling (costed contacts)"),
    "segment targeting (file)": lambda frame: bool(
        lookup(frame, "segment targeting (file)", FIRM, "affluent_only_minus_everyone")["lo"] > 0
        and lookup(frame, "segment targeting (file)", FIRM, "affluent_only_minus_no_one")["lo"]
        > 0),
}


def holds(frame: pd.DataFrame) -> bool:
    """On the file: termination raises profit (paired difference's 95% interval above 0); the
    best middle cross-selling effort beats both no effort and the most (both intervals above
    0); dedicated service for the affluent only beats it for everyone and for no one (both
    intervals above 0)."""
    return all(CASE_RULES[case](frame) for case in ("termination (file)",
                                                    "cross-selling (file: free contacts)",
                                                    "segment targeting (file)"))


# ---------------------------------------------------------------------------- figure
def _bar(ax, k, r, colour, label=None):
    ax.bar(k, r["mean"], color=colour, width=0.6, label=label)
    ax.errorbar(k, r["mean"], yerr=[[r["mean"] - r["lo"]], [r["hi"] - r["mean"]]],
                color="#333333", capsize=3, linewidth=0.8)


def figure(findings: Findings, config):
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from marketsim.outputs.plot_style import PAPER_STYLE, paper_axes

    t, info = findings.table, findings.data
    file_colour, variant_colour = "#0072B2", "#E69F00"
    with mpl.rc_context(PAPER_STYLE):
        fig = Figure(figsize=(7.4, 3.4), layout="constrained")
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.6, 1]})
        ax = axes[0]
        for k, (case, colour) in enumerate((("termination (file)", file_colour),
                                            ("termination (varying cost to serve)",
                                             variant_colour))):
            _bar(ax, k, lookup(t, case, FIRM, "terminate_minus_keep"), colour)
        ax.set_xticks([0, 1], ["file", "varying\ncost to serve"])
        ax.set_title("Terminating negative-CLV\ncustomers: profit change", fontsize=8)
        ax = axes[1]
        efforts = info["efforts"]
        for case, colour, label in (("cross-selling (file: free contacts)", file_colour,
                                     "file: free contacts"),
                                    ("cross-selling (costed contacts)", variant_colour,
                                     "costed contacts")):
            r = [lookup(t, case, FIRM, f"x{e:g}_minus_none") for e in efforts]
            mean = np.array([v["mean"] for v in r])
            ax.errorbar(efforts, mean, yerr=[mean - [v["lo"] for v in r],
                                             [v["hi"] for v in r] - mean],
                        color=colour, marker="o", markersize=3.5, capsize=2, label=label)
        ax.set_xlabel(f"Cross-selling effort (x the file's {info['file_cross_sell']:g})")
        ax.set_title("Cross-selling: profit against no effort", fontsize=8)
        ax.legend(fontsize=6.5, loc="best")
        ax = axes[2]
        for k, other in enumerate(("everyone", "no_one")):
            _bar(ax, k, lookup(t, "segment targeting (file)", FIRM,
                               f"affluent_only_minus_{other}"), file_colour)
        ax.set_xticks([0, 1], ["vs everyone", "vs no one"])
        ax.set_title("Dedicated service for the\naffluent only: profit change", fontsize=8)
        for ax in axes:
            ax.axhline(0, color="#999999", linewidth=0.6)
            paper_axes(ax)
        axes[0].set_ylabel(f"{FIRM}'s profit over {info['periods']} weeks, paired")
        fig.suptitle(f"Customer base management (relationship_strategies.toml, {FIRM}): mean "
                     f"and 95% interval over {len(config.seeds)} paired seeds; blue the file, "
                     "orange the mechanism under which the claim can hold", fontsize=8.5)
    return fig


# ---------------------------------------------------------------------------- report
def report(findings: Findings, config) -> str:
    t, info = findings.table, findings.data
    lines = [f"# {STUDY.title}", "", f"**Claim.** {STUDY.claim}.", "",
             f"**Source.** {STUDY.source}.", "",
             (f"**Verdict: {'holds' if findings.holds else 'does not hold'}** on the file ("
              + "; ".join(f"{c}: {'holds' if i['holds'] else 'does not hold'}"
                          for c, i in findings.cases.items() if i["in_verdict"])
              + "); beside it, outside the verdict: "
              + "; ".join(f"{c}: {'holds' if i['holds'] else 'does not hold'}"
                          for c, i in findings.cases.items() if not i["in_verdict"]) + "."),
             "", "## What the simulation shows", "",
             (f"relationship_strategies.toml, {FIRM}, {info['customers']:,} customers, "
              f"{info['periods']} weeks after the file's warm-up; its profit with the file's "
              f"settings {info['profit_file']:,.0f}. Paired differences, mean [95% interval] "
              "over seeds:"), "",
             "| case | quantity | mean [95% interval] |", "| --- | --- | --- |"]
    shown = t[~t["quantity"].str.startswith("profit_x") & (t["quantity"]
                                                            != "best_middle_effort")]
    for _, r in shown.iterrows():
        options = {"money": True} if r["quantity"] != "terminations" else {"digits": 0}
        lines.append(f"| {r['case']} | {r['quantity']} | {fmt_row(r, **options)} |")
    lines += ["", "## Where and why the simulation differs", ""]
    lines += _differences(findings)
    return "\n".join(lines)


def _differences(findings: Findings) -> list[str]:
    t, cases = findings.table, findings.cases
    notes = []
    d = lookup(t, "termination (file)", FIRM, "terminate_minus_keep")
    v = lookup(t, "termination (varying cost to serve)", FIRM, "terminate_minus_keep")
    n = lookup(t, "termination (file)", FIRM, "terminations")
    if cases["termination (file)"]["holds"]:
        notes.append(f"- termination raises profit on the file ({fmt_row(d, money=True)}).")
    else:
        notes.append(
            f"- termination on the file: the claim does not hold ({fmt_row(d, money=True)}, "
            f"{n['mean']:,.0f} terminations). The file judges value from each customer's own "
            "realised margin without shrinkage, and every customer costs the same to serve, "
            "so terminations drop customers who were unlucky, not unprofitable "
            "(docs/validity.md, row 11).")
    notes.append(f"- termination with varying cost to serve (service intensity spread "
                 f"{VARYING_COST['spread']:g}, shrinkage {VARYING_COST['shrinkage_periods']:g} "
                 f"periods; outside the verdict): {fmt_row(v, money=True)}, "
                 f"{'raising' if cases['termination (varying cost to serve)']['holds'] else 'not detectably raising'}"  # noqa: E501
                 " profit: where some customers cost more than they bring, dropping them pays.")
    for case in ("cross-selling (file: free contacts)", "cross-selling (costed contacts)"):
        best = lookup(t, case, FIRM, "best_middle_effort")["mean"]
        lo_ = lookup(t, case, FIRM, "best_middle_minus_none")
        hi_ = lookup(t, case, FIRM, "best_middle_minus_most")
        state = "an interior optimum" if cases[case]["holds"] else "no interior optimum"
        why = ""
        if case.endswith("free contacts)") and not cases[case]["holds"]:
            why = (" Contacts cost nothing and do not irritate in the file, so more effort "
                   "sells more and never costs (docs/validity.md, row 12).")
        elif not case.endswith("free contacts)"):
            why = (f" Contacts at {COSTED_CONTACTS['contact_cost']:g} each, irritation "
                   f"{COSTED_CONTACTS['irritation']:g} beyond one a period (outside the "
                   "verdict).")
        notes.append(f"- {case}: {state}; the best middle effort (x{best:g}) against none "
                     f"{fmt_row(lo_, money=True)}, against the most "
                     f"{fmt_row(hi_, money=True)}.{why}")
    e = lookup(t, "segment targeting (file)", FIRM, "affluent_only_minus_everyone")
    o = lookup(t, "segment targeting (file)", FIRM, "affluent_only_minus_no_one")
    if cases["segment targeting (file)"]["holds"]:
        notes.append(f"- segment targeting: dedicated service for the affluent only earns "
                     f"more than for everyone ({fmt_row(e, money=True)}) and than for no one "
                     f"({fmt_row(o, money=True)}), as the customer pyramid says.")
    else:
        notes.append(f"- segment targeting: the claim does not hold: dedicated service for the "
                     f"affluent only against for everyone {fmt_row(e, money=True)}, against "
                     f"for no one {fmt_row(o, money=True)}. Targeting it at the affluent "
                     f"{'beats' if e['lo'] > 0 else 'does not beat'} giving it to everyone, "
                     f"but {'not' if o['hi'] < 0 else 'not detectably'} giving it to no one: "
                     "in this file the dedicated service costs more per customer than it "
                     "brings back within the year even in the affluent segment (its bond and "
                     "personal benefit grow with tenure, which a 52-week run may not reach; "
                     "not isolated by this study).")
    return notes
