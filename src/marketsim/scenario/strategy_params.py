"""The parameters of the built-in strategies and the levers a strategy may set, checked when a
scenario is loaded, so that a typo or a value out of range is reported by ``marketsim
validate`` and not, periods into a run, as a traceback or as NaN in the results.

* :data:`PARAMS`: a pydantic model of each built-in strategy's ``strategy_params``
  (``adaptive_price``'s ``step``, ``scheduled``'s ``changes``, ...), with the ranges allowed.
* :func:`check_lever`: one lever's name and value, against the firm's schema (a scheduled
  price must be a finite number above 0, as the scenario's price must); used for scheduled
  changes at load time and by :meth:`marketsim.market.firms.Firm.set_lever` during a run.
* :func:`non_finite`: ``inf`` and ``nan`` anywhere in a strategy's parameters (any strategy).

The built-in classes are in :mod:`marketsim.market.strategies`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo, model_validator

from marketsim.errors import did_you_mean
from marketsim.scenario.firm_schema import Firm, Offer, Retention
from marketsim.scenario.problems import describe_error
from marketsim.scenario.relationship_levers import TYPES, CustomerManagement, OneToOne
from marketsim.scenario.strict import Strict

#: Levers set per category (a number for every category the firm sells, or a table by category).
PER_CATEGORY = ("price", "quality", "unit_cost")
#: Firm-wide numeric levers.
FIRM_LEVERS = ("promise", "acquisition_budget", "reach_cost", "service", "image", "convenience",
               "trust")
#: Lever groups set field by field (``retention.reward_rate``, ``one_to_one.customisation``).
PROGRAMMES = {"retention": Retention, "one_to_one": OneToOne,
              "customer_management": CustomerManagement}
#: The relationship levers (and ``relationship_types.<segment>``).
RELATIONSHIP = ("relationship_level", "relationship_type")
#: The most changes a ``scheduled`` strategy may list.
MAX_CHANGES = 10_000
#: The latest period a change may name (the longest run, ``market.periods``).
MAX_PERIOD = 100_000


def lever_names() -> list[str]:
    """Every lever name a strategy may set (``retention.<field>`` spelled out)."""
    names = [*PER_CATEGORY, *FIRM_LEVERS, *RELATIONSHIP]
    for group, model in PROGRAMMES.items():
        names.extend(f"{group}.{field}" for field in model.model_fields)
    return names


@cache
def _adapter(model: type[Strict], field: str) -> TypeAdapter:
    info = model.model_fields[field]
    kind = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(kind, config=ConfigDict(allow_inf_nan=False))


def _value(model: type[Strict], field: str, value: Any, where: str) -> Any:
    try:
        return _adapter(model, field).validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ValueError(describe_error({**error, "loc": (where, *error["loc"])}, Firm)) from None


def check_lever(lever: str, value: Any, *, categories: list[str] | None = None,
                segments: list[str] | None = None) -> Any:
    """``value`` checked (and converted) for ``lever``; a :class:`ValueError` whose message
    starts with the lever's name says what is wrong. ``categories`` (what the firm sells) and
    ``segments`` (the scenario's segment names) are checked when given."""
    if not isinstance(lever, str):
        raise ValueError(f"{lever!r}: a lever name must be text")
    if lever in PER_CATEGORY:
        if isinstance(value, dict):
            checked = {}
            for category, v in value.items():
                if categories is not None and category not in categories:
                    raise ValueError(f"{lever}.{category}: the firm does not sell '{category}'"
                                     f"{did_you_mean(category, categories)} (it sells: "
                                     f"{', '.join(categories)})")
                checked[category] = _value(Offer, lever, v, f"{lever}.{category}")
            return checked
        return _value(Offer, lever, value, lever)
    if lever in FIRM_LEVERS:
        return _value(Firm, lever, value, lever)
    if lever in RELATIONSHIP:
        return _value(Firm, lever, value, lever)
    group, dot, field = lever.partition(".")
    if dot and group in PROGRAMMES:
        model = PROGRAMMES[group]
        if field not in model.model_fields:
            raise ValueError(f"{lever}: unknown lever{did_you_mean(field, model.model_fields)}, "
                             f"{group} has: {', '.join(model.model_fields)}")
        return _value(model, field, value, lever)
    if dot and group == "relationship_types":
        if segments is not None and field not in segments:
            raise ValueError(f"{lever}: no such segment{did_you_mean(field, segments)} "
                             f"(segments: {', '.join(segments)})")
        if value not in TYPES:
            raise ValueError(f"{lever}: must be one of {', '.join(TYPES)} (got {value!r})")
        return value
    raise ValueError(f"{lever}: unknown lever{did_you_mean(lever, lever_names())}, levers: "
                     f"{', '.join([*PER_CATEGORY, *FIRM_LEVERS, *RELATIONSHIP])}, "
                     f"relationship_types.<segment>, "
                     f"{', '.join(f'{g}.<field>' for g in PROGRAMMES)}")


def non_finite(value: Any, where: str) -> list[str]:
    """Problems ``"<where>.x: must be a finite number (got inf)"`` for each ``inf`` or ``nan``
    in a strategy's parameters (tables and arrays searched)."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where}: must be a finite number (got {value!r})"]
    problems = []
    if isinstance(value, dict):
        for key, item in value.items():
            problems.extend(non_finite(item, f"{where}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.extend(non_finite(item, f"{where}[{index}]"))
    return problems


# ---------------------------------------------------------------------------- built-in strategies
class StaticParams(Strict):
    """``static``: no parameters."""


class AdaptivePriceParams(Strict):
    """``adaptive_price``: cut price when unit share falls, raise it when it rises."""

    step: float = Field(0.02, ge=0.0, le=1.0, description="Relative price change per period.")
    floor: float = Field(0.7, gt=0.0, le=1000.0,
                         description="Lowest price, as a multiple of the starting price.")
    ceiling: float = Field(1.3, gt=0.0, le=1000.0,
                           description="Highest price, as a multiple of the starting price.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.floor > self.ceiling:
            raise ValueError(f"floor: must be at most ceiling (got {self.floor:g} > "
                             f"{self.ceiling:g})")
        return self


class AdaptivePriceBudgetParams(AdaptivePriceParams):
    """``adaptive_price_budget``: adaptive price and a hill-climbing acquisition budget."""

    budget_step: float = Field(0.1, ge=0.0, le=1.0, description="Relative budget change per period.")
    budget_floor: float = Field(0.2, ge=0.0, le=1000.0,
                                description="Lowest budget, as a multiple of the starting one.")
    budget_ceiling: float = Field(5.0, ge=0.0, le=1000.0,
                                  description="Highest budget, as a multiple of the starting one.")

    @model_validator(mode="after")
    def _budget_ordered(self):
        if self.budget_floor > self.budget_ceiling:
            raise ValueError(f"budget_floor: must be at most budget_ceiling (got "
                             f"{self.budget_floor:g} > {self.budget_ceiling:g})")
        return self


class ScheduledChange(Strict):
    """One change of ``scheduled``: the period and the levers it sets (any other key)."""

    model_config = ConfigDict(extra="allow")

    period: int = Field(ge=1, le=MAX_PERIOD,
                        description="The first period with the new values, counting from 1.")

    @model_validator(mode="after")
    def _levers(self, info: ValidationInfo):
        context = info.context or {}
        if len(self.__pydantic_extra__ or {}) == 0:
            raise ValueError("a change must set at least one lever beside period")
        problems = []
        for lever, value in (self.__pydantic_extra__ or {}).items():
            try:
                self.__pydantic_extra__[lever] = check_lever(
                    lever, value, categories=context.get("categories"),
                    segments=context.get("segments"))
            except ValueError as exc:
                problems.append(str(exc).replace("; ", ", "))
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ScheduledParams(Strict):
    """``scheduled``: lever changes at given periods."""

    changes: list[ScheduledChange] = Field(
        max_length=MAX_CHANGES,
        description="The changes: tables with period and the levers to set, e.g. "
                    "{ period = 20, price = 9.0 }.")


#: The parameter model of each built-in strategy.
PARAMS: dict[str, type[Strict]] = {
    "static": StaticParams, "scheduled": ScheduledParams, "adaptive_price": AdaptivePriceParams,
    "adaptive_price_budget": AdaptivePriceBudgetParams,
}


def checked_params(name: str, params: dict[str, Any], *, categories: list[str] | None = None,
                   segments: list[str] | None = None) -> dict[str, Any]:
    """The parameters of built-in strategy ``name`` checked and converted (only those given,
    so each class keeps its own defaults); raises pydantic's :class:`ValidationError`."""
    model = PARAMS[name]
    checked = model.model_validate(params, context={"categories": categories,
                                                    "segments": segments})
    out = {}
    for key in checked.model_fields_set:
        value = getattr(checked, key)
        if key == "changes":
            value = [{"period": c.period, **(c.__pydantic_extra__ or {})} for c in value]
        out[key] = value
    return out
