"""Firms as Mesa agents: few, rich, deciding in Python once per period."""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from marketsim.errors import ScenarioError
from marketsim.kernels import layout
from marketsim.scenario.firm_schema import Firm as FirmSpec
from marketsim.scenario.strategy_params import FIRM_LEVERS, check_lever
from marketsim.scenario.strategy_params import PROGRAMMES as LEVER_GROUPS
from marketsim.scenario.strategy_registry import Strategy, make_strategy

#: Lever groups set field by field (``retention.reward_rate``, ``one_to_one.customisation``).
PROGRAMMES = tuple(LEVER_GROUPS)


class Firm(mesa.Agent):
    """One firm: its levers (offers, promise, budgets, retention programme) and its strategy.

    Levers are plain attributes; the engine reads them into arrays at the start of each period
    (:meth:`marketsim.market.model.MarketModel.firm_arrays`; ``model`` is that market).
    ``last_results`` holds the firm's row of last period's metrics.
    """

    def __init__(self, model: mesa.Model, spec: FirmSpec, index: int,
                 strategy: Strategy | None = None, *, allow_code: bool = False):
        super().__init__(model)
        self.name = spec.name
        self.index = index
        self.price = {c: o.price for c, o in spec.offers.items()}
        self.quality = {c: o.quality for c, o in spec.offers.items()}
        self.unit_cost = {c: o.unit_cost for c, o in spec.offers.items()}
        for lever in FIRM_LEVERS:
            setattr(self, lever, getattr(spec, lever))
        self.retention = spec.retention.model_copy()
        # relationship strategies (marketsim.market.relationship)
        self.relationship_level = spec.relationship_level
        self.relationship_type = spec.relationship_type
        self.relationship_types = dict(spec.relationship_types)
        self.one_to_one = spec.one_to_one.model_copy()
        self.customer_management = spec.customer_management.model_copy()
        self.strategy = strategy or make_strategy(spec.strategy, spec.strategy_params,
                                                  where=f"firms[{index}].strategy",
                                                  allow_code=allow_code)
        self.last_results: dict[str, Any] = {}

    @property
    def reach(self) -> float:
        """Share of unaware customers its advertising reaches this period (diminishing returns)."""
        return 1.0 - math.exp(-self.acquisition_budget / self.reach_cost)

    def set_lever(self, lever: str, value: Any) -> None:
        """Set one lever by name (``price``, ``retention.reward_rate``, ...), validated."""
        if lever in ("price", "quality", "unit_cost"):
            target = getattr(self, lever)
            value = self._checked(lever, value, categories=list(target))
            if isinstance(value, dict):
                target.update(value)
            else:
                for category in target:
                    target[category] = value
        elif lever.split(".", 1)[0] in PROGRAMMES and "." in lever:
            group, field = lever.split(".", 1)
            programme = getattr(self, group)
            if field not in type(programme).model_fields:
                raise ScenarioError(f"firm '{self.name}': unknown lever '{lever}'")
            try:
                setattr(programme, field, value)  # validated by pydantic
            except ValueError as exc:
                raise ScenarioError(f"firm '{self.name}': {lever}: {exc}") from None
        elif lever in ("relationship_level", "relationship_type") or lever.startswith(
                "relationship_types."):
            self._set_relationship(lever, value)
        elif lever in FIRM_LEVERS:
            setattr(self, lever, self._checked(lever, value))
        else:
            raise ScenarioError(f"firm '{self.name}': unknown lever '{lever}'")

    def _checked(self, lever: str, value: Any, **known) -> Any:
        """``value`` checked against the scenario schema's range for ``lever``."""
        try:
            return check_lever(lever, value, **known)
        except ValueError as exc:
            raise ScenarioError(f"firm '{self.name}': {exc}") from None

    def _set_relationship(self, lever: str, value: Any) -> None:
        """Set the relationship level, the default type or one segment's type, validated."""
        from marketsim.scenario.relationship_levers import LEVELS, TYPES

        allowed = LEVELS if lever == "relationship_level" else TYPES
        if value not in allowed:
            raise ScenarioError(f"firm '{self.name}': {lever} must be one of "
                                f"{', '.join(allowed)} (got {value!r})")
        if lever.startswith("relationship_types."):
            segment = lever.split(".", 1)[1]
            names = [s.name for s in self.model.scenario.segments]
            if segment not in names:
                raise ScenarioError(f"firm '{self.name}': {lever}: no such segment "
                                    f"(segments: {', '.join(names)})")
            self.relationship_types[segment] = value
        else:
            setattr(self, lever, value)

    def step(self) -> None:
        """Decide this period's levers (MODEL.md section 2, step 1)."""
        self.strategy.decide(self, self.model)

    def parameter_row(self) -> np.ndarray:
        """The firm's levers as a row of the kernels' firm-parameter array."""
        row = np.zeros(layout.N_FIRM_PARAMS)
        row[layout.SERVICE] = self.service
        row[layout.IMAGE] = self.image
        row[layout.CONVENIENCE] = self.convenience
        row[layout.TRUST] = self.trust
        row[layout.PROMISE] = self.promise
        row[layout.REACH] = self.reach
        r = self.retention
        row[layout.REWARD_RATE] = r.reward_rate
        row[layout.POINTS_EXPIRY] = r.points_expiry
        row[layout.PERSONAL_SERVICE] = r.personal_service
        row[layout.PERSONAL_SERVICE_COST] = r.personal_service_cost
        row[layout.STRUCTURAL_INVESTMENT] = r.structural_investment
        row[layout.STRUCTURAL_COST] = r.structural_cost
        return row
