"""Strategies: how a firm sets its levers at the start of each period.

A strategy is a small class with one method, ``decide(firm, model)``, called once per period
before customers act (MODEL.md section 2, step 1). It reads ``firm.last_results`` (the firm's
row of last period's metrics, a dict; empty in the first period) and ``model`` (the market),
and sets the firm's levers: ``firm.price[category]``, ``firm.quality[category]``,
``firm.unit_cost[category]``, ``firm.promise``, ``firm.acquisition_budget``, ``firm.service``,
``firm.image``, ``firm.convenience``, ``firm.trust`` and the ``firm.retention`` programme
(``reward_rate``, ``points_expiry``, ``personal_service``, ``structural_investment``, ...), and the
relationship levers (``firm.relationship_level``, ``firm.relationship_type``,
``firm.relationship_types``, ``firm.one_to_one``, ``firm.customer_management``; see
``docs/strategies.md``).

Register a new one with
:func:`~marketsim.scenario.strategy_registry.register_strategy` and name it in a scenario::

    from marketsim.scenario.strategy_registry import Strategy, register_strategy

    @register_strategy("discount_when_losing")
    class DiscountWhenLosing(Strategy):
        def __init__(self, cut=0.05):
            self.cut = cut

        def decide(self, firm, model):
            if firm.last_results.get("retention", 1.0) < 0.95:
                for category in firm.price:
                    firm.price[category] *= 1 - self.cut

and in the scenario ``strategy = "discount_when_losing"`` with
``strategy_params = { cut = 0.1 }``.
"""

from __future__ import annotations

import math
from typing import Any

from marketsim.scenario.strategy_registry import Strategy, register_strategy


@register_strategy("static")
class Static(Strategy):
    """Keep every lever at its scenario value."""


@register_strategy("scheduled")
class Scheduled(Strategy):
    """Change levers at given periods: ``changes = [{period = 20, price = 9.0}, ...]``.

    Keys of a change: ``period`` (the first period with the new value, counting from 1) and any
    of ``price``, ``quality`` (applied to every category the firm sells), ``promise``,
    ``acquisition_budget``, ``service``, ``image``, ``convenience``, ``trust``, or
    ``retention.<field>``. Useful for price cuts, entries and what-if shocks.
    """

    PER_CATEGORY = ("price", "quality", "unit_cost")

    def __init__(self, changes: list[dict[str, Any]]):
        self.changes = sorted(changes, key=lambda change: change["period"])

    def decide(self, firm, model):
        for change in self.changes:
            if change["period"] != model.period:
                continue
            for lever, value in change.items():
                if lever == "period":
                    continue
                firm.set_lever(lever, value)


@register_strategy("adaptive_price")
class AdaptivePrice(Strategy):
    """A simple adaptive rule: cut price when market share (units) falls, raise it when it rises.

    ``step`` is the relative price change per period (default 2%); prices stay within
    ``[floor, ceiling]`` times their starting value.
    """

    def __init__(self, step: float = 0.02, floor: float = 0.7, ceiling: float = 1.3):
        self.step, self.floor, self.ceiling = step, floor, ceiling
        self._start: dict[str, float] | None = None
        self._previous_share: float | None = None

    def decide(self, firm, model):
        if self._start is None:
            self._start = dict(firm.price)
        share = firm.last_results.get("market_share_units")
        if share is None or math.isnan(share):  # first period or no sales
            return
        if self._previous_share is not None:
            direction = -1.0 if share < self._previous_share else 1.0
            for category, start in self._start.items():
                new = firm.price[category] * (1.0 + direction * self.step)
                firm.price[category] = min(max(new, self.floor * start), self.ceiling * start)
        self._previous_share = share


@register_strategy("adaptive_price_budget")
class AdaptivePriceBudget(AdaptivePrice):
    """:class:`AdaptivePrice` for prices, plus a hill-climbing rule for the acquisition budget.

    The budget moves by ``budget_step`` (relative, default 10%) each period, keeping its
    direction while last period's profit rose and reversing it when profit fell (an adaptive
    rule revising price and budgets from observed results, MODEL.md section 1). It stays within
    ``[budget_floor, budget_ceiling]`` times its starting value.
    """

    def __init__(self, step: float = 0.02, floor: float = 0.7, ceiling: float = 1.3,
                 budget_step: float = 0.1, budget_floor: float = 0.2,
                 budget_ceiling: float = 5.0):
        super().__init__(step, floor, ceiling)
        self.budget_step, self.budget_floor = budget_step, budget_floor
        self.budget_ceiling = budget_ceiling
        self._start_budget: float | None = None
        self._previous_profit: float | None = None
        self._direction = 1.0

    def decide(self, firm, model):
        super().decide(firm, model)
        if self._start_budget is None:
            self._start_budget = firm.acquisition_budget
        profit = firm.last_results.get("profit")
        if profit is None or math.isnan(profit):
            return
        if self._previous_profit is not None and profit < self._previous_profit:
            self._direction = -self._direction
        self._previous_profit = profit
        budget = firm.acquisition_budget * (1.0 + self._direction * self.budget_step)
        low, high = self.budget_floor * self._start_budget, self.budget_ceiling * self._start_budget
        firm.acquisition_budget = min(max(budget, low), high)
