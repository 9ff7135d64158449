"""A business customer's buying centre, written plainly (the reference of
:mod:`marketsim.kernels.buying_centre`).

A business customer is a :class:`~marketsim.reference.customer.Customer` whose
``member_satisfaction`` holds, per firm, the satisfaction of its four members (user,
influencer, decider, buyer; Webster and Wind 1972). Its choice weights are its buyer's (drawn at
creation), so the buyer drives each purchase; these functions add the members' judgement
(step 5) and the decider's veto (step 8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marketsim.kernels.layout import EX_CUSTOMER
from marketsim.reference.precision import f32
from marketsim.scenario.customer_schema import ROLES

if TYPE_CHECKING:
    from marketsim.reference.context import PeriodContext
    from marketsim.reference.customer import Customer


def members(customer: Customer) -> list:
    """The customer's buying-centre members (scenario tables), in the order of ROLES."""
    centre = customer.model.scenario.segments[customer.segment].buying_centre
    return [getattr(centre, role) for role in ROLES]


def judge_as_buying_centre(customer: Customer, period: PeriodContext) -> None:
    """Each member feels the disconfirmation of value in its own weights,
    ``d_r = w_r,product (P - E) - w_r,monetary sensitivity (p / p_ref - 1)``, with its loss
    aversion; ``S_r <- rho S_r + (1 - rho) felt_r``; the customer's satisfaction with the firm
    is the members' weighted mean (weights normalised to sum to 1). Oliver (1980) applied to
    perceived value (Kotler and Keller ch. 5), for firms bought from this period."""
    segment = customer.model.scenario.segments[customer.segment]
    memory = segment.satisfaction_memory
    team = members(customer)
    total_weight = sum(m.weight for m in team)
    reference_price = customer.model.reference_price
    for firm, rel in zip(period.firms, customer.relationships):
        bought = rel.units_bought()
        if bought == 0:
            continue
        relative_price = 0.0
        for c, price in firm.price.items():
            relative_price += rel.units[c] * (price / reference_price[c])
        gap = rel.performance - rel.expectation
        premium = relative_price / bought - 1.0
        feelings = customer.member_satisfaction[firm.index]
        combined = 0.0
        for r, member in enumerate(team):
            benefit = member.benefit_weights or segment.benefit_weights
            cost = member.cost_weights or segment.cost_weights
            felt = benefit.product * gap
            felt -= cost.monetary * customer.price_sensitivity * premium
            if felt < 0.0:
                loss_aversion = (member.loss_aversion if member.loss_aversion is not None
                                 else segment.loss_aversion)
                felt = loss_aversion * felt
            feelings[r] = f32(memory * feelings[r] + (1.0 - memory) * felt)
            combined += (member.weight / total_weight) * feelings[r]
        rel.satisfaction = f32(combined)


def decider_veto(customer: Customer) -> list[tuple[int, bool, bool]]:
    """Under the ``decider_veto`` rule, leave every firm whose decider's dissatisfaction exceeds
    the decider's threshold, whatever the other members feel (after the usual defection test).
    Returns ``(firm, lapsed=False, held_at_start)`` per departure, as ``consider_leaving``."""
    segment = customer.model.scenario.segments[customer.segment]
    if segment.buying_centre.rule != "decider_veto":
        return []
    decider = segment.buying_centre.decider
    line = decider.threshold if decider.threshold is not None else segment.switching_threshold.mean
    departures = []
    for f, rel in enumerate(customer.relationships):
        if not rel.is_customer:
            continue
        if -customer.member_satisfaction[f][ROLES.index("decider")] > line:
            departures.append((f, False, rel.tenure >= 2))
            rel.status = EX_CUSTOMER
            rel.aware = False
            rel.tie_financial = rel.tie_social = rel.tie_structural = 0.0
            rel.tenure = 0
    return departures
