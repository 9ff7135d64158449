"""The base of every table of a scenario file: an unknown key is an error (with a "did you mean"
suggestion), not a silently ignored setting, and a value set later is validated too."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
