"""What a customer of the reference twin sees and holds: the firms' levers and the period's
random streams (:class:`PeriodContext`), its state with each firm (:class:`Relationship`,
one row of the engine's customer-firm arrays), and the period's per-firm totals it adds to
(:class:`Tally`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from marketsim.kernels.layout import FIRST_TIME, PROSPECT, REGULAR
from marketsim.measures.metrics import RAW, RAW_INDEX

if TYPE_CHECKING:
    from marketsim.market.firms import Firm


@dataclass(frozen=True)
class FirmLevers:
    """What customers see of one firm in one period: its levers after the firm has decided.

    Per category (indexed like the scenario's categories) only the categories the firm sells
    have a price, quality and unit cost.
    """

    index: int
    service: float
    image: float
    convenience: float
    trust: float
    promise: float
    reach: float
    reward_rate: float
    points_expiry: float
    personal_service: float
    personal_service_cost: float
    structural_investment: float
    structural_cost: float
    acquisition_spend: float
    imitation_hazard: float
    price: dict[int, float]
    quality: dict[int, float]
    unit_cost: dict[int, float]

    @classmethod
    def of(cls, firm: Firm, categories: list[str], imitation_hazard: float = 0.0) -> FirmLevers:
        programme = firm.retention
        sold = [c for c, name in enumerate(categories) if name in firm.price]
        return cls(
            index=firm.index, service=float(firm.service), image=float(firm.image),
            convenience=float(firm.convenience), trust=float(firm.trust),
            promise=float(firm.promise), reach=float(firm.reach),
            reward_rate=float(programme.reward_rate),
            points_expiry=float(programme.points_expiry),
            personal_service=float(programme.personal_service),
            personal_service_cost=float(programme.personal_service_cost),
            structural_investment=float(programme.structural_investment),
            structural_cost=float(programme.structural_cost),
            acquisition_spend=float(firm.acquisition_budget), imitation_hazard=imitation_hazard,
            price={c: float(firm.price[categories[c]]) for c in sold},
            quality={c: float(firm.quality[categories[c]]) for c in sold},
            unit_cost={c: float(firm.unit_cost[categories[c]]) for c in sold},
        )

    def sells(self, category: int) -> bool:
        return category in self.price


@dataclass
class PeriodContext:
    """Everything a customer needs to know about the period: the firms' levers and the keys of
    the random streams (one per kind of random event, see :mod:`marketsim.kernels.rng`)."""

    number: int
    firms: list[FirmLevers]
    advertising_key: int
    hearing_key: int
    purchase_count_key: int
    purchase_choice_key: int
    experience_key: int
    complaint_key: int = 0
    suggestion_key: int = 0
    defection_key: int = 0
    forgetting_key: int = 0
    spend_key: int = 0
    dropout_key: int = 0
    spend_shape: float = 0.0         # p of spend per occasion (0: one price per occasion)
    relationship_on: bool = False    # any firm uses a relationship strategy (reference.relationship)
    relationship: list = field(default_factory=list)  # [firm][segment] RelationshipLevers


@dataclass(slots=True)
class Relationship:
    """The state of one customer-firm pair (one row of the engine's (N, F) arrays)."""

    aware: bool = False              # the firm is in the customer's consideration set
    status: int = PROSPECT           # prospect, first-time, regular or ex-customer
    expectation: float = 0.0         # E: performance the customer expects from the firm
    satisfaction: float = 0.0        # S: smoothed disconfirmation
    tie_financial: float = 0.0       # points held, in reference-price units
    tie_social: float = 0.0          # social bond, 0-1
    tie_structural: float = 0.0      # structural tie, 0-1
    tenure: int = 0                  # periods as a customer (uint16)
    recency: int = 0                 # periods since the last purchase (uint8)
    performance: float = 0.0         # P: delivered at the last purchase
    cumulative_margin: float = 0.0   # realised customer value so far
    window_spend: float = 0.0        # exponentially weighted spend (share of customer)
    taste: float = 0.0               # lasting brand taste, value units (0: none)
    trial: bool = False              # became aware this period with trial_on_awareness
    promise_bias: float = 0.0        # learnt overstatement of the firm's promise
    units: list[int] = field(default_factory=list)  # bought this period, per category
    knowledge: int = 0               # the firm's knowledge of the customer's needs, 0-255
    targeting: int = 0               # the firm's mark: top tier 1, low tier 2, terminated 4

    @property
    def is_customer(self) -> bool:
        """First-time or regular: the firm holds this customer."""
        return self.status == FIRST_TIME or self.status == REGULAR

    def units_bought(self) -> int:
        return sum(self.units)


class Tally:
    """This period's raw per-firm totals (the names of :data:`marketsim.measures.metrics.RAW`),
    added up one customer at a time in Python floats."""

    def __init__(self, n_firms: int):
        self.rows = [[0.0] * len(RAW) for _ in range(n_firms)]

    def add(self, firm: int, name: str, amount: float = 1.0) -> None:
        self.rows[firm][RAW_INDEX[name]] += amount

    def as_array(self) -> np.ndarray:
        return np.array(self.rows)
