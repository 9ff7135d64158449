"""The relationship levers of a firm as a scenario states them: their names and their schema.

Kotler's five levels of relationship marketing, Osterwalder and Pigneur's six relationship
types, one-to-one marketing and the management of the customer base (MODEL.md section 1,
Firms). What each lever does to customers, and what it costs, is in the effect tables of
:mod:`marketsim.market.relationship`; every default leaves the model as it is without them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from marketsim.errors import did_you_mean
from marketsim.scenario.strict import MAX_MONEY, Strict

LEVELS = ("basic", "reactive", "accountable", "proactive", "partnership")
TYPES = ("self_service", "automated_service", "personal_assistance",
         "dedicated_personal_assistance", "community", "co_creation")
RelationshipLevel = Literal["basic", "reactive", "accountable", "proactive", "partnership"]
RelationshipType = Literal["self_service", "automated_service", "personal_assistance",
                           "dedicated_personal_assistance", "community", "co_creation"]


class OneToOne(Strict):
    """One-to-one marketing (Peppers and Rogers): customise to learnt needs, differentiate by value."""

    customisation: float = Field(
        0.0, ge=0.0, le=3.0,
        description="How far the offer is tailored to what the firm knows of each customer: "
                    "delivered performance gains customisation x knowledge x the customer's "
                    "product weight. Knowledge grows with each touch point (learning relationship).")
    top_tier_clv: float | None = Field(
        None, ge=-MAX_MONEY, le=MAX_MONEY, description="Predicted lifetime value (money) from which a customer is in the top "
                          "tier (gets top_tier_service); none = no top tier.")
    top_tier_service: float = Field(0.0, ge=0.0, le=3.0, description="Extra delivered performance for top-tier customers.")
    top_tier_cost: float = Field(0.0, ge=0.0, le=MAX_MONEY, description="Cost per top-tier customer per period of that extra service.")


class CustomerManagement(Strict):
    """Managing the customer base: cross-sell, up-sell, terminate, make low-profit customers pay."""

    cross_sell: float = Field(
        0.0, ge=0.0, le=5.0,
        description="Extra purchases from the firm, per unit of the customer's category rate, in "
                    "categories the customer last bought from another firm (cross-selling).")
    up_sell: float = Field(
        0.0, ge=0.0, le=5.0,
        description="Extra purchases, per unit of category rate, in categories the customer "
                    "already buys from the firm (up-selling: more spend).")
    terminate_negative_clv: bool = Field(
        False, description="End the relationship with customers whose predicted lifetime value is "
                           "negative (after assessment_periods of tenure).")
    shrinkage_periods: float = Field(
        0.0, ge=0.0, le=10_000.0,
        description="Weight, in periods of a customer's own history, of the firm's mean margin "
                    "per customer-period in the predicted margin: (cumulative margin + k x mean) "
                    "/ (tenure + k), the credibility (empirical Bayes) shrinkage that keeps a few "
                    "periods of Poisson luck from passing for a customer's value (Buhlmann 1967; "
                    "Malthouse and Blattberg 2005 on how noisy realised value is). 0 = the "
                    "customer's own average alone.")
    assessment_periods: int = Field(
        8, ge=1, le=1000, description="Tenure before a customer's value is predicted from its margin history.")
    termination_periods: int = Field(
        26, ge=1, le=254, description="Periods a terminated customer is refused before it may buy again.")
    low_tier_clv: float | None = Field(
        None, ge=-MAX_MONEY, le=MAX_MONEY, description="Predicted lifetime value (money) below which a customer is in the low "
                          "tier (fees, fewer services); none = no low tier.")
    low_tier_fee: float = Field(0.0, ge=0.0, le=MAX_MONEY, description="Fee per low-tier customer per period (money).")
    low_tier_service_cut: float = Field(
        0.0, ge=0.0, le=3.0, description="Delivered performance removed for low-tier customers (fewer services).")
    low_tier_saving: float = Field(
        0.0, ge=0.0, le=MAX_MONEY, description="Cost to serve saved per low-tier customer per period.")
    response_rate: float = Field(
        0.05, gt=0.0, le=1.0,
        description="Extra purchases per unit of category rate that one cross- or up-selling "
                    "contact brings: the contacts per customer per period are (cross_sell + "
                    "up_sell) / response_rate (house-file response about 4-5%, the Direct "
                    "Marketing Association's response-rate studies).")
    contact_cost: float = Field(
        0.0, ge=0.0, le=1000.0,
        description="Cost of one cross- or up-selling contact (money; about 0.3 for mail or "
                    "e-mail, 3 for a personal call at the shipped scenarios' scale), charged per "
                    "current customer per period with the relationship level's cost. 0 = free.")
    irritation: float = Field(
        0.0, ge=0.0, le=100.0,
        description="Delivered performance lost per (contact beyond the tolerated ones)^2 by "
                    "each buyer the firm contacts: past an ideal volume, relational "
                    "communication breeds reactance (Godfrey, Seiders and Voss 2011, an inverted "
                    "U; Fournier, Dobscha and Mick 1998). 0 = none.")
    tolerated_contacts: float = Field(
        1.0, ge=0.0, le=100.0,
        description="Contacts per period a customer takes without irritation (the ideal "
                    "point; about one a week).")

    @property
    def contacts(self) -> float:
        """Cross- and up-selling contacts per current customer per period."""
        return (self.cross_sell + self.up_sell) / self.response_rate

    @property
    def irritation_penalty(self) -> float:
        """Performance lost by each contacted buyer per period:
        irritation x max(0, contacts - tolerated_contacts)^2."""
        excess = max(0.0, self.contacts - self.tolerated_contacts)
        return self.irritation * excess * excess

    @property
    def scores_customers(self) -> bool:
        return self.terminate_negative_clv or self.low_tier_clv is not None


def check_segments(firms, segment_names: list[str]) -> list[str]:
    """Problems with the firms' ``relationship_types`` (segment names that do not exist)."""
    problems = []
    for f_index, firm in enumerate(firms):
        for name in firm.relationship_types:
            if name not in segment_names:
                hint = did_you_mean(name, segment_names)
                problems.append(f"firms[{f_index}].relationship_types.{name}: no such segment"
                                f"{hint} (segments: {', '.join(segment_names)})")
    return problems
