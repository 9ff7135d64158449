"""The base of every table of a scenario file: an unknown key is an error (with a "did you mean"
suggestion), not a silently ignored setting; a number must be finite (``inf``, ``nan`` and
``"1e999"`` are refused); and a value set later is validated too."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


#: The largest amount of money any field takes (prices, costs, budgets, lifetime values):
#: large enough for any market, small enough that sums over customers and periods stay finite.
MAX_MONEY = 1e12


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)
