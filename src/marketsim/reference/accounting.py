"""Step 10 of the reference twin: one customer's sales and costs with each firm
(:mod:`marketsim.kernels.accounting`), with the optional tenure profile."""

from __future__ import annotations

import math

import mesa

from marketsim.reference.context import PeriodContext
from marketsim.reference.precision import f32


def seasoning(tenure: int, time_constant: float) -> float:
    """``h = 1 - exp(-tenure / tau_T)``: how far a relationship of ``tenure`` periods has grown
    into the tenure profile (Reichheld and Sasser 1990, "Zero defections: quality comes to
    services", HBR 68(5))."""
    return 1.0 - math.exp(-float(tenure) / time_constant)


def settle(customer: mesa.Agent, period: PeriodContext) -> list[dict[str, float]]:
    """This period's sales and costs of ``customer`` with each firm.

    ``spend = sum_c units price``; ``margin = spend - cost of goods - reward_rate spend -
    cost_to_serve``, the cost to serve (personal service and structural investment, each
    times its cost) charged while the firm holds the customer. With the tenure profile
    (``behaviour.tenure_profile``) spend and cost of goods are multiplied by ``1 + g_T h`` and
    the cost to serve by ``1 - phi_T h``, ``h`` the :func:`seasoning` of the pair's tenure at
    the end of the period. ``cumulative_margin`` adds up the margin (realised customer value,
    Gupta and Lehmann 2003) of the current relationship: it starts again from 0 for a customer
    acquired or reactivated this period (tenure 1), as tenure does; ``window_spend`` is the
    exponentially weighted spend behind share of customer (``W <- decay W + spend``).
    Returns one account per firm.
    """
    decay = customer.model.window_decay
    profile = customer.model.tenure_profile  # None: margin flat in tenure
    accounts = []
    for firm, rel in zip(period.firms, customer.relationships):
        bought, spend, goods = 0, 0.0, 0.0
        for c, price in firm.price.items():
            bought += rel.units[c]
            amount = customer.bought(period, firm.index, c)
            spend += amount * price
            goods += amount * firm.unit_cost[c]
        h = 0.0
        if profile is not None:  # a long-standing customer buys more per occasion
            h = seasoning(rel.tenure, profile.time_constant)
            growth = 1.0 + profile.spend_growth * h
            spend, goods = spend * growth, goods * growth
        reward = firm.reward_rate * spend
        serve = 0.0
        if rel.is_customer:  # times the customer's service intensity
            serve = (firm.personal_service * firm.personal_service_cost
                     + firm.structural_investment * firm.structural_cost)
            serve = serve * customer.service_intensity
            if profile is not None:  # and cheaper to serve
                serve = serve * (1.0 - profile.cost_decline * h)
        margin = spend - goods - reward - serve
        if rel.is_customer and rel.tenure == 1:  # a new relationship: its margin starts at 0
            rel.cumulative_margin = 0.0
        if margin != 0.0:
            rel.cumulative_margin = f32(rel.cumulative_margin + margin)
        rel.window_spend = f32(decay * rel.window_spend + spend)
        accounts.append({"units": bought, "revenue": spend, "cost_of_goods": goods,
                         "reward_cost": reward, "service_cost": serve,
                         "customer": rel.is_customer})
    return accounts
