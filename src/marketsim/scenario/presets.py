"""Firm presets: named bundles of levers for the archetypes and for each relationship level.

A firm in a scenario may name one (``preset = "customer_centric"``); the preset's fields are
filled in first and every field the scenario gives explicitly overrides them (tables such as
``retention`` are merged key by key). See ``docs/strategies.md``.

* ``mass_marketer``: the product-centric, market-share focus (the horizontal bar of Peppers and
  Rogers' Exhibit 1.3, seed 004): advertising and acquisition, adaptive price and budget, basic
  relationship marketing and self-service.
* ``customer_centric``: the share-of-customer focus (the vertical bar): ties, one-to-one
  learning and customisation, value tiers, cross-selling and up-selling, proactive marketing
  with personal assistance.
* ``basic_marketing`` ... ``partnership_marketing``: Kotler's five levels of relationship
  marketing (seed 001) with the relationship type that typically goes with each. Kotler maps
  them to the number of customers and the margin per customer: many customers with low
  margins call for basic or reactive marketing (a grocer, a fast-moving consumer brand:
  self-service, automated service), few customers with high margins for accountable,
  proactive or partnership marketing (a private bank, a supplier of aircraft engines:
  personal and dedicated personal assistance, co-creation).

Calibration of ``customer_centric`` (money at the scale of the shipped scenarios, a purchase
priced about 10; the first calibration, in brackets, let the customer-centric bank of
``scenarios/relationship_strategies.toml`` take 60% of the market in the warm-up and 80% by
period 30, see ``docs/strategies.md``, "Calibration"):

* points: ``reward_rate`` 0.01 (0.03), the 1% of spend a typical card reward or cash-back
  programme returns;
* personal service: ``personal_service`` 0.25 (0.4), about one personal contact a month with
  weekly periods, at ``personal_service_cost`` 3.0 per contact (0.2): a personal contact costs a
  bank about 40 times a self-service one, about a third of a purchase's price (the cost
  calibration of :data:`marketsim.market.relationship.TYPE_EFFECTS`). Personal service is part of
  every customer's perceived value of the firm (the personal benefit), customers or not, so its
  intensity drives market share more than any other lever of the preset;
* structural investment 0.3 at ``structural_cost`` 0.3 per customer per period at full
  investment (0.1): integration (direct debits, linked accounts) costs about a tenth of a
  personal contact per period;
* cross-selling 0.05 and up-selling 0.02 (0.15 and 0.05): extra purchases per unit of category
  rate, a few percent per period like the response of a firm's own customers to its offers
  (the Direct Marketing Association's response-rate studies: about 4% for house files).
"""

from __future__ import annotations

import copy
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "mass_marketer": {
        "acquisition_budget": 5000.0, "promise": 1.2, "strategy": "adaptive_price_budget",
        "relationship_level": "basic", "relationship_type": "self_service",
    },
    "customer_centric": {
        "relationship_level": "proactive", "relationship_type": "personal_assistance",
        "retention": {"reward_rate": 0.01, "points_expiry": 0.05, "personal_service": 0.25,
                      "personal_service_cost": 3.0, "structural_investment": 0.3,
                      "structural_cost": 0.3},
        "one_to_one": {"customisation": 0.2},
        "customer_management": {"cross_sell": 0.05, "up_sell": 0.02},
    },
    "basic_marketing": {"relationship_level": "basic", "relationship_type": "self_service"},
    "reactive_marketing": {"relationship_level": "reactive",
                           "relationship_type": "automated_service"},
    "accountable_marketing": {"relationship_level": "accountable",
                              "relationship_type": "personal_assistance"},
    "proactive_marketing": {"relationship_level": "proactive",
                            "relationship_type": "personal_assistance",
                            "one_to_one": {"customisation": 0.15}},
    "partnership_marketing": {"relationship_level": "partnership",
                              "relationship_type": "dedicated_personal_assistance",
                              "one_to_one": {"customisation": 0.25}},
}


def merge_tables(base: dict, explicit: dict) -> dict:
    """``base`` with ``explicit`` laid over it, tables merged key by key (a deep copy)."""
    out = copy.deepcopy(base)
    for key, value in explicit.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = value
    return out


def apply_preset(data: Any) -> Any:
    """A firm's raw scenario table with its preset filled in under the explicit fields."""
    if not isinstance(data, dict) or data.get("preset") is None:
        return data
    name = data["preset"]
    if not isinstance(name, str) or name not in PRESETS:
        from marketsim.errors import did_you_mean

        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
        hint = did_you_mean(name, PRESETS) if isinstance(name, str) else ""
        raise ValueError(f"preset: unknown preset {shown}{hint}, allowed: {', '.join(PRESETS)}")
    return merge_tables(PRESETS[name], data)
