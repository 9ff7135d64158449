"""The levers a team sets for its firm each round, and how its entries are checked.

A team's decision is a flat table of lever keys and values: ``price.<category>`` and
``quality.<category>`` for each category the firm sells, then ``promise``,
``acquisition_budget`` (the advertising budget), ``retention.reward_rate``,
``retention.personal_service``, ``retention.structural_investment`` and
``relationship_level``. Each value is checked against the scenario schema's range for that
lever (:func:`marketsim.scenario.strategy_params.check_lever`, what
:meth:`marketsim.market.firms.Firm.set_lever` checks during a run), and
:func:`model_decisions` turns a checked table into the ``decisions`` that
:meth:`marketsim.market.model.MarketModel.step` applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marketsim.errors import MarketsimError, shorten
from marketsim.scenario.relationship_levers import LEVELS
from marketsim.scenario.strategy_params import check_lever

#: Longest text accepted for one lever's value (a form field).
MAX_VALUE_CHARS = 40


class DecisionError(MarketsimError):
    """A team's levers are invalid; ``problems`` has one line per lever, naming it, the value
    given and what is allowed."""

    status = 400  # the HTTP status the web layer answers with

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Lever:
    """One lever on a team's form: its key, label, help text and (for a choice) its options."""

    key: str
    label: str
    help: str
    choices: tuple[str, ...] = ()
    step: str = "any"

    @property
    def category(self) -> str | None:
        """The category of a per-category lever (``price.coffee``), else ``None``."""
        group, dot, rest = self.key.partition(".")
        return rest if dot and group in ("price", "quality") else None


#: Firm-wide levers a team sets, in the order of the form.
FIRM_WIDE = (
    Lever("promise", "Promise", "performance you advertise, 0-3 (customers expect it; "
          "over-promising disappoints)", step="0.05"),
    Lever("acquisition_budget", "Advertising budget",
          "spend per period on reaching new customers (money, 0 or more)", step="10"),
    Lever("retention.reward_rate", "Reward rate",
          "points per unit of spend, 0-1 (financial tie; costs that share of revenue)",
          step="0.01"),
    Lever("retention.personal_service", "Personal service",
          "personal touch points, 0-1 (social tie; costs per customer served)", step="0.05"),
    Lever("retention.structural_investment", "Structural investment",
          "integration with the customer, 0-1 (structural tie; costs per customer)",
          step="0.05"),
    Lever("relationship_level", "Relationship level",
          "Kotler's level of relationship marketing (higher costs more per customer)",
          choices=LEVELS),
)


def team_levers(categories: list[str]) -> list[Lever]:
    """Every lever of a firm selling ``categories``: price and quality per category first."""
    per_category = []
    for category in categories:
        per_category.append(Lever(f"price.{category}", f"Price of {category}",
                                  "price of one purchase (money, above 0)", step="0.05"))
        per_category.append(Lever(f"quality.{category}", f"Quality of {category}",
                                  "product performance delivered, 0-3 (0-1 typical)",
                                  step="0.05"))
    return [*per_category, *FIRM_WIDE]


def current_levers(firm) -> dict[str, Any]:
    """The current value of each team lever of ``firm`` (a
    :class:`marketsim.market.firms.Firm`), keyed as on the form."""
    values: dict[str, Any] = {}
    for category in firm.price:
        values[f"price.{category}"] = float(firm.price[category])
        values[f"quality.{category}"] = float(firm.quality[category])
    values["promise"] = float(firm.promise)
    values["acquisition_budget"] = float(firm.acquisition_budget)
    values["retention.reward_rate"] = float(firm.retention.reward_rate)
    values["retention.personal_service"] = float(firm.retention.personal_service)
    values["retention.structural_investment"] = float(firm.retention.structural_investment)
    values["relationship_level"] = str(firm.relationship_level)
    return values


def check_levers(entries: Mapping[str, Any], categories: list[str]) -> dict[str, Any]:
    """``entries`` (lever key to value: numbers, or text from a form) checked and converted.

    Keys not given keep the firm's current value; an empty entry is left out too. Raise
    :class:`DecisionError` listing every problem: an unknown key, text that is not a number, a
    value outside the lever's range.
    """
    if not isinstance(entries, Mapping):
        raise DecisionError([f"levers must be a table of lever names and values, got "
                             f"{type(entries).__name__}"])
    levers = {lever.key: lever for lever in team_levers(categories)}
    checked: dict[str, Any] = {}
    problems = []
    for key, value in entries.items():
        lever = levers.get(str(key))
        if lever is None:
            problems.append(f"{shorten(str(key), 60)}: not a lever of this game (levers: "
                            f"{', '.join(levers)})")
            continue
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
            if len(value) > MAX_VALUE_CHARS:
                problems.append(f"{lever.label} ({key}): too long ({len(value)} characters)")
                continue
        if not lever.choices:
            value = _number(value)
            if value is None:
                problems.append(f"{lever.label}: must be a number (got "
                                f"{shorten(repr(entries[key]), 60)})")
                continue
        try:
            if lever.category is not None:
                group = key.split(".", 1)[0]
                value = check_lever(group, {lever.category: value},
                                    categories=categories)[lever.category]
            else:
                value = check_lever(key, value)
        except ValueError as exc:
            message = str(exc).removeprefix(f"{key}: ")
            problems.append(f"{lever.label}: {message}")
            continue
        checked[key] = value if lever.choices else float(value)
    if problems:
        raise DecisionError(problems)
    return checked


def _number(value: Any) -> int | float | None:
    """``value`` as a number (text as typed: ``"3"`` is 3, ``"2.5"`` is 2.5), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                pass
    return None


def model_decisions(levers: Mapping[str, Any]) -> dict[str, Any]:
    """A checked lever table as one firm's ``decisions`` for
    :meth:`marketsim.market.model.MarketModel.step` (``price`` and ``quality`` by category)."""
    decisions: dict[str, Any] = {}
    for key, value in levers.items():
        group, dot, rest = key.partition(".")
        if dot and group in ("price", "quality"):
            decisions.setdefault(group, {})[rest] = value
        else:
            decisions[key] = value
    return decisions
