"""The firm levers the dashboard offers, and what each one sets on the firm.

Each :class:`Lever` is one control of the page: its range and starting value come from the
firm's scenario entry, and :meth:`Lever.decision` turns the control's value into the value
:meth:`marketsim.market.firms.Firm.set_lever` takes. A firm that sells several categories shows
one price and one quality, the means over its categories: moving the price scales every
category's price by the same factor, moving the quality shifts every category's quality by the
same amount, so the firm's price and quality structure is kept.

:class:`LeverSettings` holds the levers a user has moved, per firm. The market applies them
every period after the firms' own strategies (``MarketModel.step(decisions=...)``), so a moved
lever stays where the user put it even for a firm whose strategy adapts its prices; levers not
moved stay with the strategy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from marketsim.scenario.firm_schema import Firm as FirmSpec
from marketsim.scenario.relationship_levers import LEVELS
from marketsim.scenario.strategy_params import check_lever


def _mean(values: dict[str, float]) -> float:
    return sum(values.values()) / len(values)


def _nice_step(span: float) -> float:
    """A round step giving about 100-200 positions over ``span`` (0.01, 0.02, 0.05, 0.1, ...)."""
    if span <= 0:
        return 0.01
    raw = span / 150.0
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= raw:
            return factor * power
    return 10.0 * power


def _round_to(value: float, step: float) -> float:
    return round(round(value / step) * step, 10)


@dataclass(frozen=True)
class Lever:
    """One firm control: ``key`` (the page's name), ``label``, the firm lever it sets
    (``target``, as :meth:`Firm.set_lever` names it) and ``help`` (what it does)."""

    key: str
    label: str
    target: str
    help: str
    choices: tuple[str, ...] = ()

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)

    def start(self, spec: FirmSpec) -> Any:
        """The control's value for the firm as its scenario entry has it."""
        if self.key == "price":
            return _mean({c: o.price for c, o in spec.offers.items()})
        if self.key == "quality":
            return _mean({c: o.quality for c, o in spec.offers.items()})
        if self.key == "advertising":
            return spec.acquisition_budget
        if self.key == "relationship_level":
            return spec.relationship_level
        if self.target.startswith("retention."):
            return getattr(spec.retention, self.target.split(".", 1)[1])
        return getattr(spec, self.target)

    def bounds(self, spec: FirmSpec) -> tuple[float, float, float]:
        """``(lowest, highest, step)`` of the control for this firm."""
        start = self.start(spec)
        if self.key == "price":
            low, high = 0.4 * start, 2.5 * start
        elif self.key == "quality":
            low, high = 0.0, min(3.0, max(1.5, 2.0 * start))
        elif self.key == "promise":
            low, high = 0.0, 3.0
        elif self.key == "advertising":
            low, high = 0.0, max(4.0 * start, 2.0 * spec.reach_cost)
        elif self.key == "reward_rate":
            low, high = 0.0, min(1.0, max(0.2, 2.0 * start))
        else:  # personal service, structural investment: intensities in [0, 1]
            low, high = 0.0, 1.0
        step = _nice_step(high - low)
        # whole steps either side of the start, so the scenario's value is a slider position
        low = start - step * math.floor((start - low) / step + 1e-9)
        high = start + step * math.floor((high - start) / step + 1e-9)
        return _round_to(low, step / 1000), _round_to(high, step / 1000), step

    def decision(self, spec: FirmSpec, value: Any) -> Any:
        """The value to give :meth:`Firm.set_lever` for ``target`` when the control reads
        ``value``."""
        if self.key == "price":
            factor = float(value) / self.start(spec)
            return {c: o.price * factor for c, o in spec.offers.items()}
        if self.key == "quality":
            shift = float(value) - self.start(spec)
            return {c: min(3.0, max(0.0, o.quality + shift)) for c, o in spec.offers.items()}
        if self.is_choice:
            if value not in self.choices:
                raise ValueError(f"{self.label}: must be one of {', '.join(self.choices)} "
                                 f"(got {value!r})")
            return value
        return float(value)

    def checked(self, spec: FirmSpec, value: Any) -> Any:
        """:meth:`decision` for ``value``, checked against the engine's range for the lever
        (the scenario schema's, as ``--set`` and a ``scheduled`` strategy check it); a
        :class:`ValueError` such as ``"Fast Cup: Price must be greater than 0 (got -1.0)"``
        when it is outside."""
        try:
            if not self.is_choice:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"{self.target}: must be a number (got {value!r})")
                if self.key == "quality":  # the decision clips each category: check the control
                    check_lever("quality", float(value))
            decision = self.decision(spec, value)
            return check_lever(self.target, decision, categories=list(spec.offers))
        except ValueError as exc:
            message = str(exc).split(": ", 1)[-1]
            raise ValueError(f"{spec.name}: {self.label} {message}") from None


#: The levers of the page, in the order it shows them.
LEVERS: dict[str, Lever] = {lever.key: lever for lever in (
    Lever("price", "Price", "price",
          "price of a purchase (mean over the firm's categories; all move by the same factor)"),
    Lever("quality", "Quality", "quality",
          "product performance delivered (0-1 typical; all categories move by the same amount)"),
    Lever("promise", "Promise", "promise",
          "performance the firm advertises: above what it delivers disappoints"),
    Lever("advertising", "Advertising", "acquisition_budget",
          "acquisition spend per period: reaches unaware customers, with diminishing returns"),
    Lever("reward_rate", "Reward rate", "retention.reward_rate",
          "points per unit of spend (a financial tie)"),
    Lever("personal_service", "Personal service", "retention.personal_service",
          "intensity of personal touch points (a social tie)"),
    Lever("structural_investment", "Structural investment", "retention.structural_investment",
          "integration with the customer (a structural tie)"),
    Lever("relationship_level", "Relationship level", "relationship_level",
          "Kotler's level of relationship marketing, basic to partnership", choices=LEVELS),
)}


@dataclass
class LeverSettings:
    """The levers a user has moved: ``values[firm][lever key] = control value``."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def set(self, firm: str, key: str, value: Any, spec: FirmSpec | None = None) -> None:
        """Move ``firm``'s lever ``key`` to ``value``; with the firm's ``spec``, a value outside
        the lever's range is refused first (a :class:`ValueError` naming firm, lever and range)
        and nothing is moved."""
        if key not in LEVERS:
            raise KeyError(f"no lever {key!r}; levers: {', '.join(LEVERS)}")
        if spec is not None:
            LEVERS[key].checked(spec, value)
        self.values.setdefault(firm, {})[key] = value

    def clear(self, firm: str | None = None) -> None:
        """Back to the scenario's levers for ``firm`` (every firm when None)."""
        if firm is None:
            self.values.clear()
        else:
            self.values.pop(firm, None)

    def value(self, spec: FirmSpec, key: str) -> Any:
        """The control's current value for the firm: as moved, or the scenario's."""
        return self.values.get(spec.name, {}).get(key, LEVERS[key].start(spec))

    def decisions(self, specs: list[FirmSpec]) -> dict[str, dict[str, Any]]:
        """The moved levers as ``MarketModel.step(decisions=...)`` takes them."""
        by_name = {spec.name: spec for spec in specs}
        decisions: dict[str, dict[str, Any]] = {}
        for firm, moved in list(self.values.items()):
            spec = by_name.get(firm)
            if spec is None:
                continue
            decisions[firm] = {LEVERS[key].target: LEVERS[key].decision(spec, value)
                               for key, value in list(moved.items())}
        return decisions
