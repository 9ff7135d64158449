"""Buying centres of business customers: their parameters and state, built from a scenario.

The mechanism is in :mod:`marketsim.kernels.buying_centre`. Here: the per-segment member
parameters the kernels read, the choice weights of a segment (the buyer's, for a business
segment), and :class:`BuyingCentres`, the state kept for business customers only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marketsim.kernels.buying_centre import (
    CONSUMER,
    DECIDER_VETO,
    N_ROLE_PARAMS,
    N_ROLES,
    ROLE_LOSS_AVERSION,
    ROLE_MONETARY,
    ROLE_PRODUCT,
    ROLE_THRESHOLD,
    ROLE_WEIGHT,
    WEIGHTED_MEAN,
)
from marketsim.scenario.customer_schema import ROLES, BenefitWeights, CostWeights, Segment
from marketsim.scenario.schema import Scenario

RULES = {"weighted_mean": WEIGHTED_MEAN, "decider_veto": DECIDER_VETO}


def choice_weights(segment: Segment) -> tuple[BenefitWeights, CostWeights]:
    """The importance weights a segment's customers choose firms by: the segment's own, or for
    a business segment its buyer's (where the buyer's are given)."""
    benefit, cost = segment.benefit_weights, segment.cost_weights
    if segment.kind == "business" and segment.buying_centre is not None:
        buyer = segment.buying_centre.buyer
        benefit = buyer.benefit_weights or benefit
        cost = buyer.cost_weights or cost
    return benefit, cost


def centre_rules(scenario: Scenario) -> np.ndarray:
    """Combination rule per segment, (S,) int8: 0 for consumers."""
    return np.array([RULES[s.buying_centre.rule] if s.kind == "business" else CONSUMER
                     for s in scenario.segments], dtype=np.int8)


def role_parameters(scenario: Scenario) -> np.ndarray:
    """Member parameters per segment, (S, 4, N_ROLE_PARAMS) float64 (zeros for consumers)."""
    params = np.zeros((len(scenario.segments), N_ROLES, N_ROLE_PARAMS))
    for s, segment in enumerate(scenario.segments):
        centre = segment.buying_centre
        if segment.kind != "business" or centre is None:
            continue
        members = [getattr(centre, role) for role in ROLES]
        total = sum(m.weight for m in members)
        for r, member in enumerate(members):
            benefit = member.benefit_weights or segment.benefit_weights
            cost = member.cost_weights or segment.cost_weights
            params[s, r, ROLE_PRODUCT] = benefit.product
            params[s, r, ROLE_MONETARY] = cost.monetary
            params[s, r, ROLE_LOSS_AVERSION] = (member.loss_aversion if member.loss_aversion
                                                is not None else segment.loss_aversion)
            params[s, r, ROLE_WEIGHT] = member.weight / total
            params[s, r, ROLE_THRESHOLD] = (member.threshold if member.threshold is not None
                                            else segment.switching_threshold.mean)
    return params


@dataclass
class BuyingCentres:
    """State of the business customers' buying centres.

    ``business_ids`` (n_b,) int64: sorted customer numbers of business customers;
    ``member_satisfaction`` (n_b, F, 4) float32: each member's satisfaction with each firm
    (user, influencer, decider, buyer). ``rule`` (S,) int8 and ``role_params`` are parameters.
    """

    business_ids: np.ndarray
    member_satisfaction: np.ndarray
    rule: np.ndarray
    role_params: np.ndarray

    @property
    def n_business(self) -> int:
        return self.business_ids.shape[0]

    @property
    def any_veto(self) -> bool:
        return bool((self.rule == DECIDER_VETO).any())

    def nbytes(self) -> int:
        """Bytes of state (parameters excluded): zero when every customer is a consumer."""
        return self.business_ids.nbytes + self.member_satisfaction.nbytes


def create_buying_centres(scenario: Scenario, segment: np.ndarray) -> BuyingCentres:
    """Buying-centre state for the customers of business segments (``segment``: (N,) the
    population's segment of each customer)."""
    rule = centre_rules(scenario)
    business_ids = np.flatnonzero(rule[segment] != CONSUMER).astype(np.int64)
    return BuyingCentres(
        business_ids=business_ids,
        member_satisfaction=np.zeros((business_ids.shape[0], scenario.n_firms, N_ROLES),
                                     np.float32),
        rule=rule, role_params=role_parameters(scenario))


#: Buying-centre arrays kept in a run's state snapshot (``RunResult.state``, ``state.npz``).
CENTRE_SNAPSHOT_FIELDS = ("business_ids", "member_satisfaction")


def centre_snapshot(centres: BuyingCentres) -> dict[str, np.ndarray]:
    """Copies of the buying-centre state for the snapshot (business customers only)."""
    return {name: np.array(getattr(centres, name), copy=True) for name in CENTRE_SNAPSHOT_FIELDS}


def member_satisfaction(state: dict, firms: list[str], segments: list[str]):
    """Mean satisfaction of each buying-centre role with each firm, over the business customers
    the firm holds at the end of the run, per firm and segment: ``firm, segment, customers,
    user, influencer, decider, buyer``. ``None`` when the snapshot has no buying centres.

    Members judge their own criteria (Webster and Wind 1972, "A general model for
    understanding organizational buying behavior", J. Marketing 36(2)); the kernel
    :mod:`marketsim.kernels.buying_centre` keeps one satisfaction per member and firm.
    """
    import pandas as pd

    from marketsim.kernels.layout import FIRST_TIME, REGULAR
    from marketsim.scenario.customer_schema import ROLES

    if "member_satisfaction" not in state or len(state["business_ids"]) == 0:
        return None
    ids = np.asarray(state["business_ids"], dtype=np.int64)
    members = np.asarray(state["member_satisfaction"], dtype=np.float64)
    status = np.asarray(state["status"])[ids]
    held = (status == FIRST_TIME) | (status == REGULAR)
    row, firm = np.nonzero(held)
    frame = pd.DataFrame({
        "firm": pd.Categorical.from_codes(firm, firms),
        "segment": pd.Categorical.from_codes(
            np.asarray(state["segment"])[ids[row]].astype(np.int64), segments)})
    for r, role in enumerate(ROLES):
        frame[role] = members[row, firm, r]
    g = frame.groupby(["firm", "segment"], observed=True)
    table = g[list(ROLES)].mean()
    table.insert(0, "customers", g.size())
    return table.reset_index()
