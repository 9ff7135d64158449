"""Pydantic's validation errors as one line each: the field path, what is wrong, and what was
given or is allowed (with a "did you mean" for unknown keys).

Shared by the scenario loader and the experiment files (:mod:`marketsim.experiments.design`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from marketsim.errors import did_you_mean
from marketsim.scenario.lines import LEADING_PATH


def model_at(root: type[BaseModel], path: tuple) -> type[BaseModel] | None:
    """The pydantic model a location (minus its last part) points into, from the ``root``
    model, to list the keys allowed there."""
    model: Any = root
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None and args:  # dict[str, Model]
            model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def format_location(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def describe_error(error: dict, root: type[BaseModel]) -> str:
    """One line for one pydantic error of a ``root`` model: field path, what is wrong, what was
    given or allowed."""
    loc = tuple(p for p in error["loc"] if p not in ("function-after",))
    where = format_location(loc)
    kind = error["type"]
    value = error.get("input")

    def parent_model():
        # The model holding the last part of ``loc``; under a dict of models (offers,
        # purchase_rate) the part before it is a key of the dict, not a field.
        parent = model_at(root, loc[:-1])
        if parent is None and len(loc) >= 2:
            parent = model_at(root, loc[:-2])
        return parent

    if kind == "extra_forbidden":
        parent = parent_model()
        allowed = list(parent.model_fields) if parent else []
        hint = did_you_mean(str(loc[-1]), allowed)
        listed = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{where}: unknown field{hint}{listed}"
    if kind == "missing":
        parent = parent_model()
        field = parent.model_fields.get(str(loc[-1])) if parent and loc else None
        about = f" ({field.description})" if field is not None and field.description else ""
        return f"{where}: required field is missing{about}"
    if kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        if not loc:
            return message
        # A model's own check may list several problems joined by "; ", each starting with a
        # field path relative to the model: one path-qualified problem each.
        parts = message.split("; ")
        if all(LEADING_PATH.match(part) for part in parts):
            return "; ".join(f"{where}.{part}" for part in parts)
        return f"{where}: {message}"
    message = error["msg"]
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        message = "must be a table (key = value pairs)"
    elif kind == "list_type":
        message = "must be an array (a [[...]] table list or [ ... ])"
    elif message.startswith("Input should be"):
        message = "must be" + message.removeprefix("Input should be")
    else:
        message = message[:1].lower() + message[1:]
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{where}: {message} (got {shown})"
