"""The HTML report of a run: one self-contained page, figures embedded, PNGs beside it.

``marketsim report RUN_DIR`` (or ``marketsim run ... --report``) calls
:func:`marketsim.outputs.run_folder.write_report`: it reads the folder ``RunResult.save``
wrote, and :func:`build_report` draws every figure of :mod:`marketsim.outputs.plots` as a
PNG next to ``report.html``, and writes the page with the same PNGs embedded as base64
``data:`` URIs and the tables as HTML, so the page can be mailed or opened offline. Sections
that need the transaction log or the state snapshot say so when the run did not keep them.
"""

from __future__ import annotations

import base64
import html
import io
import warnings
from pathlib import Path

import matplotlib as mpl
import pandas as pd

from marketsim.errors import RunOptionError
from marketsim.outputs.atomic import write_atomic
from marketsim.outputs.plot_style import SLIDE_STYLE

REPORT_NAME = "report.html"

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #222;
       max-width: 1200px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 2em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #0072B2;
     padding-bottom: 0.2em; margin-top: 2em; } h3 { margin-top: 1.5em; }
.meta { color: #555; } .note { color: #555; font-style: italic; }
table.data { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
table.data th, table.data td { border-bottom: 1px solid #ddd; padding: 4px 10px;
     text-align: right; } table.data th { background: #f2f2f2; }
table.data td:first-child, table.data th:first-child { text-align: left; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; } .scroll { overflow-x: auto; }
"""


class _Page:
    """Collects sections of the page and the PNG files written beside it."""

    def __init__(self, out_dir: Path):
        self.out = out_dir
        self.parts: list[str] = []
        self.files: list[Path] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def text(self, text: str, css: str = "") -> None:
        cls = f' class="{css}"' if css else ""
        self.parts.append(f"<p{cls}>{html.escape(text)}</p>")

    def table(self, frame: pd.DataFrame, caption: str = "", percent=(), decimals: int = 2) -> None:
        shown = frame.copy()
        for column in shown.columns:
            values = shown[column]
            if column in percent:
                shown[column] = values.map(lambda v: "-" if pd.isna(v) else f"{100 * v:.1f}%")
            elif pd.api.types.is_float_dtype(values):
                shown[column] = values.map(lambda v: "-" if pd.isna(v) else f"{v:,.{decimals}f}")
        if caption:
            self.parts.append(f'<p class="note">{html.escape(caption)}</p>')
        self.parts.append('<div class="scroll">' + shown.to_html(classes="data", border=0,
                                                                 escape=True) + "</div>")

    def figure(self, name: str, draw, caption: str = "") -> None:
        """Draw with ``draw()`` (returns axes), save ``name`` beside the page, embed it."""
        with mpl.rc_context(SLIDE_STYLE):
            ax = draw()
            buffer = io.BytesIO()
            ax.figure.savefig(buffer, format="png")
        data = buffer.getvalue()
        path = write_atomic(self.out / name, lambda p: p.write_bytes(data))
        self.files.append(path)
        encoded = base64.b64encode(data).decode("ascii")
        alt = html.escape(caption or name)
        self.parts.append(f'<figure><img alt="{alt}" src="data:image/png;base64,{encoded}">'
                          + (f"<figcaption>{html.escape(caption)}</figcaption>" if caption else "")
                          + "</figure>")

    def html(self, title: str) -> str:
        body = "\n".join(self.parts)
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
                f"<body>\n{body}\n</body></html>\n")


def _dirichlet_window(result) -> range:
    top = int(result.metrics["period"].max())
    length = max(1, round(result.scenario.market.share_of_customer_window))
    return range(max(1, top - length + 1), top + 1)


def build_report(result, out_dir: str | Path) -> list[Path]:
    """Write ``report.html`` and its PNGs for ``result`` into ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = _Page(out)
    s = result.scenario
    firms = result.firm_names
    page.heading(f"marketsim report: {s.market.name}", 1)
    page.text(f"{result.customers:,} customers, {result.periods} {s.market.period_unit}s, "
              f"{len(firms)} firms, seed {result.seed}; discount rate "
              f"{s.market.discount_rate:g} per {s.market.period_unit}.", "meta")

    # --------------------------------------------------------------- market share vs SoC
    page.heading("Market share and share of customer")
    page.table(result.summary(), "Per firm over the share-of-customer window: shares and "
               "retention are means, profit the total.",
               percent=("market_share_units", "market_share_revenue", "share_of_customer",
                        "retention"))
    page.figure("share_vs_share_of_customer.png", result.plot.share_vs_share_of_customer,
                "Column width: market share; height: share of customer.")
    page.figure("market_share.png", result.plot.market_share)
    page.figure("share_of_customer.png", result.plot.share_of_customer)

    # --------------------------------------------------------------- brand performance
    page.heading("Brand performance and the NBD-Dirichlet")
    if result.transactions is None:
        page.text("Needs the transaction log: run with --transactions (or --report).", "note")
    else:
        window = _dirichlet_window(result)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                comparison = result.dirichlet(window)
        except ValueError as exc:
            page.text(f"The Dirichlet could not be fitted: {exc}", "note")
        else:
            page.figure("dirichlet_table.png",
                        lambda: result.plot.dirichlet_table(window),
                        f"Periods {window.start}-{window.stop - 1}; purchases are purchase "
                        "occasions.")
            page.table(comparison, percent=[c for c in comparison.columns
                                             if not c.startswith(("purchase_frequency",
                                                                  "category_frequency"))])

    # --------------------------------------------------------------- lifetime value
    page.heading("Customer lifetime value")
    page.table(result.predicted_clv(), "Predicted CLV = sum_t m r^t / (1 + d)^t from margin "
               "per customer m and retention r over the share-of-customer window; predicted "
               "equity = customers x CLV.", percent=("retention",))
    if result.transactions is None:
        page.text("Realised CLV and the whale curve need the transaction log.", "note")
    else:
        page.table(result.customer_equity(), "Realised CLV: discounted margin each customer "
                   "produced in the run, net of cost of goods, rewards and allocated cost to "
                   "serve; customer equity is its sum.", percent=("top20_share",))
        page.figure("whale_curve.png", result.plot.whale_curve)
        page.figure("clv_distribution.png", result.plot.clv_distribution)

    # --------------------------------------------------------------- relationships
    page.heading("Relationships")
    page.table(result.relationship_summary(), "Whole run: retention and churn are per-period "
               "means; acquisitions, defections, reactivations and lapses are totals.",
               percent=("retention", "churn"))
    page.figure("retention.png", result.plot.retention)
    page.figure("satisfaction.png", result.plot.satisfaction)
    if getattr(result, "state", None) is None:
        page.text("Satisfaction, tenure and tie measures need the state snapshot: run with "
                  "--transactions or --report.", "note")
    else:
        b = s.behaviour
        page.table(result.net_promoters(),
                   f"Promoters: satisfaction >= {b.praise_threshold:g} (the praise threshold); "
                   f"detractors: <= -{b.complaint_threshold:g} (the complaint threshold).",
                   percent=("promoters", "passives", "detractors", "net_promoter_share"))
        page.table(result.satisfaction_distribution(), "Share of each firm's customers by "
                   "satisfaction (end of run).", percent=tuple(
                       result.satisfaction_distribution().columns))
        page.figure("satisfaction_loyalty.png", result.plot.satisfaction_loyalty)
        page.table(result.tenure_distribution(), "Tenure of current customers, in periods.")
        page.table(result.tie_decomposition(), "Mean tie levels and switching-cost terms of "
                   "current customers.")
        page.figure("tie_decomposition.png", result.plot.tie_decomposition)
    page.table(result.programme_costs().set_index(["firm", "programme"]), "Retention programmes: cost over the run. Their "
               "return needs paired runs with and without each programme: "
               "marketsim.experiments.programmes.programme_returns(scenario, firm, seed=...).",
               percent=("cost_share_of_revenue",))
    _strategy_section(page, result)
    _segment_section(page, result)
    _business_section(page, result)

    # --------------------------------------------------------------- breakdowns
    page.heading("Breakdowns")
    if getattr(result, "state", None) is not None:
        page.heading("By firm and customer status", 3)
        page.table(result.breakdown(["firm", "status"]), percent=("share_of_customer",))
        page.heading("By segment and firm", 3)
        page.table(result.breakdown(["segment", "firm"]), percent=("share_of_customer",))
    if result.transactions is not None:
        page.heading("By category and firm", 3)
        page.table(result.breakdown("category"),
                   percent=("market_share_units", "market_share_revenue"))
        if getattr(result, "state", None) is not None:
            page.heading("Sales by segment and firm", 3)
            page.table(result.segment_sales(), percent=("share_of_segment_revenue",))
    page.heading("By period", 3)
    last = result.metrics[result.metrics["period"] == result.metrics["period"].max()]
    page.table(last.set_index("firm").drop(columns="period").T.rename_axis("last period"))

    text = page.html(f"marketsim report: {s.market.name}")
    path = write_atomic(out / REPORT_NAME, lambda p: p.write_text(text, encoding="utf-8"))
    return [path, *page.files]


#: Headings of the sections a report may have beyond the always-present ones.
STRATEGY_HEADING = "Relationship strategies"
SEGMENT_HEADING = "Segments"
BUSINESS_HEADING = "Business customers: buying centres"


def _strategy_section(page: _Page, result) -> None:
    """Levers, measures and cost to serve by relationship type of the firms' strategies."""
    page.heading(STRATEGY_HEADING)
    measures = result.strategy_summary()
    if result.uses_relationship_strategies() or not measures.columns.empty:
        page.table(result.strategy_levers(), "Relationship strategies as configured: level "
                   "(Kotler), relationship types per segment (Osterwalder and Pigneur), "
                   "one-to-one customisation, cross- and up-selling, termination, value tiers.")
        if not measures.columns.empty:
            page.table(measures, "Whole run, the strategy measures some firm uses: costs, fees, "
                       "terminations, complaints captured and directed units are totals; mean "
                       "knowledge is at the end; categories per buyer is the mean per period.")
    else:
        page.text("No firm uses a relationship-strategy lever (every firm basic, self-service).",
                  "note")
    page.table(result.cost_to_serve().set_index(["firm", "relationship_type"]),
               "Cost to serve by firm and relationship type: personal service, structural "
               "investment, relationship level, relationship type and value tiers charged on "
               "the customers held; each firm's rows add up to its metrics cost_to_serve. "
               "Fees and reward points beside it.")
    if result.metrics["cost_to_serve"].abs().sum() > 0:
        page.figure("cost_to_serve.png", lambda: result.plot.trajectory("cost_to_serve"),
                    "Cost to serve per period.")


def _segment_section(page: _Page, result) -> None:
    """Segment definitions (basis, variables) and segment metrics over the run."""
    from marketsim.scenario.segmentation import describe

    page.heading(SEGMENT_HEADING)
    definitions = pd.DataFrame({
        "kind": [seg.kind for seg in result.scenario.segments],
        "share": [seg.share for seg in result.scenario.segments],
        "basis": [seg.basis or "" for seg in result.scenario.segments],
        "variables": [describe(seg) for seg in result.scenario.segments],
    }, index=pd.Index(result.segment_names, name="segment"))
    page.table(definitions, "Segments of the scenario: their basis and variables.",
               percent=("share",))
    try:
        table = result.segment_summary()
    except RunOptionError:
        page.text("Metrics by segment need the segment counts of a run with --transactions "
                  "(or --report).", "note")
        return
    page.table(table.drop(columns=["basis", "variables"]),
               "Whole run, per segment and firm: customers held at the end, defections "
               "(total), churn and buyers (means per period), revenue (total), share of "
               "customer (mean).", percent=("churn", "share_of_customer"))


def _business_section(page: _Page, result) -> None:
    """Buying centres of business segments: member satisfaction by role (state snapshot)."""
    if not any(seg.kind == "business" for seg in result.scenario.segments):
        return
    page.heading(BUSINESS_HEADING)
    members = result.member_satisfaction() if getattr(result, "state", None) is not None else None
    if members is None:
        page.text("Member satisfaction by role needs the state snapshot of a run with "
                  "--transactions or --report.", "note")
        return
    page.table(members.set_index(["firm", "segment"]),
               "Mean satisfaction of each buying-centre member with the firm that holds the "
               "business (end of run), each member judging by its own criteria in the "
               "segment's buying_centre (Webster and Wind 1972).", decimals=3)


def report_images(path: str | Path) -> list[bytes]:
    """The decoded bytes of every ``data:`` image of a report (used by the tests)."""
    from html.parser import HTMLParser

    images: list[str] = []

    class _Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                images.append(dict(attrs).get("src", ""))

    _Images().feed(Path(path).read_text(encoding="utf-8"))
    decoded = []
    for src in images:
        prefix = "data:image/png;base64,"
        if not src.startswith(prefix):
            raise ValueError(f"image is not an embedded PNG: {src[:40]!r}")
        decoded.append(base64.b64decode(src[len(prefix):], validate=True))
    return decoded


__all__ = ["BUSINESS_HEADING", "REPORT_NAME", "SEGMENT_HEADING", "STRATEGY_HEADING",
           "build_report", "report_images"]
