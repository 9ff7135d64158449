"""One customer as one Mesa agent: its traits, its relationship with each firm, its behaviour.

This is the readable twin of the engine's struct-of-arrays population
(:mod:`marketsim.market.population`) and of the period kernels (:mod:`marketsim.kernels`). Each
method of :class:`Customer` is one kernel's loop body for one customer, written with domain names
and plain Python numbers, drawing the same counter-based random numbers (same stream, same customer
number, same draw index). Values the engine stores in float32 arrays are rounded with
:func:`~marketsim.reference.precision.f32` each time they are stored here. What the customer sees
and holds is in :mod:`~marketsim.reference.context`, its creation in
:mod:`~marketsim.reference.initial`.
"""

from __future__ import annotations

import math
from itertools import accumulate

import mesa

from marketsim.kernels.layout import (
    EX_CUSTOMER,
    FIRST_TIME,
    MAX_FIRMS,
    MAX_PURCHASES,
    PROSPECT,
    REGULAR,
    TASTE_DRAWS,
)
from marketsim.market.parameters import reference_performance
from marketsim.reference.accounting import settle
from marketsim.reference.context import PeriodContext
from marketsim.reference.initial import draw_initial_state
from marketsim.reference.network import hears
from marketsim.reference.precision import UINT8_MAX, UINT16_MAX, f32, increment_saturating
from marketsim.reference.rng import customer_key, draw_bits, gamma, normal, poisson, uniform
from marketsim.reference.value import choice_utility, offer_value, offer_worth, switching_cost


class Customer(mesa.Agent):
    """A consumer: segment, importance weights, purchase rates and a relationship per firm.

    ``number`` is the customer's position in the population (0..N-1): it keys the customer's
    random draws, exactly as the row index does in the engine.
    """

    model: mesa.Model  # the ReferenceMarket (marketsim.reference.model)

    def __init__(self, model: mesa.Model, number: int, init_key: int):
        super().__init__(model)
        self.number = number
        self.neighbours: list[Customer] = []
        self.report = -1                  # f: praise of f, F + f: complaint about f, -1: silent
        self.report_performance = 0.0     # the performance the report is about
        draw_initial_state(self, customer_key(init_key, number))

    def bought(self, period: PeriodContext, f: int, c: int) -> float:
        """What this period's occasions in category ``c`` at firm ``f`` bought, in units of the
        price: the occasions, or with spend heterogeneity ``basket_size X``, ``X ~ Gamma(n p,
        1/p)`` (:func:`marketsim.kernels.basket.spend_factor`)."""
        n = self.relationships[f].units[c]
        if period.spend_shape > 0.0 and n > 0:
            x, _ = gamma(customer_key(period.spend_key, self.number),
                         (c * MAX_FIRMS + f) * TASTE_DRAWS, n * period.spend_shape,
                         1.0 / period.spend_shape)
            return self.basket_size * x
        return float(n)

    # ------------------------------------------------------------------ 2. awareness
    def become_aware(self, period: PeriodContext) -> None:
        """Advertising reaches the customer, then neighbours' praise puts firms in its
        consideration set (:mod:`marketsim.kernels.awareness`).

        An unaware customer becomes aware of ``f`` with probability ``reach_f = 1 -
        exp(-budget / reach_cost)`` (Simon and Arndt 1980, JAR 20(4)); praise of ``f`` heard from
        a neighbour (last period's report) makes it aware too (Bass 1969, imitation).
        Complaints never create awareness. First, with ``awareness_decay`` ``delta``, an aware
        non-customer whom neither the firm's advertising nor any report about it reached this
        period forgets the firm with probability ``delta`` (Nerlove and Arrow 1962). Global word
        of mouth adds ``q A_f / N`` to the reach (the discrete Bass hazard); with
        ``trial_on_awareness`` a firm the customer has just become aware of is bought once.
        """
        advertising = customer_key(period.advertising_key, self.number)
        hearing = customer_key(period.hearing_key, self.number)
        n_firms = len(self.relationships)
        was_aware = [rel.aware for rel in self.relationships]
        decay = self.model.scenario.behaviour.awareness_decay
        if decay > 0.0:
            heard_about = {talker.report % (2 * n_firms) % n_firms
                           for slot, talker in enumerate(self.neighbours)
                           if talker.report >= 0
                           and hears(hearing, slot, talker, n_firms, self.model.complaint_reach)}
            forgetting = customer_key(period.forgetting_key, self.number)
            for firm, rel in zip(period.firms, self.relationships):
                if not rel.aware or rel.is_customer or firm.index in heard_about:
                    continue
                hazard = firm.reach + firm.imitation_hazard
                if hazard > 0.0 and uniform(draw_bits(advertising, firm.index)) < hazard:
                    continue  # met the firm's advertising (or its customers' word of mouth)
                if uniform(draw_bits(forgetting, firm.index)) < decay:
                    rel.aware = False
        for firm, rel in zip(period.firms, self.relationships):
            hazard = firm.reach + firm.imitation_hazard
            if not rel.aware and hazard > 0.0:
                if uniform(draw_bits(advertising, firm.index)) < hazard:
                    rel.aware = True
        for slot, talker in enumerate(self.neighbours):
            praised = talker.report % (2 * n_firms) if talker.report >= 0 else -1
            if 0 <= praised < n_firms and not self.relationships[praised].aware:
                if hears(hearing, slot, talker, n_firms, self.model.complaint_reach):
                    self.relationships[praised].aware = True
        if self.model.scenario.behaviour.trial_on_awareness:
            for rel, was in zip(self.relationships, was_aware):
                rel.trial = rel.aware and not was

    # ------------------------------------------------------------------ 3. purchase
    def shop(self, period: PeriodContext) -> list[tuple[int, str]]:
        """Buy this period and move up the loyalty ladder (:mod:`marketsim.kernels.purchase`).

        Per category: ``n ~ Poisson(rate)`` purchases (with Gamma rates, NBD buying: Ehrenberg
        1959; Goodhardt, Ehrenberg and Chatfield 1984); each purchase picks a firm among those
        in the consideration set that sell the category, by multinomial logit (McFadden 1974).
        A firm bought from turns a prospect into a first-time customer (an acquisition), a
        first-time into a regular one, an ex-customer into a regular one with tenure reset (a
        reactivation). Returns the ``(firm, "acquisitions" | "reactivations")`` events.
        """
        count_key = customer_key(period.purchase_count_key, self.number)
        choice_key = customer_key(period.purchase_choice_key, self.number)
        dropout_key = customer_key(period.dropout_key, self.number)
        bought_before = any(rel.status != PROSPECT for rel in self.relationships)
        occasion = 0
        dropped = False
        for c, rate in enumerate(self.purchase_rate):
            for rel in self.relationships:
                rel.units[c] = 0
            if dropped or rate <= 0.0:
                continue
            n_purchases = poisson(draw_bits(count_key, c), rate)
            if n_purchases == 0:
                continue
            choice_set = [firm for firm in period.firms  # a trial is not a choice
                          if self.relationships[firm.index].aware
                          and not self.relationships[firm.index].trial and firm.sells(c)]
            if not choice_set:
                continue  # no firm the customer knows sells the category: a lost sale
            utility = [choice_utility(self, firm, c) for firm in choice_set]
            best = max(utility)
            cumulative = list(accumulate(math.exp(u - best) for u in utility))
            total = cumulative[-1]
            for k in range(min(n_purchases, MAX_PURCHASES)):
                x = uniform(draw_bits(choice_key, c * MAX_PURCHASES + k)) * total
                pick = next((firm for firm, upto in zip(choice_set, cumulative) if x < upto),
                            choice_set[-1])
                self.relationships[pick.index].units[c] += 1
                if self.dropout > 0.0:  # BG/NBD: after a repeat purchase, drop out for good
                    if bought_before and uniform(draw_bits(dropout_key, occasion)) < self.dropout:
                        dropped = True
                        break
                    bought_before = True
                    occasion += 1
            self.last_firm[c] = pick.index
        if dropped:
            self.purchase_rate = [0.0] * len(self.purchase_rate)
        for firm, rel in zip(period.firms, self.relationships):
            if rel.trial and rel.aware:  # a trial on becoming aware: one unit, first category
                rel.units[min(firm.price)] += 1
            rel.trial = False
        events = []
        for f, rel in enumerate(self.relationships):
            if rel.units_bought() == 0:
                rel.recency = increment_saturating(rel.recency, UINT8_MAX)
                continue
            rel.recency = 0
            if rel.status == PROSPECT:
                rel.status, rel.tenure = FIRST_TIME, 0
                events.append((f, "acquisitions"))
            elif rel.status == EX_CUSTOMER:
                rel.status, rel.tenure = REGULAR, 0
                events.append((f, "reactivations"))
            elif rel.status == FIRST_TIME:
                rel.status = REGULAR
        return events

    # ------------------------------------------------------------------ 4. experience
    def experience(self, period: PeriodContext) -> None:
        """Delivered performance ``P = quality + service + noise`` for each firm bought from
        (:mod:`marketsim.kernels.experience`): quality is the unit-weighted mean over the
        categories bought, noise normal with sd ``performance_noise``."""
        noise = self.model.scenario.behaviour.performance_noise
        key = customer_key(period.experience_key, self.number)
        for firm, rel in zip(period.firms, self.relationships):
            bought = rel.units_bought()
            if bought == 0:
                continue
            weighted_quality = 0.0
            for c, quality in firm.quality.items():
                weighted_quality += rel.units[c] * quality
            delivered = weighted_quality / bought + firm.service
            if noise > 0.0:
                delivered += noise * normal(draw_bits(key, firm.index))
            rel.performance = f32(delivered)

    # ------------------------------------------------------------------ 5. satisfaction
    def judge(self, period: PeriodContext) -> None:
        """Performance and expectation-disconfirmation (Oliver 1980, JMR 17(4)) with loss
        aversion (Kahneman and Tversky 1979; Anderson and Sullivan 1993): ``d = P - E``,
        ``s = alpha_P (P - N) + phi(d)``, ``phi(d) = d`` if ``d >= 0`` else ``lambda d``,
        ``S <- rho S + (1 - rho) s``, for firms bought from this period
        (:mod:`marketsim.kernels.satisfaction`); with ``value_weight`` ``alpha_V`` also
        ``alpha_V (V(P) - mean V(E))``, the value delivered against the mean value expected from
        the firms the customer knows (the ACSI's perceived value)."""
        segment = self.model.scenario.segments[self.segment]
        memory, loss_aversion = segment.satisfaction_memory, segment.loss_aversion
        norm = reference_performance(segment)
        expected_value = 0.0  # the mean value expected from the firms the customer knows
        if segment.value_weight != 0.0:
            known = [offer_worth(self, firm, rel.expectation)
                     for firm, rel in zip(period.firms, self.relationships) if rel.aware]
            for value in known:
                expected_value += value
            expected_value = expected_value / max(len(known), 1)
        for firm, rel in zip(period.firms, self.relationships):
            if rel.units_bought() == 0:
                continue
            gap = rel.performance - rel.expectation
            felt = gap if gap >= 0.0 else loss_aversion * gap
            if segment.performance_weight != 0.0:
                felt = segment.performance_weight * (rel.performance - norm) + felt
            if segment.value_weight != 0.0:  # value for money against the brands known
                value = offer_worth(self, firm, rel.performance)
                felt = segment.value_weight * (value - expected_value) + felt
            rel.satisfaction = f32(memory * rel.satisfaction + (1.0 - memory) * felt)

    # ------------------------------------------------------------------ 6. expectations
    def revise_expectations(self, period: PeriodContext) -> None:
        """``E <- E + a (P - E) + b (WOM - E) + g (promise - bias - E)``, every term from the old
        ``E``; then the promise bias learns from experience and reports, ``bias <- bias + eta
        (promise - P - bias) + eta_W (promise - WOM - bias)`` (credibility: Erdem and Swait
        1998).

        Expectations follow past experience, friends' advice and marketers' promises (Kotler and
        Keller ch. 5; seed 001) by partial adjustment (Boulding, Kalra, Staelin and Zeithaml
        1993, JMR 30(1)); ``WOM`` is the mean performance in the reports heard about the firm,
        praise and complaints alike (:mod:`marketsim.kernels.expectation`). The experience term
        applies if the customer bought from the firm, the promise term if it is aware of it.
        """
        n_firms = len(self.relationships)
        heard_sum = [0.0] * n_firms
        heard_count = [0] * n_firms
        hearing = customer_key(period.hearing_key, self.number)
        for slot, talker in enumerate(self.neighbours):
            if talker.report < 0:
                continue
            if hears(hearing, slot, talker, n_firms, self.model.complaint_reach):
                about = talker.report % n_firms
                heard_sum[about] += talker.report_performance
                heard_count[about] += 1
        pull = self.model.scenario.segments[self.segment].expectation
        for firm, rel in zip(period.firms, self.relationships):
            old = rel.expectation
            bias = rel.promise_bias
            bought = rel.units_bought() > 0
            heard = heard_count[firm.index] > 0
            word_of_mouth = heard_sum[firm.index] / heard_count[firm.index] if heard else 0.0
            change = 0.0
            if bought:
                change += pull.experience * (rel.performance - old)
            if heard:
                change += pull.word_of_mouth * (word_of_mouth - old)
            if rel.aware:
                change += pull.promise * ((firm.promise - bias) - old)
            rel.expectation = f32(old + change)
            if pull.credibility != 0.0 or pull.credibility_word_of_mouth != 0.0:
                shift = 0.0
                if bought:
                    shift += pull.credibility * ((firm.promise - rel.performance) - bias)
                if heard:
                    shift += pull.credibility_word_of_mouth * ((firm.promise - word_of_mouth)
                                                               - bias)
                rel.promise_bias = f32(bias + shift)

    # ------------------------------------------------------------------ 7. ties
    def update_ties(self, period: PeriodContext) -> None:
        """The three levels of relationship marketing (Berry and Parasuraman 1991; Berry 1995,
        JAMS 23(4)), for each firm holding the customer (:mod:`marketsim.kernels.ties`):

        * financial: ``T_fin <- (1 - expiry) T_fin + reward_rate * spend / reference_price``;
        * social: ``T_soc <- T_soc + g_soc p (1 - T_soc) - d_soc (1 - p) T_soc``, ``p`` the
          firm's personal service;
        * structural: ``T_str <- T_str + g_str x (1 - T_str) - d_str (1 - x) T_str``, ``x`` the
          firm's structural investment;

        and tenure grows by one period (saturating at 65535).
        """
        behaviour = self.model.scenario.behaviour
        reference_price = self.model.reference_price
        for firm, rel in zip(period.firms, self.relationships):
            if not rel.is_customer:
                continue
            spend = 0.0  # in reference-price units
            for c, price in firm.price.items():
                spend += self.bought(period, firm.index, c) * (price / reference_price[c])
            rel.tie_financial = f32((1.0 - firm.points_expiry) * rel.tie_financial
                                    + firm.reward_rate * spend)
            touch, bond = firm.personal_service, rel.tie_social
            rel.tie_social = f32(bond + behaviour.social_bond_growth * touch * (1.0 - bond)
                                 - behaviour.social_bond_decay * (1.0 - touch) * bond)
            invest, structure = firm.structural_investment, rel.tie_structural
            rel.tie_structural = f32(
                structure + behaviour.structural_growth * invest * (1.0 - structure)
                - behaviour.structural_decay * (1.0 - invest) * structure)
            rel.tenure = increment_saturating(rel.tenure, UINT16_MAX)

    # ------------------------------------------------------------------ 8. defection
    def consider_leaving(self, period: PeriodContext) -> list[tuple[int, bool, bool]]:
        """Leave ``f`` when ``max(0, V_best rival - V_f) - S_f > threshold + switching_cost_f``,
        or when nothing was bought from ``f`` for more than ``lapse_periods`` (a lapse).

        Satisfaction offsets a rival's advantage, so only very satisfied customers stay where
        rivals are strong (Jones and Sasser 1995, HBR 73(6)); lapsing follows the
        non-contractual definition of a customer (Schmittlein, Morrison and Colombo 1987).
        Leaving forfeits points, bonds, structural ties and tenure; a defector (not a lapser)
        also drops the firm from its consideration set. Rivals are the firms in the consideration
        set at the start of the step, so the order in which firms are considered does not matter.
        Past ``delight_threshold`` satisfaction holds ``1 + delight_weight`` times as much (Oliver,
        Rust and Varki 1997; Mittal and Kamakura 2001); with ``defection_noise`` ``tau > 0`` the
        customer leaves with probability ``1 / (1 + exp((barrier - pressure) / tau))``, one draw
        per firm (:mod:`marketsim.kernels.defection`). Returns ``(firm, lapsed, held_at_start)``
        per departure.
        """
        if not any(rel.is_customer for rel in self.relationships):
            return []
        value = {firm.index: offer_value(self, firm)
                 for firm, rel in zip(period.firms, self.relationships) if rel.aware}
        lapse_periods = self.model.scenario.market.lapse_periods
        behaviour = self.model.scenario.behaviour
        hazard = customer_key(period.defection_key, self.number)
        departures = []
        for f, rel in enumerate(self.relationships):
            if not rel.is_customer:
                continue
            own = value[f]
            advantage = 0.0
            for g in value:
                if g != f and value[g] - own > advantage:
                    advantage = value[g] - own
            held = rel.satisfaction
            if behaviour.delight_weight != 0.0 and held > behaviour.delight_threshold:
                held = held + behaviour.delight_weight * (held - behaviour.delight_threshold)
            pressure = advantage - held
            barrier = self.switching_threshold + switching_cost(self, rel)
            lapsed = rel.recency > lapse_periods
            if behaviour.defection_noise > 0.0:  # the logistic hazard
                odds = math.exp(min((barrier - pressure) / behaviour.defection_noise, 700.0))
                leaves = uniform(draw_bits(hazard, f)) * (1.0 + odds) < 1.0
            else:
                leaves = pressure > barrier
            if lapsed or leaves:
                departures.append((f, lapsed, rel.tenure >= 2))
                rel.status = EX_CUSTOMER
                if not lapsed:
                    rel.aware = False
                rel.tie_financial = rel.tie_social = rel.tie_structural = 0.0
                rel.tenure = 0
        return departures

    # ------------------------------------------------------------------ 10. accounting
    def settle(self, period: PeriodContext) -> list[dict[str, float]]:
        """This period's sales and costs with each firm (:func:`marketsim.reference.accounting.
        settle`). Returns one account per firm."""
        return settle(self, period)
