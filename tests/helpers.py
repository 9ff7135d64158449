"""Scenario builders shared by the tests."""

from __future__ import annotations

import copy

from marketsim.scenario.schema import Scenario, parse_scenario


def market_dict(customers: int = 5000, periods: int = 20, n_firms: int = 3,
                categories: int = 1) -> dict:
    """A small symmetric market: ``n_firms`` identical firms, two segments, ``categories`` categories."""
    names = [f"cat{c}" for c in range(categories)]
    firms = []
    for f in range(n_firms):
        firms.append({
            "name": f"firm{f}",
            "offers": {name: {"price": 10.0, "quality": 0.6, "unit_cost": 6.0} for name in names},
            "service": 0.5, "promise": 1.1, "acquisition_budget": 1000.0, "reach_cost": 10000.0,
            "initial_share": 0.8 / n_firms, "initial_awareness": 0.5,
        })
    return {
        "market": {"periods": periods},
        "population": {"customers": customers},
        "categories": [{"name": name, "reference_price": 10.0} for name in names],
        "segments": [
            {"name": "price driven", "share": 0.5,
             "purchase_rate": {name: {"mean": 1.0, "shape": 1.5} for name in names},
             "price_sensitivity": {"mean": 1.5, "spread": 0.3}},
            {"name": "quality driven", "share": 0.5,
             "purchase_rate": {name: {"mean": 0.8, "shape": 1.0} for name in names},
             "price_sensitivity": {"mean": 0.7, "spread": 0.3}},
        ],
        "firms": firms,
    }


def scenario(data: dict | None = None, **kwargs) -> Scenario:
    return parse_scenario(copy.deepcopy(data) if data is not None else market_dict(**kwargs))
