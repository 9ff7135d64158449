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

Register a new one with :func:`register_strategy` and name it in a scenario::

    from marketsim.strategies import Strategy, register_strategy

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
from typing import TYPE_CHECKING, Any

from marketsim.errors import ScenarioError, did_you_mean

if TYPE_CHECKING:
    from marketsim.firms import Firm
    from marketsim.market import MarketModel

_REGISTRY: dict[str, type[Strategy]] = {}


class Strategy:
    """Base class: keeps every lever as it is."""

    def decide(self, firm: Firm, model: MarketModel) -> None:
        """Set the firm's levers for the coming period."""


def register_strategy(name: str):
    """Class decorator registering a strategy under ``name`` for use in scenario files."""

    def decorate(cls):
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise TypeError(f"register_strategy({name!r}) needs a subclass of Strategy")
        _REGISTRY[name] = cls
        return cls

    return decorate


def available_strategies() -> list[str]:
    return sorted(_REGISTRY)


def _import_strategy(name: str, where: str) -> type[Strategy]:
    """The class named ``"module:Class"`` or ``"path/to/file.py:Class"`` (a path is read
    relative to the working directory), so a scenario can name a user's strategy without a
    driver script. The class must subclass :class:`Strategy`."""
    import importlib
    import importlib.util
    import sys
    from pathlib import Path

    module_name, _, class_name = name.rpartition(":")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise ImportError(f"no file {path.resolve()}")
            spec = importlib.util.spec_from_file_location(f"marketsim_user_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.append(str(Path.cwd()))  # a module beside the scenario
            module = importlib.import_module(module_name)
    except Exception as exc:  # the user's file: report whatever stops it loading
        raise ScenarioError(f"{where}: cannot import '{module_name}' for strategy '{name}': "
                            f"{type(exc).__name__}: {exc}") from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise ScenarioError(f"{where}: '{class_name}' in '{module_name}' is not a subclass of "
                            "marketsim.strategies.Strategy")
    return cls


def make_strategy(name: str, params: dict[str, Any], *, where: str = "strategy") -> Strategy:
    """Instantiate a registered strategy, or a user's class named ``"module:Class"`` or
    ``"file.py:Class"``; a clear :class:`ScenarioError` when it does not fit."""
    cls = _REGISTRY.get(name)
    if cls is None and ":" in name:
        cls = _import_strategy(name, where)
    if cls is None:
        hint = did_you_mean(name, _REGISTRY)
        raise ScenarioError(f"{where}: unknown strategy '{name}'{hint}; "
                            f"registered: {', '.join(available_strategies())}, or "
                            "'module:Class' / 'file.py:Class'")
    try:
        return cls(**params)
    except TypeError as exc:
        raise ScenarioError(f"{where}_params: {exc}") from None


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
