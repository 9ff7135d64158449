"""Lifetime value, relationship measures, breakdowns and figures as methods of a run's result.

:class:`RunAnalysis` is mixed into :class:`marketsim.outputs.run_result.RunResult`, so a
notebook user writes ``result.clv()``, ``result.net_promoters()``,
``result.plot.whale_curve()`` and never touches the command line. It reads the result's
``scenario``, ``metrics``, ``transactions``, ``state`` (the final population snapshot,
:func:`marketsim.measures.relationship_measures.snapshot`) and ``levers`` (the firms'
retention levers at the end).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marketsim.errors import RunOptionError

#: Retention levers kept per firm (``RunResult.levers``, ``levers.parquet``).
LEVER_COLUMNS = ("reward_rate", "points_expiry", "personal_service", "personal_service_cost",
                 "structural_investment", "structural_cost")


def levers_frame(firms) -> pd.DataFrame:
    """The retention levers of firm objects (or scenario firm specs), one row per firm."""
    rows = {f.name: {c: float(getattr(f.retention, c)) for c in LEVER_COLUMNS} for f in firms}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(LEVER_COLUMNS))
    table.index.name = "firm"
    return table


class RunAnalysis:
    """Methods shared by every run result (see the module docstring)."""

    # provided by RunResult
    scenario: object
    metrics: pd.DataFrame
    transactions: pd.DataFrame | None
    state: dict | None
    levers: pd.DataFrame | None

    # ------------------------------------------------------------------ helpers
    @property
    def firm_names(self) -> list[str]:
        return [f.name for f in self.scenario.firms]

    @property
    def segment_names(self) -> list[str]:
        return [s.name for s in self.scenario.segments]

    def _state(self) -> dict:
        if getattr(self, "state", None) is None:
            raise RunOptionError("relationship measures need the final population state: run "
                                 "with state=True (it is kept by default with transactions=True; "
                                 "CLI: --transactions or --report)")
        return self.state

    def _levers(self) -> pd.DataFrame:
        levers = getattr(self, "levers", None)
        return levers if levers is not None else levers_frame(self.scenario.firms)

    def _window_periods(self, last: int | None):
        if last is None:
            return None
        top = int(self.metrics["period"].max())
        return range(max(1, top - int(last) + 1), top + 1)

    # ------------------------------------------------------------------ lifetime value
    def clv(self, periods=None) -> pd.DataFrame:
        """Realised CLV per customer and firm (:func:`marketsim.measures.clv.realised_clv`): margin
        after cost of goods and rewards, reconciled with the metrics, minus the allocated cost
        to serve, discounted at the scenario's ``market.discount_rate``."""
        from marketsim.measures.clv import realised_clv

        log = self._log()
        # computed once per window (the report asks for it several times); a copy is returned
        key = (id(log), id(self.metrics), None if periods is None else tuple(periods))
        cache = self.__dict__.setdefault("_clv_cache", {})
        if key not in cache:
            unit_costs = {f.name: {c: o.unit_cost for c, o in f.offers.items()}
                          for f in self.scenario.firms}
            cache.clear()
            cache[key] = realised_clv(log, discount_rate=self.scenario.market.discount_rate,
                                      unit_costs=unit_costs, metrics=self.metrics,
                                      lapse_periods=self.scenario.market.lapse_periods,
                                      periods=periods)
        return cache[key].copy()

    def customer_equity(self, periods=None) -> pd.DataFrame:
        """Realised customer equity per firm: sum of :meth:`clv` over its customers."""
        from marketsim.measures.clv import customer_equity

        return customer_equity(self.clv(periods), self.firm_names)

    def predicted_clv(self, *, last: int | None = None, horizon: int | None = None) -> pd.DataFrame:
        """Predicted CLV per firm from margin per customer and retention over the last
        ``last`` periods (default: the share-of-customer window): see
        :func:`marketsim.measures.clv.predicted_clv_by_firm`."""
        from marketsim.measures.clv import predicted_clv_by_firm

        if last is None:
            last = max(1, round(self.scenario.market.share_of_customer_window))
        return predicted_clv_by_firm(self.metrics, self.scenario.market.discount_rate,
                                     last=last, horizon=horizon)

    def whale_curve(self, periods=None) -> pd.DataFrame:
        """Customer-profitability curve per firm from realised CLV
        (:func:`marketsim.measures.clv.whale_curve`)."""
        from marketsim.measures.clv import whale_curve

        return whale_curve(self.clv(periods))

    def rfm(self, firm: str | None = None, periods=None) -> pd.DataFrame:
        """The RFM summary ``lifetimes`` / PyMC-Marketing take
        (:func:`marketsim.measures.clv.rfm`)."""
        from marketsim.measures.clv import rfm

        return rfm(self._log(), firm=firm, periods=periods)

    # ------------------------------------------------------------------ relationships
    def customer_pairs(self, current_only: bool = True) -> pd.DataFrame:
        """Customer-firm pairs at the end of the run
        (:func:`marketsim.measures.relationship_measures.customer_pairs`)."""
        from marketsim.measures.relationship_measures import customer_pairs

        return customer_pairs(self._state(), self.firm_names, self.segment_names,
                              current_only=current_only)

    def net_promoters(self) -> pd.DataFrame:
        """Promoters, passives, detractors and their difference per firm, with the model's
        word-of-mouth thresholds
        (:func:`marketsim.measures.relationship_measures.net_promoters`)."""
        from marketsim.measures.relationship_measures import net_promoters

        b = self.scenario.behaviour
        return net_promoters(self.customer_pairs(), self.firm_names, b.praise_threshold,
                             b.complaint_threshold)

    def satisfaction_distribution(self, **options) -> pd.DataFrame:
        from marketsim.measures.relationship_measures import satisfaction_distribution

        return satisfaction_distribution(self.customer_pairs(), self.firm_names, **options)

    def tenure_distribution(self) -> pd.DataFrame:
        from marketsim.measures.relationship_measures import tenure_distribution

        return tenure_distribution(self.customer_pairs(), self.firm_names)

    def tie_decomposition(self) -> pd.DataFrame:
        from marketsim.measures.relationship_measures import tie_decomposition

        response = pd.DataFrame(
            {s.name: [s.tie_response.financial, s.tie_response.social, s.tie_response.structural]
             for s in self.scenario.segments}, index=["financial", "social", "structural"]).T
        return tie_decomposition(self.customer_pairs(), self.firm_names, response)

    def satisfaction_loyalty(self, bins=None) -> pd.DataFrame:
        from marketsim.measures.relationship_measures import satisfaction_loyalty

        return satisfaction_loyalty(self.customer_pairs(), bins=bins)

    def programme_costs(self) -> pd.DataFrame:
        from marketsim.measures.costs import programme_costs

        return programme_costs(self.metrics, self._levers())

    def cost_to_serve(self) -> pd.DataFrame:
        """Cost to serve per firm and relationship type
        (:func:`marketsim.measures.costs.cost_to_serve`): the segments' customers come from the
        per-period segment counts when the run kept them (``transactions=True``), else from the
        final state (an estimate), else one row per firm (type ``"all"``)."""
        from marketsim.market.relationship import relationship_type_table
        from marketsim.measures.costs import cost_to_serve

        types = relationship_type_table(self.scenario.firms, self.segment_names)
        return cost_to_serve(self.metrics, self._levers(), types, self._held_by_segment())

    def _held_by_segment(self) -> pd.DataFrame | None:
        """Customers held per firm and segment: per period (segment counts), or at the end."""
        retention = getattr(self, "segment_retention", None)
        if retention is not None and "customers_end" in retention.columns:
            return retention[["period", "firm", "segment", "customers_end"]].rename(
                columns={"customers_end": "customers"})
        if getattr(self, "state", None) is None:
            return None
        pairs = self.customer_pairs()
        return pairs.groupby(["firm", "segment"], observed=False).size().rename(
            "customers").reset_index()

    def strategy_summary(self, last: int | None = None) -> pd.DataFrame:
        """Per firm over the last ``last`` periods (default all), the relationship-strategy
        measures some firm uses (:func:`marketsim.measures.metrics.strategy_summary`)."""
        from marketsim.measures.metrics import strategy_summary

        return strategy_summary(self.metrics, last).reindex(self.firm_names)

    def strategy_levers(self) -> pd.DataFrame:
        """The firms' relationship strategies as the scenario configures them: level, types
        per segment, customisation, cross- and up-selling, termination, value tiers."""
        rows = {}
        for firm in self.scenario.firms:
            types = {name: firm.relationship_types.get(name, firm.relationship_type)
                     for name in self.segment_names}
            kinds = set(types.values())
            manage, one = firm.customer_management, firm.one_to_one
            rows[firm.name] = {
                "relationship_level": firm.relationship_level,
                "relationship_types": (kinds.pop() if len(kinds) == 1 else
                                       "; ".join(f"{k}: {v}" for k, v in types.items())),
                "customisation": one.customisation,
                "cross_sell": manage.cross_sell,
                "up_sell": manage.up_sell,
                "terminate_negative_clv": manage.terminate_negative_clv,
                "top_tier_clv": one.top_tier_clv,
                "low_tier_clv": manage.low_tier_clv,
                "strategy": firm.strategy,
            }
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = "firm"
        return table

    def uses_relationship_strategies(self) -> bool:
        """Whether a firm uses a relationship-strategy lever (:func:`marketsim.market.relationship.
        uses_relationships`)."""
        from marketsim.market.relationship import uses_relationships

        return uses_relationships(self.scenario.firms)

    def segment_summary(self, last: int | None = None) -> pd.DataFrame:
        """Per segment and firm over the last ``last`` periods (default all), from
        :meth:`segment_metrics`: the segment's basis and variables, its customers, those the
        firm holds at the end, defections (total), churn (mean per period), buyers (mean per
        period), revenue (total) and share of customer (mean over periods with buyers)."""
        frame = self.segment_metrics()
        if last is not None:
            frame = frame[frame["period"] > frame["period"].max() - int(last)]
        end = frame["period"].max()
        g = frame.groupby(["segment", "firm"], observed=True, sort=True)
        held = "customers_end" if "customers_end" in frame.columns else "customers_start"
        table = pd.DataFrame({
            "basis": g["basis"].first(), "variables": g["variables"].first(),
            "segment_customers": g["segment_customers"].first(),
            held: frame[frame["period"] == end].set_index(["segment", "firm"])[held],
            "defections": g["defections"].sum(), "churn": g["churn"].mean(),
            "buyers": g["buyers"].mean(), "revenue": g["revenue"].sum(),
            "share_of_customer": g["share_of_customer"].mean(),
        })
        return table

    def member_satisfaction(self) -> pd.DataFrame | None:
        """Business customers: mean satisfaction of each buying-centre role with the firm that
        holds them, per firm and segment
        (:func:`marketsim.market.buying_centre.member_satisfaction`);
        ``None`` when the scenario has no buying centres."""
        from marketsim.market.buying_centre import member_satisfaction

        return member_satisfaction(self._state(), self.firm_names, self.segment_names)

    def relationship_summary(self, last: int | None = None) -> pd.DataFrame:
        """Per firm over the last ``last`` periods (default all): retention, churn (means),
        acquisitions, defections, reactivations, lapses (sums)."""
        m = self.metrics
        if last is not None:
            m = m[m["period"] > m["period"].max() - int(last)]
        g = m.assign(firm=m["firm"].astype(str)).groupby("firm", sort=False)
        return pd.DataFrame({
            "retention": g["retention"].mean(), "churn": g["churn"].mean(),
            "acquisitions": g["acquisitions"].sum(), "defections": g["defections"].sum(),
            "reactivations": g["reactivations"].sum(), "lapses": g["lapses"].sum(),
        }).reindex(self.firm_names)

    def breakdown(self, by=("firm", "status")) -> pd.DataFrame:
        """Relationship measures by firm, segment and/or customer status (state snapshot);
        ``by="category"`` or ``"period"`` use the log and the metrics table instead."""
        from marketsim.measures.relationship_measures import breakdown, category_breakdown

        keys = [by] if isinstance(by, str) else list(by)
        if "category" in keys:
            return category_breakdown(self._log())
        if "period" in keys:
            return self.metrics.set_index(["period", "firm"])
        return breakdown(self.customer_pairs(), by=keys)

    def segment_sales(self, periods=None) -> pd.DataFrame:
        """Buyers, purchases, units, revenue per segment and firm (log joined with segments)."""
        from marketsim.measures.relationship_measures import segment_breakdown

        return segment_breakdown(self._log(), self._state()["segment"], self.segment_names,
                                 periods=periods)

    # ------------------------------------------------------------------ figures
    def report(self, out_dir: str | Path) -> list[Path]:
        """Write the HTML report (``report.html`` and its PNGs) into ``out_dir``: see
        :func:`marketsim.outputs.report.build_report`. Returns the paths written."""
        from marketsim.outputs.report import build_report

        return build_report(self, out_dir)

    @property
    def plot(self):
        """Figures of this run: ``result.plot.whale_curve()`` etc.
        (:class:`marketsim.outputs.plots.RunPlots`)."""
        from marketsim.outputs.plots import RunPlots

        return RunPlots(self)
