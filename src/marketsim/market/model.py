"""The market: a Mesa model holding the firms (agents) and the customer population (arrays).

:meth:`MarketModel.step` is one period of MODEL.md section 2, read top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from marketsim.kernels import customer_management as management
from marketsim.kernels import layout, rng
from marketsim.kernels import relationship as rel
from marketsim.kernels.accounting import N_ACCOUNTS, book
from marketsim.kernels.awareness import update_awareness
from marketsim.kernels.buying_centre import update_buying_centres, veto_defections
from marketsim.kernels.defection import decide_defection
from marketsim.kernels.expectation import update_expectations
from marketsim.kernels.experience import deliver
from marketsim.kernels.jit import N_CHUNKS
from marketsim.kernels.measures import N_MEASURES, measure
from marketsim.kernels.period import customer_period, slots
from marketsim.kernels.purchase import purchase
from marketsim.kernels.satisfaction import update_satisfaction
from marketsim.kernels.targeting import clv_factor, mean_margin, score_customers
from marketsim.kernels.ties import update_ties
from marketsim.kernels.word_of_mouth import form_reports
from marketsim.market.buying_centre import BuyingCentres, create_buying_centres
from marketsim.market.checks import check_levers, check_period
from marketsim.market.firms import Firm
from marketsim.market.memory import check_memory
from marketsim.market.network import SocialNetwork, build_network
from marketsim.market.parameters import behaviour_parameters, segment_parameters
from marketsim.market.population import Population, create_population
from marketsim.market.relationship import relationship_parameters, uses_relationships
from marketsim.market.transaction_log import period_transactions, transactions_frame
from marketsim.measures.metrics import (
    ACCOUNTS_SLICE,
    DEFECTION_SLICE,
    MEASURES_SLICE,
    PURCHASE_SLICE,
    RAW,
    RAW_INDEX,
    RELATIONSHIP_SLICE,
    firm_results,
    metrics_frame,
)
from marketsim.scenario.schema import Scenario


class FirmArrays:
    """This period's firm levers as the dense arrays the kernels read."""

    def __init__(self, firms: list[Firm], categories: list[str]):
        n_firms, n_categories = len(firms), len(categories)
        self.params = np.array([firm.parameter_row() for firm in firms])
        self.price = np.ones((n_firms, n_categories))
        self.quality = np.zeros((n_firms, n_categories))
        self.unit_cost = np.zeros((n_firms, n_categories))
        self.sells = np.zeros((n_firms, n_categories), np.uint8)
        for f, firm in enumerate(firms):
            for c, name in enumerate(categories):
                if name in firm.price:
                    self.sells[f, c] = 1
                    self.price[f, c] = firm.price[name]
                    self.quality[f, c] = firm.quality[name]
                    self.unit_cost[f, c] = firm.unit_cost[name]
        self.acquisition_spend = np.array([firm.acquisition_budget for firm in firms])


class MarketModel(mesa.Model):
    """A market of firms (Mesa agents) and a vectorised customer population.

    Parameters
    ----------
    scenario : a validated :class:`~marketsim.scenario.schema.Scenario`.
    seed : the run's seed; with the scenario it fixes every number of the run.
    record_transactions : keep a transaction log (period, customer, firm, category, units,
        revenue) in memory; see :meth:`transactions`.
    fused : run the customer phases in one pass (:mod:`marketsim.kernels.period`, fast) or as
        one kernel per phase (identical results; easier to profile and to read).
    allow_code : import and run a strategy the scenario names as ``"file.py:Class"`` or
        ``"module:Class"`` (refused by default: a scenario file must not run code unasked).
    """

    def __init__(self, scenario: Scenario, seed: int = 0, *, record_transactions: bool = False,
                 fused: bool = True, allow_code: bool = False):
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = int(seed)
        self.period = 0
        self.categories = [c.name for c in scenario.categories]
        self.reference_price = np.array([c.reference_price for c in scenario.categories])
        self.segment_params = segment_parameters(scenario)
        self.behaviour = behaviour_parameters(scenario)
        self.complaint_reach = float(scenario.behaviour.complaint_reach)
        self.lapse_periods = int(scenario.market.lapse_periods)
        self.firms: list[Firm] = [Firm(self, spec, f, allow_code=allow_code)
                                  for f, spec in enumerate(scenario.firms)]
        self._names = [firm.name for firm in self.firms]
        check_memory(scenario, transactions=record_transactions)  # before the arrays
        self.network: SocialNetwork = build_network(scenario.network, scenario.population.customers,
                                                    self.seed)
        self.population: Population = create_population(scenario, self.seed)
        self.buying_centres: BuyingCentres = create_buying_centres(scenario,
                                                                   self.population.segment)
        n_firms = len(self.firms)
        self.raw = np.zeros((scenario.market.periods, n_firms, len(RAW)))
        self._purchase_counts = np.zeros((N_CHUNKS, n_firms, 3), np.int64)
        self._defection_counts = np.zeros((N_CHUNKS, n_firms, 3), np.int64)
        self._accounts = np.zeros((N_CHUNKS, n_firms, N_ACCOUNTS))
        self._measures = np.zeros((N_CHUNKS, n_firms, N_MEASURES))
        self._relationship_totals = np.zeros((N_CHUNKS, n_firms, rel.N_RELATIONSHIP_TOTALS))
        self._scoring: set[int] = set()
        # each firm's row of last period's metrics, warm-up periods included: what its scoring
        # of customers reads (strategies read ``firm.last_results``, recorded periods only)
        self._market_results: list[dict[str, Any]] = [{} for _ in self.firms]
        self.record_transactions = record_transactions
        self.fused = fused
        self.warm_up()

    def warm_up(self) -> None:
        """Run the scenario's ``warmup_periods`` unrecorded periods (numbered up to 0)."""
        self.period = -self.scenario.market.warmup_periods
        while self.period < 0:
            self.step()
        self._transactions: list[tuple[np.ndarray, ...]] = []

    # ------------------------------------------------------------------ the period
    def step(self, decisions: dict[str, dict[str, Any]] | None = None) -> None:
        """Run one period (MODEL.md section 2).

        ``decisions`` optionally sets levers from outside (``{"acme": {"price": 9.5}}``), applied
        after the firms' own strategies: a dashboard or an optimiser can steer a firm this way.
        """
        self.period += 1
        recorded = self.period >= 1  # warm-up periods are numbered up to 0
        # 1. Firms decide (Python, once per period, from last period's results).
        for firm in self.firms if recorded else ():
            firm.step()
        for name, levers in (decisions or {}).items():
            firm = self.firm(name)
            for lever, value in levers.items():
                firm.set_lever(lever, value)
        firms = FirmArrays(self.firms, self.categories)
        check_levers(firms, self._names, self.categories, self.period)  # no NaN, inf, price < 0
        imitation = self.scenario.behaviour.imitation
        if imitation > 0.0:  # global word of mouth: q times the firm's share of adopters
            held = (self.population.status == layout.FIRST_TIME) | (
                self.population.status == layout.REGULAR)
            firms.params[:, layout.IMITATION_HAZARD] = (imitation * held.sum(axis=0)
                                                        / held.shape[0])
        self._relationship_arrays(firms)
        self._target_customers()
        # 2.-11. Customers: awareness, purchase, experience, satisfaction, expectations, ties,
        # defection, word of mouth, accounting, metrics.
        if self.fused:
            self._customer_period(firms)
        else:
            self._customer_phases(firms)
        self._collect(firms, recorded)

    def _customer_phases(self, firms: FirmArrays) -> None:
        """Steps 2-11, one kernel per phase, in the order of MODEL.md section 2."""
        t, p, net, key = self.period, self.population, self.network, self._key
        # 2. Awareness: advertising reach and positive word of mouth.
        update_awareness(key(t, rng.STREAM_ADVERTISING), key(t, rng.STREAM_HEARING),
                         key(t, rng.STREAM_FORGETTING), self.behaviour[layout.AWARENESS_DECAY],
                         self.behaviour[layout.TRIAL_ON_AWARENESS] != 0.0, firms.params,
                         self.complaint_reach, net.indptr, net.neighbours, p.wom_firm,
                         p.wom_performance, p.wom_propensity, p.status, p.aware)
        on, r, totals = firms.relationship_on, firms.relationship, self._relationship_totals
        if on:  # the firms' targeting: terminations, refused customers
            management.enforce_targeting_all(p.targeting, p.aware, p.status, p.tie_financial,
                                             p.tie_social, p.tie_structural, p.tenure, totals)
        else:
            totals[:] = 0.0
        # 3. Purchase: Poisson counts per category, logit choice of firm.
        purchase(key(t, rng.STREAM_PURCHASE_COUNT), key(t, rng.STREAM_PURCHASE_CHOICE),
                 key(t, rng.STREAM_DROPOUT), p.dropout, firms.params, firms.price, firms.sells,
                 self.reference_price, self.segment_params, self.behaviour, p.segment, p.weights,
                 p.price_sensitivity, p.purchase_rate, p.last_firm, p.aware, p.status,
                 p.expectation, p.taste, p.tie_financial, p.tie_social, p.tie_structural, p.tenure,
                 p.recency, p.units, self._purchase_counts)
        if on:  # suggestions, cross-selling, up-selling
            management.directed_purchases_all(key(t, rng.STREAM_SUGGESTION), r, firms.sells,
                                              p.segment, p.purchase_rate, p.last_firm, p.status,
                                              p.recency, p.units, totals)
        # 4. Experience: delivered performance (each kernel sums the basket from these).
        basket_prices = (firms.price, firms.unit_cost, firms.quality, self.reference_price,
                         key(t, rng.STREAM_SPEND), self.behaviour[layout.SPEND_SHAPE],
                         p.basket_size)
        deliver(key(t, rng.STREAM_EXPERIENCE), firms.params, *basket_prices, self.behaviour,
                p.units, p.performance)
        if on:  # customisation, co-improvement, value tiers
            management.customise_all(*basket_prices, r, p.segment, p.weights, p.knowledge,
                                     p.targeting, p.tenure, p.units, p.performance)
        # 5. Satisfaction: expectation-disconfirmation.
        update_satisfaction(firms.params, *basket_prices, firms.sells, self.segment_params,
                            self.behaviour, p.segment, p.weights, p.price_sensitivity,
                            p.purchase_rate, p.aware, p.tie_social, p.units, p.performance,
                            p.expectation, p.satisfaction)
        bc = self.buying_centres
        if bc.n_business:  # business customers: each buying-centre member judges
            update_buying_centres(firms.price, self.reference_price, self.segment_params,
                                  bc.role_params, bc.business_ids, p.segment, p.price_sensitivity,
                                  p.units, p.performance, p.expectation, bc.member_satisfaction,
                                  p.satisfaction)
        if on:  # complaint capture and recovery
            rel.recover_complaints_all(key(t, rng.STREAM_COMPLAINT), *basket_prices, r,
                                       self.segment_params, p.segment, p.units, p.performance,
                                       p.expectation, p.satisfaction, totals)
        # 6. Expectations: experience, word of mouth, promise.
        update_expectations(key(t, rng.STREAM_HEARING), firms.params, *basket_prices,
                            self.segment_params, self.complaint_reach, net.indptr,
                            net.neighbours, p.wom_firm, p.wom_performance, p.wom_propensity,
                            p.segment, p.units, p.aware, p.performance, p.expectation,
                            p.promise_bias)
        if on:  # post-sale follow-up
            rel.follow_up_all(*basket_prices, r, p.segment, p.units, p.performance,
                              p.expectation)
        # 7. Ties: points, social bond, structural tie; tenure.
        update_ties(firms.params, *basket_prices, self.behaviour, p.units, p.status,
                    p.tie_financial, p.tie_social, p.tie_structural, p.tenure)
        if on:  # relationship types' touch points; the learning relationship
            rel.relationship_ties_all(firms.params, *basket_prices, r,
                                      self.behaviour[layout.SOCIAL_GROWTH], p.segment, p.units,
                                      p.status, p.tie_social, p.knowledge)
        # 8. Defection.
        decide_defection(key(t, rng.STREAM_DEFECTION), firms.params, firms.price, firms.sells,
                         self.reference_price, self.segment_params, self.behaviour, p.segment,
                         p.weights, p.price_sensitivity, p.purchase_rate, p.switching_threshold,
                         self.lapse_periods, p.aware, p.status, p.expectation, p.taste,
                         p.satisfaction, p.tie_financial, p.tie_social, p.tie_structural,
                         p.tenure, p.recency, self._defection_counts)
        if bc.n_business and bc.any_veto:  # a decider may veto a supplier
            veto_defections(bc.role_params, bc.rule, bc.business_ids, p.segment,
                            bc.member_satisfaction, p.aware, p.status, p.tie_financial,
                            p.tie_social, p.tie_structural, p.tenure, self._defection_counts)
        # 9. Word of mouth: reports neighbours hear next period.
        form_reports(firms.price, self.behaviour, p.units, p.satisfaction, p.performance,
                     p.wom_firm, p.wom_performance)
        if on:  # communities and co-creation carry reports further
            rel.amplify_reports(r, p.segment, p.wom_firm)
        # 10. Accounting.
        book(firms.params, *basket_prices, self.behaviour, p.units, p.status, p.tenure,
             p.service_intensity, p.cumulative_margin, p.window_spend, self._accounts)
        # relationship costs, fees, knowledge (if on); categories per buyer
        rel.book_relationship_all(on, r, p.segment, p.units, p.status, p.targeting, p.knowledge,
                                  p.service_intensity, p.cumulative_margin, totals)
        if self.record_transactions and self.period >= 1:  # tenure as accounting saw it
            self._record_transactions(firms)
        # 11. Metrics.
        measure(p.status, p.aware, p.satisfaction, p.expectation, p.tie_financial, p.tie_social,
                p.tie_structural, p.tenure, p.window_spend, self._measures)

    def _customer_period(self, firms: FirmArrays) -> None:
        """Steps 2-11 in two passes (:mod:`marketsim.kernels.period`); same results."""
        t, p, net = self.period, self.population, self.network
        keys = np.array([self._key(t, stream) for stream in (
            rng.STREAM_ADVERTISING, rng.STREAM_HEARING, rng.STREAM_PURCHASE_COUNT,
            rng.STREAM_PURCHASE_CHOICE, rng.STREAM_EXPERIENCE, rng.STREAM_COMPLAINT,
            rng.STREAM_SUGGESTION, rng.STREAM_DEFECTION, rng.STREAM_FORGETTING,
            rng.STREAM_SPEND, rng.STREAM_DROPOUT)],
            dtype=np.uint64)
        _, n_categories, n_firms = p.units.shape
        customer_period(slots(n_firms), slots(n_categories), keys, firms.params, firms.price,
                        firms.quality, firms.unit_cost, firms.sells, self.reference_price,
                        p.basket_size, p.dropout, p.service_intensity, self.segment_params,
                        self.behaviour, self.complaint_reach, self.lapse_periods, net.indptr,
                        net.neighbours, p.segment, p.weights, p.price_sensitivity,
                        p.switching_threshold, p.wom_propensity, p.purchase_rate, p.last_firm,
                        p.wom_firm, p.wom_performance, p.aware, p.status, p.expectation,
                        p.promise_bias, p.taste, p.satisfaction, p.tie_financial, p.tie_social,
                        p.tie_structural, p.tenure, p.recency, p.performance, p.cumulative_margin,
                        p.window_spend, p.units, self._purchase_counts, self._defection_counts,
                        self._accounts, self._measures, self.buying_centres.rule,
                        self.buying_centres.role_params, self.buying_centres.business_ids,
                        self.buying_centres.member_satisfaction, firms.relationship_on,
                        firms.relationship, p.knowledge, p.targeting, self._relationship_totals)
        if self.record_transactions and self.period >= 1:
            self._record_transactions(firms)
        # 9. Word of mouth, after every customer has heard last period's reports.
        form_reports(firms.price, self.behaviour, p.units, p.satisfaction, p.performance,
                     p.wom_firm, p.wom_performance)
        if firms.relationship_on:  # communities and co-creation carry reports further
            rel.amplify_reports(firms.relationship, p.segment, p.wom_firm)

    def _relationship_arrays(self, firms: FirmArrays) -> None:
        """This period's relationship levers (:mod:`marketsim.market.relationship`) as kernel
        arrays."""
        firms.relationship_on = uses_relationships(self.firms)
        firms.relationship = relationship_parameters(
            self.firms, [s.name for s in self.scenario.segments], self.reference_price,
            firms.sells)

    def _target_customers(self) -> None:
        """Firms that differentiate customers by value write their targeting mask
        (:func:`marketsim.kernels.targeting.score_customers`): value tiers and terminations."""
        p = self.population
        for f, firm in enumerate(self.firms):
            one, manage = firm.one_to_one, firm.customer_management
            scores = manage.scores_customers or one.top_tier_clv is not None
            if not scores:
                if f in self._scoring:  # the policy was switched off: clear the mask
                    p.targeting[:, f] = 0
                    self._scoring.discard(f)
                continue
            self._scoring.add(f)
            results = self._market_results[f]
            retention = results.get("retention", float("nan"))
            factor = clv_factor(0.9 if np.isnan(retention) else retention,
                                self.scenario.market.discount_rate)
            score_customers(f, factor, mean_margin(results), manage.shrinkage_periods,
                            manage.assessment_periods, manage.terminate_negative_clv,
                            one.top_tier_clv is not None, one.top_tier_clv or 0.0,
                            manage.low_tier_clv is not None, manage.low_tier_clv or 0.0,
                            manage.termination_periods, p.status, p.tenure, p.recency,
                            p.cumulative_margin, p.targeting)

    def _key(self, period: int, stream: int) -> np.uint64:
        return rng.stream_key(self.seed, period, stream)

    def _collect(self, firms: FirmArrays, recorded: bool) -> None:
        """The period's row of raw totals: stored (a recorded period) and handed to the firms'
        strategies as ``last_results``; warm-up periods' rows only reach the firms' scoring of
        customers (``_market_results``), so that it judges lifetime value on the market's own
        retention and margin from the first warm-up period on, not on placeholders."""
        if not recorded and not self._scoring:
            return
        row = self.raw[self.period - 1] if recorded else np.zeros_like(self.raw[0])
        row[:, PURCHASE_SLICE] = self._purchase_counts.sum(axis=0)
        row[:, DEFECTION_SLICE] = self._defection_counts.sum(axis=0)
        row[:, ACCOUNTS_SLICE] = self._accounts.sum(axis=0)
        row[:, MEASURES_SLICE] = self._measures.sum(axis=0)
        row[:, RAW_INDEX["acquisition_spend"]] = firms.acquisition_spend
        row[:, RELATIONSHIP_SLICE] = self._relationship_totals.sum(axis=0)
        if len(self.categories) == 1:  # one category: every buyer bought exactly one
            row[:, RAW_INDEX["categories_sum"]] = row[:, RAW_INDEX["buyers"]]
        check_period(row, self._names, self.period)  # finite, revenue >= 0, shares in [0, 1]
        results = firm_results(row, self.population.n_customers, self.period,
                               [f.name for f in self.firms])
        self._market_results = results
        for firm, record in zip(self.firms, results if recorded else ()):
            firm.last_results = record

    def _record_transactions(self, firms: FirmArrays) -> None:
        self._transactions.append(period_transactions(
            self.period, self._key(self.period, rng.STREAM_SPEND), self.behaviour,
            self.population, firms.price))

    # ------------------------------------------------------------------ results
    def firm(self, name: str) -> Firm:
        for firm in self.firms:
            if firm.name == name:
                return firm
        raise KeyError(f"no firm named {name!r}; firms: {', '.join(f.name for f in self.firms)}")

    def run(self, periods: int | None = None,
            on_period: Callable[[int], None] | None = None) -> None:
        """Run the remaining periods of the scenario (or ``periods`` of them)."""
        remaining = self.scenario.market.periods - self.period
        for _ in range(remaining if periods is None else min(periods, remaining)):
            self.step()
            if on_period is not None:
                on_period(self.period)

    def metrics(self):
        """The metrics table of the periods run so far (see
        :data:`marketsim.measures.metrics.COLUMNS`)."""
        return metrics_frame(self.raw[: self.period], [f.name for f in self.firms],
                             self.population.n_customers)

    def transactions(self):
        """The transaction log as a DataFrame (needs ``record_transactions=True``)."""
        return transactions_frame(self._transactions, [f.name for f in self.firms],
                                  self.categories)

    def state_bytes(self) -> int:
        """Bytes of model state: population and network arrays."""
        return self.population.nbytes() + self.network.nbytes() + self.buying_centres.nbytes()
