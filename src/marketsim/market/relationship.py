"""Relationship strategies of a firm: what each lever does and costs (the effect tables).

Four groups of levers (MODEL.md section 1, Firms); their schema and names are in
:mod:`marketsim.scenario.relationship_levers`:

* ``relationship_level``: Kotler's five levels of relationship marketing, basic, reactive,
  accountable, proactive and partnership (Kotler and Keller, *Marketing Management*; seed 001,
  after Kotler 1992), each with a cost per customer per period and its effect
  (:data:`LEVEL_EFFECTS`);
* ``relationship_types``: the kind of relationship the firm keeps with each segment,
  self-service, automated service, personal assistance, dedicated personal assistance,
  community, co-creation (Osterwalder and Pigneur 2010, *Business Model Generation*, Customer
  Relationships; seed 002), each with a cost to serve and its effect (:data:`TYPE_EFFECTS`);
* ``one_to_one``: one-to-one marketing, identify, differentiate, interact, customise (Peppers
  and Rogers 1993, *The One to One Future*; Peppers, Rogers and Dorf 1999, HBR 77(1); seeds 001
  and 004): customisation of the offer toward what the firm has learnt of each customer
  (a learning relationship) and differentiation by predicted lifetime value tier;
* ``customer_management``: managing the customer base (seed 001, "increase the value of your
  customer base"): cross-selling and up-selling, terminating customers whose predicted
  lifetime value is negative, making low-profit customers profitable (fees, fewer services).

The kernels read all of it from one dense array, ``(F, S, N_RELATIONSHIP_PARAMS)``, filled by
:func:`relationship_parameters` (columns in :mod:`marketsim.kernels.relationship`). Every
default leaves the model exactly as it is without these levers.
"""

from __future__ import annotations

import numpy as np

from marketsim.kernels import relationship as col
from marketsim.scenario.relationship_levers import CustomerManagement, OneToOne

#: Kotler's levels of relationship marketing (seed 001): each level does what the one below
#: does and more. Columns: cost per customer per period (money), complaint capture (share of
#: dissatisfied buyers whose complaint the firm hears), recovery (share of the felt shortfall
#: a captured complaint repairs), follow-up (extra pull of expectations toward delivered
#: performance after the sale), suggestion (extra purchases per unit of category rate that the
#: firm's suggestions bring), co-improvement (delivered-performance gain of a long-tenured
#: customer from working together on the offer).
#:
#: Calibration (money at the scale of the shipped scenarios, a purchase priced about 10 with a
#: margin of 3 to 6; see ``docs/strategies.md``, "Calibration"):
#:
#: * suggestion 0.05: a proactive suggestion converts like a mailing to the firm's own
#:   customers, a few percent per contact (the Direct Marketing Association's response-rate
#:   studies: 4.1% for house files against 1.6% for prospects in 2003, about 5% in 2016). The
#:   first calibration (0.15, with cross-selling 0.15) added a fifth of all the purchases in
#:   the retail-bank strategies scenario and, since each extra purchase also makes the firm the
#:   customer's habitual one in the category, was worth 18 points of the customer-centric
#:   bank's market share on its own.
#: * costs: contacts are what a level adds (reactive: answering complaints; accountable: a
#:   follow-up after the sale; proactive: periodic outbound suggestions; partnership: working
#:   continuously with the customer), priced against a personal contact of about 3
#:   (:data:`TYPE_EFFECTS`): 0.05, 0.2, 0.5 and 1.0 per customer per period. In the retail-bank
#:   strategies scenario the upper levels cost some 5 to 15% of a customer's gross margin, and
#:   the customer-centric bank's whole relationship (level, personal assistance, personal
#:   service, structural ties) about a quarter of it, against 9% in the first calibration:
#:   a level pays only where margins carry it (Kotler's mapping of levels to the number of
#:   customers and the margin per customer).
LEVEL_EFFECTS: dict[str, dict[str, float]] = {
    "basic":       {"cost": 0.00, "capture": 0.0, "recovery": 0.0, "follow_up": 0.0,
                    "suggestion": 0.00, "co_improvement": 0.0},
    "reactive":    {"cost": 0.05, "capture": 0.5, "recovery": 0.6, "follow_up": 0.0,
                    "suggestion": 0.00, "co_improvement": 0.0},
    "accountable": {"cost": 0.20, "capture": 0.7, "recovery": 0.6, "follow_up": 0.3,
                    "suggestion": 0.00, "co_improvement": 0.0},
    "proactive":   {"cost": 0.50, "capture": 0.7, "recovery": 0.6, "follow_up": 0.3,
                    "suggestion": 0.05, "co_improvement": 0.0},
    "partnership": {"cost": 1.00, "capture": 0.8, "recovery": 0.7, "follow_up": 0.3,
                    "suggestion": 0.05, "co_improvement": 0.2},
}

#: Osterwalder and Pigneur's customer relationships (seed 002). Columns: cost to serve per
#: customer per period (money), touch (personal contact per period, 0-1: grows the social
#: bond and teaches the firm), learning (speed at which touch points teach the firm the
#: customer's needs), co-creation (delivered-performance gain of a long-tenured customer from
#: co-created value), word-of-mouth reach (multiple of the chance that each neighbour hears a
#: member's report about the firm; one of ``WOM_REACH_BANDS``).
#:
#: Calibration of the costs: a personal contact costs a bank about 40 times a self-service one
#: (Bain, reported 2016: about $4 for a teller interaction against about $0.10 for a mobile
#: one; an inbound service call costs about $5-7, ContactBabel's US contact-centre
#: benchmarks), about 3 in the shipped scenarios' money (a third of a purchase's price, as $4
#: is a third of a current account's monthly revenue of about $12, scenarios/retail_bank.toml).
#: Cost to serve is then touch x 3: personal assistance 0.9, dedicated personal assistance
#: 3.0 (0.8 x 3 plus the dedicated adviser's idle time), co-creation 0.3; self-service and
#: automated service cost next to nothing (0 and 0.02), communities 0.05 (the platform; members
#: help each other). The first calibration (0.20 and 1.00 for the two personal types) made
#: personal assistance cost a twentieth of a customer's margin, so it paid everywhere.
TYPE_EFFECTS: dict[str, dict[str, float]] = {
    "self_service":                  {"cost": 0.00, "touch": 0.00, "learning": 0.01, "co_creation": 0.0, "wom_reach": 1.0},
    "automated_service":             {"cost": 0.02, "touch": 0.05, "learning": 0.05, "co_creation": 0.0, "wom_reach": 1.0},
    "personal_assistance":           {"cost": 0.90, "touch": 0.30, "learning": 0.05, "co_creation": 0.0, "wom_reach": 1.0},
    "dedicated_personal_assistance": {"cost": 3.00, "touch": 0.80, "learning": 0.10, "co_creation": 0.0, "wom_reach": 1.0},
    "community":                     {"cost": 0.05, "touch": 0.10, "learning": 0.02, "co_creation": 0.05, "wom_reach": 2.0},
    "co_creation":                   {"cost": 0.30, "touch": 0.10, "learning": 0.08, "co_creation": 0.2, "wom_reach": 1.5},
}


def uses_relationships(firms) -> bool:
    """Whether any firm uses a lever of this module (else the kernels skip it all)."""
    for firm in firms:
        types = {firm.relationship_type, *firm.relationship_types.values()}
        if (firm.relationship_level != "basic" or types != {"self_service"}
                or firm.one_to_one != OneToOne() or firm.customer_management != CustomerManagement()):
            return True
    return False


def relationship_type_table(firms, segment_names: list[str]):
    """One row per firm and segment: ``firm, segment, relationship_type, level_cost,
    type_cost`` (costs per customer per period, :data:`LEVEL_EFFECTS` and
    :data:`TYPE_EFFECTS`), from scenario firm specs or firm agents.

    What :func:`marketsim.measures.costs.cost_to_serve` splits the firms' booked costs by; it
    is the same per-(firm, segment) lookup as :func:`relationship_parameters`.
    """
    import pandas as pd

    rows = []
    for firm in firms:
        level = LEVEL_EFFECTS[firm.relationship_level]
        for name in segment_names:
            kind = firm.relationship_types.get(name, firm.relationship_type)
            rows.append((firm.name, name, kind, level["cost"], TYPE_EFFECTS[kind]["cost"]))
    return pd.DataFrame(rows, columns=["firm", "segment", "relationship_type", "level_cost",
                                       "type_cost"])


def relationship_parameters(firms, segment_names: list[str], reference_price: np.ndarray,
                            sells: np.ndarray) -> np.ndarray:
    """The kernels' ``(F, S, N_RELATIONSHIP_PARAMS)`` array from the firms' levers this period.

    ``firms`` are :class:`marketsim.market.firms.Firm` agents (or anything with the same
    attributes); ``sells`` (F, C) marks the categories each firm sells (the low-tier fee is felt
    relative to their mean reference price).
    """
    n_firms, n_segments = len(firms), len(segment_names)
    out = np.zeros((n_firms, n_segments, col.N_RELATIONSHIP_PARAMS))
    for f, firm in enumerate(firms):
        level = LEVEL_EFFECTS[firm.relationship_level]
        one, manage = firm.one_to_one, firm.customer_management
        sold = sells[f] == 1
        fee_scale = float(reference_price[sold].mean()) if sold.any() else 1.0
        for s, name in enumerate(segment_names):
            kind = TYPE_EFFECTS[firm.relationship_types.get(name, firm.relationship_type)]
            row = out[f, s]
            row[col.LEVEL_COST] = level["cost"] + manage.contact_cost * manage.contacts
            row[col.CAPTURE] = level["capture"]
            row[col.RECOVERY] = level["recovery"]
            row[col.FOLLOW_UP] = level["follow_up"]
            row[col.SUGGESTION] = level["suggestion"]
            row[col.CO_IMPROVEMENT] = level["co_improvement"] + kind["co_creation"]
            row[col.TYPE_COST] = kind["cost"]
            row[col.TOUCH] = kind["touch"]
            row[col.LEARNING] = kind["learning"] if one.customisation > 0.0 else 0.0
            row[col.CUSTOMISATION] = one.customisation
            row[col.CROSS_SELL] = manage.cross_sell
            row[col.UP_SELL] = manage.up_sell
            row[col.TOP_SERVICE] = one.top_tier_service
            row[col.TOP_COST] = one.top_tier_cost
            row[col.LOW_PENALTY] = manage.low_tier_service_cut + manage.low_tier_fee / fee_scale
            row[col.LOW_FEE] = manage.low_tier_fee
            row[col.LOW_SAVING] = manage.low_tier_saving
            row[col.WOM_BAND] = col.WOM_REACH_BANDS.index(kind["wom_reach"])
            row[col.IRRITATION] = manage.irritation_penalty
    return out
