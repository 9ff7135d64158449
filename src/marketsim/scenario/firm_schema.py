"""The firms of a scenario: offers, promise, advertising, retention programme, relationship
levers, strategy and preset.

What a firm does with them each period is in :mod:`marketsim.market.firms` and
:mod:`marketsim.market.strategies`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from marketsim.scenario.presets import apply_preset
from marketsim.scenario.relationship_levers import (
    CustomerManagement,
    OneToOne,
    RelationshipLevel,
    RelationshipType,
)
from marketsim.scenario.strict import MAX_MONEY, Strict


class Offer(Strict):
    """What a firm sells in one category."""

    price: float = Field(gt=0.0, le=MAX_MONEY, description="Price of one purchase.")
    quality: float = Field(ge=0.0, le=3.0, description="Product performance delivered (0-1 typical).")
    unit_cost: float = Field(0.0, ge=0.0, le=MAX_MONEY, description="Cost of goods of one purchase.")


class Retention(Strict):
    """The firm's retention programme: the three kinds of tie (Berry and Parasuraman 1991)."""

    reward_rate: float = Field(0.0, ge=0.0, le=1.0, description="Points earned per unit of spend, in money (financial tie).")
    points_expiry: float = Field(0.05, ge=0.0, le=1.0, description="Fraction of points expiring per period.")
    personal_service: float = Field(0.0, ge=0.0, le=1.0, description="Intensity of personal touch points per period (social tie).")
    personal_service_cost: float = Field(0.0, ge=0.0, le=MAX_MONEY, description="Cost per customer per period at full personal service.")
    structural_investment: float = Field(0.0, ge=0.0, le=1.0, description="Integration investment per customer (structural tie).")
    structural_cost: float = Field(0.0, ge=0.0, le=MAX_MONEY, description="Cost per customer per period at full structural investment.")


class Firm(Strict):
    """A firm: its offers, promise, advertising, retention programme and strategy."""

    name: str = Field(description="Firm name, unique in the scenario.")
    offers: dict[str, Offer] = Field(description="Offer per category name the firm sells.")
    service: float = Field(0.5, ge=0.0, le=1.0, description="Service level (services benefit; part of delivered performance).")
    image: float = Field(0.5, ge=0.0, le=1.0, description="Brand image (image benefit).")
    convenience: float = Field(0.5, ge=0.0, le=1.0, description="Convenience: lowers time and energy cost.")
    trust: float = Field(0.5, ge=0.0, le=1.0, description="Trust: lowers psychic cost.")
    promise: float = Field(1.0, ge=0.0, le=3.0, description="Performance the firm advertises (same scale as quality + service).")
    acquisition_budget: float = Field(0.0, ge=0.0, le=MAX_MONEY, description="Advertising and acquisition spend per period.")
    reach_cost: float = Field(
        1000.0, gt=0.0, le=MAX_MONEY,
        description="Budget that reaches 63% of unaware customers in a period (reach = 1 - exp(-budget/reach_cost)).")
    base_preference: float = Field(
        1.0, gt=0.0, le=1000.0,
        description="The firm's weight in customers' brand tastes (s_f of the Dirichlet after "
                    "dividing by the sum over firms); used only with "
                    "behaviour.preference_concentration.")
    initial_share: float = Field(0.0, ge=0.0, le=1.0, description="Fraction of customers who start as its regular customers.")
    initial_awareness: float = Field(0.5, ge=0.0, le=1.0, description="Fraction of other customers who start aware of it.")
    retention: Retention = Field(default_factory=Retention)
    strategy: str = Field("static", description="A registered strategy (static, scheduled, adaptive_price, adaptive_price_budget, ...) or a user's class as 'module:Class' or 'path/to/file.py:Class', imported only by a run with --allow-code (docs/strategies.md).")
    strategy_params: dict[str, Any] = Field(default_factory=dict, description="Parameters passed to the strategy.")
    preset: str | None = Field(
        None, description="Name of a preset (marketsim.scenario.presets: mass_marketer, "
                          "customer_centric, basic_marketing ... partnership_marketing) filled in "
                          "under the fields given.")
    relationship_level: RelationshipLevel = Field(
        "basic", description="Kotler's level of relationship marketing (costs and effects in docs/model.md).")
    relationship_type: RelationshipType = Field(
        "self_service", description="Relationship type with segments not listed in relationship_types.")
    relationship_types: dict[str, RelationshipType] = Field(
        default_factory=dict, description="Relationship type per segment name (Osterwalder and Pigneur).")
    one_to_one: OneToOne = Field(default_factory=OneToOne)
    customer_management: CustomerManagement = Field(default_factory=CustomerManagement)

    _preset = model_validator(mode="before")(apply_preset)
