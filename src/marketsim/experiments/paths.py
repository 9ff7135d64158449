"""Scenario fields addressed by dotted paths: ``firms.CloseCo.retention.reward_rate``.

A path walks the scenario as its TOML reads: tables by field name, dictionaries (``offers``,
``purchase_rate``, ``strategy_params``) by key, and the lists ``firms``, ``segments`` and
``categories`` by the ``name`` of an item (``segments.value seekers.loss_aversion``) or by its
position in brackets (``firms[0].service``). A name that itself holds dots is matched whole.

:func:`set_path` writes into the plain dictionary of a scenario (``Scenario.model_dump()``);
the result is validated again by :func:`marketsim.scenario.schema.parse_scenario`. A path that does
not exist raises :class:`PathError` naming the part that is missing, what is allowed there and
the nearest valid full path.
"""

from __future__ import annotations

import re
from typing import Any

from marketsim.errors import did_you_mean

#: Dictionaries whose keys are free (new keys may be set by a path).
FREE_KEYS = ("strategy_params",)

_INDEX = re.compile(r"^(.*)\[(\d+)\]$")


class PathError(ValueError):
    """A dotted path does not name a field of the scenario."""


def _tokens(path: str) -> list[str | int]:
    """Split ``a.b[2].c`` into ``['a', 'b', 2, 'c']``."""
    tokens: list[str | int] = []
    for part in path.split("."):
        indices = []
        match = _INDEX.match(part)
        while match:
            indices.append(int(match.group(2)))
            part = match.group(1)
            match = _INDEX.match(part)
        tokens.append(part)
        tokens.extend(reversed(indices))
    return tokens


def leaf_paths(data: Any, prefix: str = "") -> list[str]:
    """Every path to a value that is not a table, with list items named by their ``name``."""
    paths: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            paths.extend(leaf_paths(value, f"{prefix}.{key}" if prefix else str(key)))
        if not data and prefix:
            paths.append(prefix)
    elif isinstance(data, list) and data and all(isinstance(x, dict) and "name" in x for x in data):
        for item in data:
            paths.extend(leaf_paths(item, f"{prefix}.{item['name']}"))
    else:
        paths.append(prefix)
    return paths


def _nearest(path: str, data: dict) -> str:
    return did_you_mean(path, leaf_paths(data), cutoff=0.5)


def _locate(data: dict, path: str) -> tuple[Any, str | int, str]:
    """The container holding the path's last part, that part, and the canonical path."""
    tokens = _tokens(path)
    if not path or any(t == "" for t in tokens):
        raise PathError(f"'{path}' is not a field path (write parts joined by dots, e.g. "
                        f"firms.<firm name>.retention.reward_rate)")
    node: Any = data
    walked = ""
    i = 0
    while True:
        token = tokens[i]
        last = i == len(tokens) - 1
        here = walked or "the scenario"
        if isinstance(node, list):
            if isinstance(token, int):
                if not 0 <= token < len(node):
                    raise PathError(f"'{path}': {here} has {len(node)} items, no [{token}]")
                key: str | int = token
                consumed = 1
            else:
                names = [item.get("name") for item in node if isinstance(item, dict)]
                # Longest run of parts that is an item's name (names may hold dots).
                for consumed in range(len(tokens) - i, 0, -1):
                    parts = tokens[i:i + consumed]
                    if all(isinstance(p, str) for p in parts) and ".".join(parts) in names:
                        key = names.index(".".join(parts))
                        break
                else:
                    hint = did_you_mean(token, names)
                    raise PathError(
                        f"'{path}': {here} has no item named '{token}'{hint}; names: "
                        f"{', '.join(map(str, names))}{_nearest(path, data)}")
            label = f"{walked}.{node[key]['name']}" if isinstance(node[key], dict) and "name" in node[key] else f"{walked}[{key}]"
        elif isinstance(node, dict):
            if isinstance(token, int):
                raise PathError(f"'{path}': {here} is a table, not a list: no [{token}]")
            free = walked.rsplit(".", 1)[-1] in FREE_KEYS
            if token not in node and not (free and last):
                keys = list(node)
                hint = _nearest(path, data)
                if not hint:
                    hint = did_you_mean(token, keys)
                listed = f"; allowed here: {', '.join(keys)}" if keys else ""
                raise PathError(f"'{path}': {here} has no field '{token}'{hint}{listed}")
            key, consumed = token, 1
            label = f"{walked}.{token}" if walked else token
        else:
            raise PathError(f"'{path}': {walked} is a value ({node!r}), it has no field "
                            f"'{token}'{_nearest(path, data)}")
        if i + consumed >= len(tokens):
            return node, key, label
        node = node[key]
        walked = label
        i += consumed


def canonical_path(data: dict, path: str) -> str:
    """The path with list items named (``firms[1].service`` -> ``firms.CloseCo.service``)."""
    return _locate(data, path)[2]


def get_path(data: dict, path: str) -> Any:
    container, key, _ = _locate(data, path)
    if isinstance(container, dict) and key not in container:
        return None
    return container[key]


def set_path(data: dict, path: str, value: Any) -> None:
    """Set the value at ``path`` in ``data`` (a scenario as a plain dictionary), in place.

    An integer field given a whole-valued float (from a sampled range) gets the integer.
    """
    container, key, _ = _locate(data, path)
    current = container.get(key) if isinstance(container, dict) else container[key]
    if (isinstance(current, int) and not isinstance(current, bool)
            and isinstance(value, float) and value.is_integer()):
        value = int(value)
    container[key] = value
