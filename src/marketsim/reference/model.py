"""The reference implementation: the market of MODEL.md with one Mesa agent per customer.

:class:`ReferenceMarket` is the slow, readable statement of the model. It runs the same periods
as :class:`marketsim.market.model.MarketModel` and must give the same results: the same random draws
(same streams, keys and draw indices, from the pure-Python :mod:`marketsim.reference.rng`), the
same arithmetic in the same order, and float32 rounding wherever the engine stores into a
float32 array (:mod:`marketsim.reference.precision`). ``tests/test_reference.py`` holds the
engine to it, period by period and customer by customer.

Firms are the engine's own Mesa agents (:class:`marketsim.market.firms.Firm`) with their strategies;
customers are :class:`~marketsim.reference.customer.Customer` agents, each with a
:class:`~marketsim.reference.customer.Relationship` per firm, and hear their neighbours on a
network built in plain Python (:mod:`marketsim.reference.network`).

Per-firm totals are added customer after customer; the engine adds per chunk of customers and
then over chunks, so float totals may differ in the last bits (counts are exact).
"""

from __future__ import annotations

from itertools import accumulate
from typing import Any

import mesa
import numpy as np

from marketsim.kernels import rng
from marketsim.market.firms import Firm
from marketsim.market.population import allocate, base_shares
from marketsim.market.relationship import uses_relationships
from marketsim.measures.metrics import RAW, firm_results, metrics_frame
from marketsim.reference import relationship as rm
from marketsim.reference.buying_centre import decider_veto, judge_as_buying_centre
from marketsim.reference.context import FirmLevers, PeriodContext, Tally
from marketsim.reference.customer import Customer
from marketsim.reference.network import build_neighbour_lists, form_report
from marketsim.scenario.schema import Scenario


class ReferenceMarket(mesa.Model):
    """The market, one Mesa agent per customer (slow; for checking and for reading).

    Parameters
    ----------
    scenario : a validated :class:`~marketsim.scenario.schema.Scenario`.
    seed : the run's seed; the same seed gives the same run as ``MarketModel(scenario, seed)``.
    """

    def __init__(self, scenario: Scenario, seed: int = 0):
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = int(seed)
        self.period = 0
        self.categories = [c.name for c in scenario.categories]
        self.reference_price = [float(c.reference_price) for c in scenario.categories]
        self.complaint_reach = float(scenario.behaviour.complaint_reach)
        self.window_decay = 1.0 - 1.0 / scenario.market.share_of_customer_window
        self.tenure_profile = scenario.behaviour.active_tenure_profile()  # reference.accounting
        # Cumulative segment shares, normalised as in marketsim.market.population.segment_arrays.
        shares = np.array([s.share for s in scenario.segments])
        self.segment_cumulative_share = [float(x) for x in np.cumsum(shares) / shares.sum()]
        self.firm_cumulative_share = list(accumulate(f.initial_share for f in scenario.firms))
        self.firms: list[Firm] = [Firm(self, spec, f) for f, spec in enumerate(scenario.firms)]
        self.base_shares = [float(x) for x in base_shares(scenario)]
        self.taste_key = (int(rng.stream_key(self.seed, -1, rng.STREAM_TASTE))
                          if scenario.behaviour.preference_concentration is not None else None)
        self.basket_key = (int(rng.stream_key(self.seed, -1, rng.STREAM_BASKET))
                           if scenario.behaviour.spend is not None else None)
        self.dropout_key = int(rng.stream_key(self.seed, -1, rng.STREAM_DROPOUT_INIT))
        self.service_key = int(rng.stream_key(self.seed, -1, rng.STREAM_SERVICE))
        self.customers = self.create_customers()
        self.connect_customers()
        self.raw = np.zeros((scenario.market.periods, len(self.firms), len(RAW)))
        self._scoring: set[int] = set()
        self.market_results: list[dict[str, Any]] = [{} for _ in self.firms]
        # Warm-up: unrecorded periods numbered up to 0, levers as in the scenario.
        self.period = -scenario.market.warmup_periods
        while self.period < 0:
            self.step()

    # ------------------------------------------------------------------ creation
    def create_customers(self) -> list[Customer]:
        """One Customer agent per member of the population, each drawing its segment, traits and
        starting relationships from its own key in the initialisation stream."""
        key = int(rng.stream_key(self.seed, -1, rng.STREAM_INIT))
        return [Customer(self, i, key) for i in range(self.scenario.population.customers)]

    def connect_customers(self) -> None:
        """Give each customer the neighbours whose reports it hears (built once per run)."""
        lists = build_neighbour_lists(self.scenario.network, len(self.customers), self.seed)
        for customer, neighbours in zip(self.customers, lists):
            customer.neighbours = [self.customers[j] for j in neighbours]

    # ------------------------------------------------------------------ the period
    def step(self, decisions: dict[str, dict[str, Any]] | None = None) -> None:
        """Run one period: the 11 steps of MODEL.md section 2, in the engine's order."""
        self.period += 1
        period = self.firms_decide(decisions)
        self.current_period = period
        tally = Tally(len(self.firms))
        self.target_customers()
        self.spread_awareness(period)
        self.relationship_phase(period, tally, "enforce_targeting")
        self.make_purchases(period, tally)
        self.relationship_phase(period, tally, "directed_purchases")
        self.deliver_experience(period)
        self.relationship_phase(period, tally, "customise")
        self.update_satisfaction()
        self.relationship_phase(period, tally, "recover_complaints")
        self.update_expectations(period)
        self.relationship_phase(period, tally, "follow_up")
        self.update_ties(period)
        self.relationship_phase(period, tally, "relationship_ties")
        self.decide_defections(period, tally)
        self.form_word_of_mouth(period)
        self.relationship_phase(period, tally, "amplify_report")
        self.book_accounts(period, tally)
        self.count_categories(tally)
        self.relationship_phase(period, tally, "book_relationship")
        self.measure(tally)
        self.collect(period, tally)

    def _key(self, stream: int) -> int:
        return int(rng.stream_key(self.seed, self.period, stream))

    def imitation_hazards(self) -> list[float]:
        """Global word of mouth (``behaviour.imitation`` q): ``q A_f / N`` per firm, ``A_f`` its
        customers at the start of the period (:mod:`marketsim.kernels.awareness`)."""
        imitation = self.scenario.behaviour.imitation
        if imitation <= 0.0:
            return [0.0] * len(self.firms)
        held = [sum(customer.relationships[f].is_customer for customer in self.customers)
                for f in range(len(self.firms))]
        return [float(np.float64(imitation) * np.float64(count) / len(self.customers))
                for count in held]

    def firms_decide(self, decisions: dict[str, dict[str, Any]] | None) -> PeriodContext:
        """1. Firms decide: each firm's strategy sets its levers from last period's results
        (:mod:`marketsim.market.strategies`); outside ``decisions`` are applied after them. Returns
        the period's levers and random-stream keys."""
        for firm in self.firms if self.period >= 1 else ():  # no strategies during warm-up
            firm.step()
        for name, levers in (decisions or {}).items():
            firm = self.firm(name)
            for lever, value in levers.items():
                firm.set_lever(lever, value)
        return PeriodContext(
            number=self.period,
            firms=[FirmLevers.of(firm, self.categories, hazard)
                   for firm, hazard in zip(self.firms, self.imitation_hazards())],
            advertising_key=self._key(rng.STREAM_ADVERTISING),
            hearing_key=self._key(rng.STREAM_HEARING),
            purchase_count_key=self._key(rng.STREAM_PURCHASE_COUNT),
            purchase_choice_key=self._key(rng.STREAM_PURCHASE_CHOICE),
            experience_key=self._key(rng.STREAM_EXPERIENCE),
            complaint_key=self._key(rng.STREAM_COMPLAINT),
            suggestion_key=self._key(rng.STREAM_SUGGESTION),
            defection_key=self._key(rng.STREAM_DEFECTION),
            forgetting_key=self._key(rng.STREAM_FORGETTING),
            spend_key=self._key(rng.STREAM_SPEND),
            dropout_key=self._key(rng.STREAM_DROPOUT),
            spend_shape=(self.scenario.behaviour.spend.shape
                         if self.scenario.behaviour.spend is not None else 0.0),
            relationship_on=uses_relationships(self.firms),
            relationship=[[rm.RelationshipLevers.of(firm, segment.name, self.reference_price,
                                                    self.categories)
                           for segment in self.scenario.segments] for firm in self.firms],
        )

    def target_customers(self) -> None:
        """1b. Firms that differentiate customers by predicted lifetime value mark them: value
        tiers and terminations (Peppers and Rogers; Gupta and Lehmann 2003's lifetime value)."""
        for firm in self.firms:
            if not (firm.customer_management.scores_customers
                    or firm.one_to_one.top_tier_clv is not None):
                if firm.index in self._scoring:  # policy switched off: marks cleared
                    for customer in self.customers:
                        customer.relationships[firm.index].targeting = 0
                    self._scoring.discard(firm.index)
                continue
            self._scoring.add(firm.index)
            rm.score_customers(self.customers, firm, self.market_results[firm.index],
                               self.scenario.market.discount_rate)

    def count_categories(self, tally: Tally) -> None:
        """Categories each buyer bought from each firm this period (categories per buyer)."""
        for customer in self.customers:
            for f, rel in enumerate(customer.relationships):
                tally.add(f, "categories_sum", float(sum(1 for n in rel.units if n > 0)))

    def relationship_phase(self, period: PeriodContext, tally: Tally, name: str) -> None:
        """One step of the firms' relationship strategies (:mod:`marketsim.reference.relationship`)
        for every customer, right after the phase it extends; skipped when no firm uses one."""
        if not period.relationship_on:
            return
        action = getattr(rm, name)
        for customer in self.customers:
            result = action(customer, period)
            if name == "enforce_targeting":
                for f in result:
                    tally.add(f, "terminations")
            elif name == "directed_purchases":
                for f, units in result.items():
                    tally.add(f, "directed_units", units)
            elif name == "recover_complaints":
                for f in result:
                    tally.add(f, "complaints_captured")
            elif name == "book_relationship":
                for f, account in enumerate(result):
                    for key, amount in account.items():
                        tally.add(f, key, amount)

    def spread_awareness(self, period: PeriodContext) -> None:
        """2. Awareness: advertising reach with diminishing returns (Simon and Arndt 1980) and
        neighbours' praise (Bass 1969) fill consideration sets."""
        for customer in self.customers:
            customer.become_aware(period)

    def make_purchases(self, period: PeriodContext, tally: Tally) -> None:
        """3. Purchase: NBD purchase counts (Ehrenberg 1959) and multinomial-logit choice of firm
        (McFadden 1974); counts customers held at the start, acquisitions and reactivations."""
        for customer in self.customers:
            for f, rel in enumerate(customer.relationships):
                if rel.is_customer:
                    tally.add(f, "customers_start")
            for f, event in customer.shop(period):
                tally.add(f, event)

    def deliver_experience(self, period: PeriodContext) -> None:
        """4. Experience: each firm delivers quality + service + noise to those who bought."""
        for customer in self.customers:
            customer.experience(period)

    def update_satisfaction(self) -> None:
        """5. Satisfaction by expectation-disconfirmation with loss aversion (Oliver 1980;
        Anderson and Sullivan 1993)."""
        for customer in self.customers:
            customer.judge(self.current_period)
            if customer.is_business:  # a buying centre: each member judges
                judge_as_buying_centre(customer, self.current_period)

    def update_expectations(self, period: PeriodContext) -> None:
        """6. Expectations move toward experience, word of mouth and the promise (seed 001;
        Boulding et al. 1993)."""
        for customer in self.customers:
            customer.revise_expectations(period)

    def update_ties(self, period: PeriodContext) -> None:
        """7. Ties: points, social bond, structural tie; tenure (Berry and Parasuraman 1991)."""
        for customer in self.customers:
            customer.update_ties(period)

    def decide_defections(self, period: PeriodContext, tally: Tally) -> None:
        """8. Defection when dissatisfaction and rivals' pull beat threshold plus switching cost
        (Jones and Sasser 1995), or lapse (Schmittlein et al. 1987)."""
        for customer in self.customers:
            departures = customer.consider_leaving(period)
            if customer.is_business:  # a decider may veto a supplier
                departures += decider_veto(customer)
            for f, lapsed, held_at_start in departures:
                tally.add(f, "defections")
                if held_at_start:
                    tally.add(f, "defections_of_start")
                if lapsed:
                    tally.add(f, "lapses")

    def form_word_of_mouth(self, period: PeriodContext) -> None:
        """9. Word of mouth: satisfied customers praise, dissatisfied ones complain; neighbours
        hear it next period (Anderson 1998)."""
        for customer in self.customers:
            form_report(customer, period)

    def book_accounts(self, period: PeriodContext, tally: Tally) -> None:
        """10. Accounting: units, revenue, cost of goods, buyers, reward cost, cost to serve and
        customers held, per firm."""
        for customer in self.customers:
            for f, account in enumerate(customer.settle(period)):
                if account["customer"]:
                    tally.add(f, "customers")
                if account["units"] > 0:
                    tally.add(f, "units", account["units"])
                    tally.add(f, "revenue", account["revenue"])
                    tally.add(f, "cost_of_goods", account["cost_of_goods"])
                    tally.add(f, "buyers")
                    tally.add(f, "reward_cost", account["reward_cost"])
                tally.add(f, "service_cost", account["service_cost"])

    def measure(self, tally: Tally) -> None:
        """11. Metrics: per-firm sums of satisfaction, share of customer (Peppers and Rogers
        1993: a firm's part of each customer's windowed spend), ties, tenure, awareness and
        expectations (:mod:`marketsim.kernels.measures`)."""
        for customer in self.customers:
            wallet = 0.0
            for rel in customer.relationships:
                wallet += rel.window_spend
            for f, rel in enumerate(customer.relationships):
                if rel.aware:
                    tally.add(f, "aware")
                    tally.add(f, "expectation_sum", rel.expectation)
                if not rel.is_customer:
                    continue
                tally.add(f, "satisfaction_sum", rel.satisfaction)
                tally.add(f, "tie_financial_sum", rel.tie_financial)
                tally.add(f, "tie_social_sum", rel.tie_social)
                tally.add(f, "tie_structural_sum", rel.tie_structural)
                tally.add(f, "tenure_sum", rel.tenure)
                if wallet > 0.0:
                    tally.add(f, "share_of_customer_sum", rel.window_spend / wallet)
                    tally.add(f, "soc_customers")
                    tally.add(f, "window_spend", rel.window_spend)
                    tally.add(f, "customer_wallet", wallet)

    def collect(self, period: PeriodContext, tally: Tally) -> None:
        """Store the period's raw totals and hand each firm its row of the metrics table, which
        its strategy reads next period; a warm-up period's row reaches only the firms' scoring
        of customers (``market_results``), so it never judges on placeholders."""
        recorded = self.period >= 1
        if not recorded and not self._scoring:
            return
        for firm in period.firms:
            tally.add(firm.index, "acquisition_spend", firm.acquisition_spend)
        row = tally.as_array()
        if recorded:
            self.raw[self.period - 1] = row
        results = firm_results(row, len(self.customers), self.period,
                               [f.name for f in self.firms])
        self.market_results = results
        for firm, record in zip(self.firms, results if recorded else ()):
            firm.last_results = record

    # ------------------------------------------------------------------ results
    def firm(self, name: str) -> Firm:
        for firm in self.firms:
            if firm.name == name:
                return firm
        raise KeyError(f"no firm named {name!r}; firms: {', '.join(f.name for f in self.firms)}")

    def run(self, periods: int | None = None) -> None:
        """Run the remaining periods of the scenario (or ``periods`` of them)."""
        remaining = self.scenario.market.periods - self.period
        for _ in range(remaining if periods is None else min(periods, remaining)):
            self.step()

    def metrics(self):
        """The metrics table of the periods run so far (see
        :data:`marketsim.measures.metrics.COLUMNS`)."""
        return metrics_frame(self.raw[: self.period], [f.name for f in self.firms],
                             len(self.customers))

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The customers' state as the engine's arrays (names, shapes and dtypes of
        :meth:`marketsim.market.population.Population.as_dict`)."""
        n_firms, n_categories = len(self.firms), len(self.categories)
        arrays = allocate(len(self.customers), n_firms, n_categories).as_dict()
        for i, customer in enumerate(self.customers):
            arrays["segment"][i] = customer.segment
            arrays["weights"][i] = customer.weights
            arrays["price_sensitivity"][i] = customer.price_sensitivity
            arrays["switching_threshold"][i] = customer.switching_threshold
            arrays["wom_propensity"][i] = customer.word_of_mouth
            arrays["purchase_rate"][i] = customer.purchase_rate
            arrays["last_firm"][i] = customer.last_firm
            arrays["wom_firm"][i] = customer.report
            arrays["wom_performance"][i] = customer.report_performance
            arrays["basket_size"][i] = customer.basket_size
            arrays["dropout"][i] = customer.dropout
            arrays["service_intensity"][i] = customer.service_intensity
            for f, rel in enumerate(customer.relationships):
                arrays["aware"][i, f] = rel.aware
                arrays["status"][i, f] = rel.status
                arrays["expectation"][i, f] = rel.expectation
                arrays["satisfaction"][i, f] = rel.satisfaction
                arrays["tie_financial"][i, f] = rel.tie_financial
                arrays["tie_social"][i, f] = rel.tie_social
                arrays["tie_structural"][i, f] = rel.tie_structural
                arrays["tenure"][i, f] = rel.tenure
                arrays["recency"][i, f] = rel.recency
                arrays["performance"][i, f] = rel.performance
                arrays["cumulative_margin"][i, f] = rel.cumulative_margin
                arrays["window_spend"][i, f] = rel.window_spend
                arrays["taste"][i, f] = rel.taste
                arrays["promise_bias"][i, f] = rel.promise_bias
                arrays["knowledge"][i, f] = rel.knowledge
                arrays["targeting"][i, f] = rel.targeting
                arrays["units"][i, :, f] = rel.units
        return arrays

    def member_satisfaction(self) -> np.ndarray:
        """The business customers' member satisfactions as the engine's
        ``BuyingCentres.member_satisfaction`` array (n_b, F, 4) float32."""
        rows = [c.member_satisfaction for c in self.customers if c.is_business]
        return np.array(rows, dtype=np.float32).reshape(len(rows), len(self.firms), 4)

    def network_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The network as the engine's CSR arrays ``(indptr, neighbours)``."""
        degrees = [len(customer.neighbours) for customer in self.customers]
        indptr = np.concatenate([[0], np.cumsum(degrees)]).astype(np.int64)
        neighbours = np.array([n.number for customer in self.customers
                               for n in customer.neighbours], dtype=np.int32)
        return indptr, neighbours
