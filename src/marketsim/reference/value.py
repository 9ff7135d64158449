"""What a customer of the reference twin values: perceived value, switching cost, the value of
a firm's whole offer and the utility of a choice (:mod:`marketsim.kernels.common`,
:mod:`marketsim.kernels.purchase`, :mod:`marketsim.kernels.defection`).

Each takes the :class:`~marketsim.reference.customer.Customer` whose weights and
relationships it reads.
"""

from __future__ import annotations

import mesa

from marketsim.reference.context import FirmLevers, Relationship


def perceived_value(customer: mesa.Agent, firm: FirmLevers, category: int, expectation: float,
                    bond: float) -> float:
    """Customer perceived value ``CPV = sum_k w_k benefit_k - sum_k v_k cost_k``.

    Total customer benefit minus total customer cost (Kotler and Keller, *Marketing
    Management*, ch. 5; seed 001), in the customer's own importance weights. Benefits:
    product (the expected performance), services, personal (the firm's personal service),
    image. Costs: monetary (price over the reference price, times price sensitivity), time
    and energy (``1 - convenience``), psychic (``1 - trust``). Added in this fixed order.
    With ``behaviour.personal_benefit = "bonded"`` the personal benefit is the personal
    service times the customer's social ``bond`` with the firm (Gwinner, Gremler and
    Bitner 1998).
    """
    w = customer.weights
    price = firm.price[category] / customer.model.reference_price[category]
    benefit = w[0] * expectation
    benefit += w[1] * firm.service
    personal = firm.personal_service
    if customer.model.scenario.behaviour.personal_benefit == "bonded":
        personal = personal * bond
    benefit += w[2] * personal
    benefit += w[3] * firm.image
    cost = w[4] * customer.price_sensitivity * price
    cost += w[5] * (1.0 - firm.convenience)
    cost += w[6] * (1.0 - firm.convenience)
    cost += w[7] * (1.0 - firm.trust)
    return benefit - cost

def switching_cost(customer: mesa.Agent, rel: Relationship) -> float:
    """Weighted sum of the three ties: financial, relational and procedural switching costs
    (Burnham, Frels and Mahajan 2003, JAMS 31(2)); weights are the segment's tie response."""
    response = customer.model.scenario.segments[customer.segment].tie_response
    cost = response.financial * rel.tie_financial
    cost += response.social * rel.tie_social
    cost += response.structural * rel.tie_structural
    return cost

def offer_worth(customer: mesa.Agent, firm: FirmLevers, quality: float) -> float:
    """Perceived value of a firm's whole offer for a product benefit of ``quality`` (the
    expectation, or what was delivered): the mean over the categories it sells, weighted by
    this customer's purchase rates (plain mean if it buys none of them)."""
    weighted = weight = plain = 0.0
    for category in firm.price:
        value = perceived_value(customer, firm, category, quality,
                                customer.relationships[firm.index].tie_social)
        rate = customer.purchase_rate[category]
        weighted += rate * value
        weight += rate
        plain += value
    return weighted / weight if weight > 0.0 else plain / len(firm.price)


def offer_value(customer: mesa.Agent, firm: FirmLevers) -> float:
    """Perceived value of a firm's whole offer as the customer expects it, plus its brand
    taste for the firm (the value defection compares)."""
    rel = customer.relationships[firm.index]
    return offer_worth(customer, firm, rel.expectation) + rel.taste

def choice_utility(customer: mesa.Agent, firm: FirmLevers, category: int) -> float:
    """``U_if = beta (CPV_ifc + taste_if + b_tie switching_cost_if + b_habit [f = last firm
    in c])``, the taste in value units (0 without brand tastes)."""
    behaviour = customer.model.scenario.behaviour
    rel = customer.relationships[firm.index]
    value = perceived_value(customer, firm, category, rel.expectation, rel.tie_social)
    value += rel.taste
    value += behaviour.tie_weight * switching_cost(customer, rel)
    if customer.last_firm[category] == firm.index:
        value += behaviour.habit_weight
    return behaviour.choice_sensitivity * value
