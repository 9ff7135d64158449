"""A customer's creation in the reference twin: segment, traits and starting relationships,
drawn as :mod:`marketsim.kernels.initial` draws them (same stream, same draw indices)."""

from __future__ import annotations

import math

import mesa

from marketsim.kernels.initial import TASTE_FLOOR
from marketsim.kernels.layout import (
    INIT_AWARENESS,
    INIT_FIRM,
    INIT_PRICE_SENSITIVITY,
    INIT_RATES,
    INIT_RECENCY,
    INIT_SEGMENT,
    INIT_THRESHOLD,
    INIT_WEIGHTS,
    REGULAR,
    TASTE_DRAWS,
)
from marketsim.market.buying_centre import choice_weights
from marketsim.reference.context import Relationship
from marketsim.reference.precision import f32
from marketsim.reference.rng import customer_key, draw_bits, gamma, normal, uniform
from marketsim.scenario.customer_schema import ROLES

#: The benefits and costs of perceived value, in the order of a customer's weights.
BENEFITS = ("product", "services", "personal", "image")
COSTS = ("monetary", "time", "energy", "psychic")


def draw_initial_state(customer: mesa.Agent, ckey: int) -> None:
    """Draw a :class:`~marketsim.reference.customer.Customer`'s segment, traits and starting
    relationships (:mod:`marketsim.kernels.initial`), keyed on ``ckey``.

    Segment ``s`` with probability equal to its share. Importance weights, price sensitivity
    and switching threshold: the segment mean times a mean-one log-normal factor
    ``exp(sigma z - sigma^2 / 2)``. Category purchase rate: Gamma(shape k, mean m), so
    Poisson purchases at that rate are negative binomial across customers (Ehrenberg 1959).
    The customer starts as a regular customer of firm ``f`` with probability
    ``initial_share_f`` (of none with the remaining probability) and aware of each other
    firm with probability ``initial_awareness_f``.
    """
    market = customer.model
    scenario = market.scenario
    u = uniform(draw_bits(ckey, INIT_SEGMENT))
    s = 0
    while s < len(scenario.segments) - 1 and u >= market.segment_cumulative_share[s]:
        s += 1
    customer.segment = s
    segment = scenario.segments[s]

    def lognormal_factor(sigma: float, index: int) -> float:
        z = normal(draw_bits(ckey, index))
        return math.exp(sigma * z - 0.5 * sigma * sigma)

    benefit_weights, cost_weights = choice_weights(segment)  # a business: its buyer's
    means = ([getattr(benefit_weights, name) for name in BENEFITS]
             + [getattr(cost_weights, name) for name in COSTS])
    customer.weights = [f32(mean * lognormal_factor(segment.weight_spread, INIT_WEIGHTS + k))
                    for k, mean in enumerate(means)]
    spread = segment.price_sensitivity
    customer.price_sensitivity = f32(
        spread.mean * lognormal_factor(spread.spread, INIT_PRICE_SENSITIVITY))
    spread = segment.switching_threshold
    customer.switching_threshold = f32(
        spread.mean * lognormal_factor(spread.spread, INIT_THRESHOLD))
    customer.word_of_mouth = f32(segment.word_of_mouth)   # chance of telling each neighbour

    customer.purchase_rate = []
    index = INIT_RATES  # the Gamma draws use a variable number of draws, category by category
    for category in market.categories:
        rate = segment.purchase_rate.get(category)
        if rate is None or rate.mean <= 0.0:
            customer.purchase_rate.append(0.0)
            continue
        value, index = gamma(ckey, index, rate.shape, rate.mean / rate.shape)
        customer.purchase_rate.append(f32(value))

    u = uniform(draw_bits(ckey, INIT_FIRM))
    first = next((f for f, upto in enumerate(market.firm_cumulative_share) if u < upto), -1)
    customer.relationships = []
    for f, firm in enumerate(scenario.firms):
        rel = Relationship(expectation=f32(segment.initial_expectation),
                           units=[0] * len(market.categories))
        if f == first:
            rel.aware, rel.status, rel.tenure = True, REGULAR, 1
            # time since the last purchase of a Poisson buyer at its rate in f's categories
            rate = sum(r for r, name in zip(customer.purchase_rate, market.categories)
                       if name in firm.offers)
            u = uniform(draw_bits(ckey, INIT_RECENCY))
            periods = -math.log(1.0 - u) / rate if rate > 0.0 else 255.0
            rel.recency = int(periods) if periods < 255.0 else 255
        else:
            u = uniform(draw_bits(ckey, INIT_AWARENESS + f))
            rel.aware = u < firm.initial_awareness
        customer.relationships.append(rel)
    customer.last_firm = [first if first >= 0 and name in scenario.firms[first].offers else -1
                          for name in market.categories]
    # a business customer's buying centre: each member's satisfaction with each firm
    customer.is_business = segment.kind == "business"
    customer.member_satisfaction = ([[0.0] * len(ROLES) for _ in scenario.firms]
                                    if customer.is_business else None)
    if market.taste_key is not None:
        draw_tastes(customer, customer_key(market.taste_key, customer.number))
    customer.dropout = 0.0       # chance of dropping out after a repeat purchase (BG/NBD)
    if segment.dropout is not None:  # marketsim.kernels.initial.draw_dropout
        dkey = customer_key(market.dropout_key, customer.number)
        g_a, index = gamma(dkey, 0, segment.dropout.a, 1.0)
        g_b, _ = gamma(dkey, index, segment.dropout.b, 1.0)
        customer.dropout = f32(g_a / max(g_a + g_b, TASTE_FLOOR))
    intensity = segment.service_intensity  # marketsim.kernels.initial.draw_service_intensity
    customer.service_intensity = f32(intensity.mean)
    if intensity.spread != 0.0:
        z = normal(draw_bits(customer_key(market.service_key, customer.number), 0))
        sigma = intensity.spread
        customer.service_intensity = f32(intensity.mean * math.exp(sigma * z - 0.5 * sigma * sigma))
    customer.basket_size = 1.0   # mean spend per occasion, in prices
    if market.basket_key is not None:  # marketsim.kernels.initial.draw_basket_sizes
        heterogeneity = scenario.behaviour.spend.heterogeneity
        nu, _ = gamma(customer_key(market.basket_key, customer.number), 0, heterogeneity, 1.0)
        customer.basket_size = f32((heterogeneity - 1.0) / max(nu, TASTE_FLOOR))


def draw_tastes(customer: mesa.Agent, ckey: int) -> None:
    """The customer's lasting taste for each firm, ``log(G_f) / beta`` with ``G_f ~ Gamma(S s_f,
    1)`` (:func:`marketsim.kernels.initial.draw_tastes`): with identical offers the customer
    then chooses among firms with Dirichlet(``S s``) probabilities, the NBD-Dirichlet's brand
    choice (Goodhardt, Ehrenberg and Chatfield 1984)."""
    behaviour = customer.model.scenario.behaviour
    concentration = behaviour.preference_concentration
    for f, rel in enumerate(customer.relationships):
        g, _ = gamma(ckey, f * TASTE_DRAWS, concentration * customer.model.base_shares[f], 1.0)
        rel.taste = f32(math.log(max(g, TASTE_FLOOR)) / behaviour.choice_sensitivity)
