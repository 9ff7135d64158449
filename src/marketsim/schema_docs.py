"""Markdown reference of every scenario field, generated from the pydantic schema.

``python -m marketsim.schema_docs > docs/parameters.md``; a test checks the file is current.
"""

from __future__ import annotations

import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from marketsim.scenario import Scenario


def _range(field) -> str:
    parts = []
    for item in field.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{sign} {value}")
        for attr, sign in (("min_length", "at least"), ("max_length", "at most")):
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{sign} {value} items")
    args = typing.get_args(field.annotation)
    if typing.get_origin(field.annotation) is typing.Literal:
        parts.append("one of " + ", ".join(f"`{a}`" for a in args))
    return ", ".join(parts)


def _default(field) -> str:
    if field.default is not PydanticUndefined:
        return f"`{field.default!r}`" if not isinstance(field.default, BaseModel) else "see below"
    if field.default_factory is not None:
        value = field.default_factory()
        return "see below" if isinstance(value, BaseModel) else f"`{value!r}`"
    return "**required**"


def _nested(annotation):
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
        for inner in typing.get_args(candidate):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def markdown() -> str:
    lines = ["# Scenario fields", "",
             "Generated from `marketsim.scenario` by `python -m marketsim.schema_docs`; do not "
             "edit by hand. Mechanisms are explained in [model.md](model.md).", ""]
    seen: set[type] = set()

    def table(model: type[BaseModel], path: str):
        if model in seen:
            return
        seen.add(model)
        doc = ((model.__doc__ or "").strip().splitlines() or [""])[0]
        lines.extend([f"## `{path}`", "", doc, "", "| field | default | allowed | meaning |",
                      "|---|---|---|---|"])
        children = []
        for name, field in model.model_fields.items():
            lines.append(f"| `{name}` | {_default(field)} | {_range(field)} | "
                         f"{(field.description or '').replace('|', '/')} |")
            child = _nested(field.annotation)
            if child is not None:
                is_list = typing.get_origin(field.annotation) is list
                is_dict = typing.get_origin(field.annotation) is dict
                suffix = "[]" if is_list else (".<name>" if is_dict else "")
                children.append((child, f"{path}.{name}{suffix}" if path else f"{name}{suffix}"))
        lines.append("")
        for child, child_path in children:
            table(child, child_path)

    table(Scenario, "")
    text = "\n".join(lines)
    return text.replace("## ``", "## (top level)", 1)


if __name__ == "__main__":
    print(markdown())
