"""Relationship strategies, written plainly: the reference twin of :mod:`marketsim.kernels.relationship`
and :mod:`marketsim.kernels.targeting`.

Each function is one helper of the kernels for one customer (or, for :func:`score_customers`,
one firm's pass over its customers), with domain names and Python numbers; values the engine
stores in float32 arrays are rounded with :func:`~marketsim.reference.precision.f32`, knowledge
is an integer 0-255 as in the engine's uint8 array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from marketsim.kernels.layout import EX_CUSTOMER, FIRST_TIME, REGULAR
from marketsim.kernels.relationship import WOM_REACH_BANDS
from marketsim.kernels.targeting import clv_factor
from marketsim.kernels.targeting import mean_margin as margin_per_customer
from marketsim.market.relationship import LEVEL_EFFECTS, TYPE_EFFECTS
from marketsim.reference.precision import f32
from marketsim.reference.rng import customer_key, draw_bits, poisson, uniform

if TYPE_CHECKING:
    from marketsim.market.firms import Firm
    from marketsim.reference.context import PeriodContext
    from marketsim.reference.customer import Customer

CO_IMPROVEMENT_HALF_TENURE = 26.0
KNOWLEDGE_SCALE = 255.0
TOP, LOW, TERMINATED = 1, 2, 4   # bits of the targeting mark


@dataclass(frozen=True)
class RelationshipLevers:
    """What one firm's relationship strategy means for the customers of one segment."""

    level_cost: float       # Kotler's level: cost per customer per period
    capture: float          # share of complaints captured
    recovery: float         # share of a captured shortfall repaired
    follow_up: float        # extra pull of expectations toward performance
    suggestion: float       # proactive suggestions: extra purchases per unit of rate
    co_improvement: float   # partnership and co-creation: gain at long tenure
    type_cost: float        # relationship type: cost to serve per customer per period
    touch: float            # relationship type: personal contact per period
    learning: float         # speed of the learning relationship (0 if not customising)
    customisation: float
    cross_sell: float
    up_sell: float
    top_service: float
    top_cost: float
    low_penalty: float      # service cut plus the fee as felt
    low_fee: float
    low_saving: float
    wom_reach: float        # multiple of the chance a neighbour hears a member's report
    irritation: float       # performance lost by a contacted buyer

    @classmethod
    def of(cls, firm: Firm, segment: str, reference_price: list[float],
           categories: list[str]) -> RelationshipLevers:
        level = LEVEL_EFFECTS[firm.relationship_level]
        kind = TYPE_EFFECTS[firm.relationship_types.get(segment, firm.relationship_type)]
        one, manage = firm.one_to_one, firm.customer_management
        sold = [reference_price[c] for c, name in enumerate(categories) if name in firm.price]
        fee_scale = sum(sold) / len(sold) if sold else 1.0
        return cls(
            level_cost=level["cost"] + manage.contact_cost * manage.contacts,
            capture=level["capture"], recovery=level["recovery"],
            follow_up=level["follow_up"], suggestion=level["suggestion"],
            co_improvement=level["co_improvement"] + kind["co_creation"],
            type_cost=kind["cost"], touch=kind["touch"],
            learning=kind["learning"] if one.customisation > 0.0 else 0.0,
            customisation=one.customisation, cross_sell=manage.cross_sell,
            up_sell=manage.up_sell, top_service=one.top_tier_service,
            top_cost=one.top_tier_cost,
            low_penalty=manage.low_tier_service_cut + manage.low_tier_fee / fee_scale,
            low_fee=manage.low_tier_fee, low_saving=manage.low_tier_saving,
            wom_reach=kind["wom_reach"], irritation=manage.irritation_penalty)


def _levers(customer: Customer, period: PeriodContext, f: int) -> RelationshipLevers:
    return period.relationship[f][customer.segment]


def enforce_targeting(customer: Customer, period: PeriodContext) -> list[int]:
    """A firm ends the relationships it marked as terminated and refuses those customers while
    the mark lasts (out of the consideration set). Returns the firms that terminated."""
    ended = []
    for f, rel in enumerate(customer.relationships):
        if not rel.targeting & TERMINATED:
            continue
        if rel.is_customer:
            rel.status = EX_CUSTOMER
            rel.tie_financial = rel.tie_social = rel.tie_structural = 0.0
            rel.tenure = 0
            ended.append(f)
        rel.aware = False
    return ended


def directed_purchases(customer: Customer, period: PeriodContext) -> dict[int, int]:
    """Suggestions, cross-selling and up-selling: ``Poisson(rate * boost)`` extra purchases from
    each firm holding the customer, per category it sells. Returns the extra units per firm."""
    key = customer_key(period.suggestion_key, customer.number)
    n_firms = len(customer.relationships)
    extras = {}
    for firm, rel in zip(period.firms, customer.relationships):
        if not rel.is_customer:
            continue
        levers = _levers(customer, period, firm.index)
        extra = 0
        for c, rate in enumerate(customer.purchase_rate):
            if not firm.sells(c) or rate <= 0.0:
                continue
            boost = levers.suggestion
            if customer.last_firm[c] == firm.index:
                boost += levers.up_sell
            else:
                boost += levers.cross_sell
            if boost <= 0.0:
                continue
            n = poisson(draw_bits(key, c * n_firms + firm.index), rate * boost)
            n = min(n, 65535 - rel.units[c])
            if n <= 0:
                continue
            rel.units[c] += n
            customer.last_firm[c] = firm.index
            extra += n
        if extra > 0:
            extras[firm.index] = extra
            if rel.recency != 0:  # nothing else bought from the firm this period
                rel.recency = 0
                if rel.status == FIRST_TIME:
                    rel.status = REGULAR
    return extras


def customise(customer: Customer, period: PeriodContext) -> None:
    """Delivered performance gains customisation x knowledge x product weight, co-improvement
    with tenure, and the value tier's service (fewer services and the fee for the low tier)."""
    for firm, rel in zip(period.firms, customer.relationships):
        if rel.units_bought() == 0:
            continue
        levers = _levers(customer, period, firm.index)
        gain = 0.0
        if levers.customisation > 0.0:
            gain += (levers.customisation * (rel.knowledge / KNOWLEDGE_SCALE)
                     * customer.weights[0])
        if levers.co_improvement > 0.0:
            t = float(rel.tenure)
            gain += levers.co_improvement * t / (t + CO_IMPROVEMENT_HALF_TENURE)
        if rel.targeting & TOP:
            gain += levers.top_service
        if rel.targeting & LOW:
            gain -= levers.low_penalty
        gain -= levers.irritation
        if gain != 0.0:
            rel.performance = f32(rel.performance + gain)


def recover_complaints(customer: Customer, period: PeriodContext) -> list[int]:
    """A buyer let down (``P < E``) complains with chance ``capture``; a captured complaint
    repairs ``recovery`` of the felt shortfall. Returns the firms that captured a complaint."""
    segment = customer.model.scenario.segments[customer.segment]
    key = customer_key(period.complaint_key, customer.number)
    captured = []
    for firm, rel in zip(period.firms, customer.relationships):
        levers = _levers(customer, period, firm.index)
        if levers.capture <= 0.0 or rel.units_bought() == 0:
            continue
        gap = rel.performance - rel.expectation
        if gap >= 0.0 or uniform(draw_bits(key, firm.index)) >= levers.capture:
            continue
        repair = ((1.0 - segment.satisfaction_memory) * levers.recovery
                  * segment.loss_aversion * (-gap))
        rel.satisfaction = f32(rel.satisfaction + repair)
        captured.append(firm.index)
    return captured


def follow_up(customer: Customer, period: PeriodContext) -> None:
    """Post-sale follow-up: a buyer's expectation moves a further ``follow_up`` toward the
    performance delivered."""
    for firm, rel in zip(period.firms, customer.relationships):
        pull = _levers(customer, period, firm.index).follow_up
        if pull <= 0.0 or rel.units_bought() == 0:
            continue
        rel.expectation = f32(rel.expectation + pull * (rel.performance - rel.expectation))


def relationship_ties(customer: Customer, period: PeriodContext) -> None:
    """The relationship type's touch points grow the social bond; every touch point (a purchase,
    personal service, the type's contacts) teaches the firm the customer's needs."""
    growth = customer.model.scenario.behaviour.social_bond_growth
    for firm, rel in zip(period.firms, customer.relationships):
        if not rel.is_customer:
            continue
        levers = _levers(customer, period, firm.index)
        if levers.touch > 0.0:
            bond = rel.tie_social
            rel.tie_social = f32(bond + growth * levers.touch * (1.0 - bond))
        if levers.learning > 0.0:
            touches = levers.touch + firm.personal_service
            if rel.units_bought() > 0:
                touches += 1.0
            step = levers.learning * touches * (KNOWLEDGE_SCALE - rel.knowledge)
            rel.knowledge = min(rel.knowledge + int(step + 0.5), 255)


def book_relationship(customer: Customer, period: PeriodContext) -> list[dict[str, float]]:
    """Level cost, cost to serve by type, tier cost and fee per current customer (booked into
    its margin), with the knowledge behind the metrics. One account per firm (categories per
    buyer are counted by the model whether or not a firm uses a relationship strategy)."""
    accounts = []
    for firm, rel in zip(period.firms, customer.relationships):
        account: dict[str, float] = {}
        accounts.append(account)
        if not rel.is_customer:
            continue
        levers = _levers(customer, period, firm.index)
        tier_cost = fee = 0.0
        if rel.targeting & TOP:
            tier_cost += levers.top_cost
        if rel.targeting & LOW:
            tier_cost -= levers.low_saving
            fee = levers.low_fee
        intensity = customer.service_intensity  # cost to serve relative to the standard
        level_cost = levers.level_cost * intensity
        type_cost = levers.type_cost * intensity
        tier_cost = tier_cost * intensity
        account.update(knowledge_sum=rel.knowledge / KNOWLEDGE_SCALE,
                       level_cost=level_cost, type_cost=type_cost,
                       tier_cost=tier_cost, fees=fee)
        change = fee - level_cost - type_cost - tier_cost
        if change != 0.0:
            rel.cumulative_margin = f32(rel.cumulative_margin + change)
    return accounts


def amplify_report(customer: Customer, period: PeriodContext) -> None:
    """A member of a firm's community (or co-creation) tells more neighbours about the firm: its
    report moves to the reach band of the type (stored as ``code + 2 F band``)."""
    if customer.report < 0:
        return
    n_firms = len(customer.relationships)
    reach = _levers(customer, period, customer.report % n_firms).wom_reach
    band = WOM_REACH_BANDS.index(reach)
    if band > 0:
        customer.report += band * 2 * n_firms


def score_customers(customers: list[Customer], firm: Firm, results: dict,
                    discount_rate: float) -> None:
    """One firm marks its customers (:mod:`marketsim.kernels.targeting`): terminated ones stay
    marked until ``termination_periods`` after their last purchase; a current customer with
    enough tenure gets ``clv = factor * (cumulative_margin + k mean_margin) / (tenure + k)``
    (``k`` the firm's ``shrinkage_periods``; ``factor`` :func:`clv_factor` at last period's
    retention, 0.9 before there is one; ``mean_margin`` from last period's ``results``) and is
    marked terminated (negative, if the firm terminates), top tier or low tier."""
    one, manage = firm.one_to_one, firm.customer_management
    retention = results.get("retention", float("nan"))
    factor = clv_factor(0.9 if math.isnan(retention) else retention, discount_rate)
    mean_margin = margin_per_customer(results)
    for customer in customers:
        rel = customer.relationships[firm.index]
        mark = 0
        if rel.targeting & TERMINATED and not rel.is_customer:
            if rel.recency < manage.termination_periods:
                mark = TERMINATED
        elif rel.is_customer and rel.tenure >= manage.assessment_periods:
            k = manage.shrinkage_periods
            clv = factor * ((rel.cumulative_margin + k * mean_margin) / (rel.tenure + k))
            if manage.terminate_negative_clv and clv < 0.0:
                mark = TERMINATED
            elif one.top_tier_clv is not None and clv >= one.top_tier_clv:
                mark = TOP
            elif manage.low_tier_clv is not None and clv < manage.low_tier_clv:
                mark = LOW
        rel.targeting = mark
