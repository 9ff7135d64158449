"""``--set PATH=VALUE``: change scenario fields from the command line, by the dotted paths
sweeps use (:mod:`marketsim.experiments.paths`: ``firms.CloseCo.retention.reward_rate``,
``segments.value seekers.loss_aversion``, ``firms[0].price``).

VALUE is read as a TOML value: ``0.05``, ``12``, ``true``, ``"text"`` or an inline table
``{reward_rate = 0.05, points = true}``. A bare word that is not TOML (``--set
market.name=lecture``) is taken as text where the field holds text. An inline table given to
a table field updates the fields it names and keeps the others. The changed scenario is
validated as a file is (:func:`marketsim.scenario.schema.parse_scenario`); a bad path or value
raises one :class:`~marketsim.errors.ScenarioError` naming the path and what is allowed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import Any

from marketsim.errors import ScenarioError, shorten
from marketsim.experiments.paths import PathError, get_path, set_path
from marketsim.scenario.presets import merge_tables
from marketsim.scenario.schema import Scenario, parse_scenario

#: How an assignment is written (shown in every message about one).
FORM = "PATH=VALUE, e.g. firms.CloseCo.retention.reward_rate=0.05"


def _error(assignment: str, message: str, source: str) -> ScenarioError:
    return ScenarioError(f"--set {shorten(assignment, 200)}: {message}", source=source)


def split_assignment(assignment: str, source: str = "command line") -> tuple[str, str]:
    """``"a.b=1"`` -> ``("a.b", "1")``; a missing ``=`` or path raises ScenarioError."""
    path, sep, value = assignment.partition("=")
    path = path.strip()
    if not sep or not path:
        raise _error(assignment, f"write {FORM}", source)
    return path, value.strip()


def parse_value(text: str, current: Any = None) -> Any:
    """``text`` as a TOML value; a bare word where ``current`` is text is that text.

    Raises ``ValueError`` (with TOML's reason) when ``text`` is not a TOML value.
    """
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError as exc:
        if isinstance(current, str) and text and "\n" not in text:
            return text
        reason = str(exc).split(" (at line")[0]
        raise ValueError(f"'{shorten(text, 80)}' is not a TOML value ({reason}); write a "
                         f"number (0.05), true/false, \"quoted text\" or an inline table "
                         f"{{key = value}}") from None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return "a value"


def apply_sets(data: dict, assignments: Sequence[str], source: str = "command line") -> dict:
    """Apply ``PATH=VALUE`` assignments, in order, to a scenario's plain dictionary (in
    place, and returned). A bad path or an unreadable value raises ScenarioError."""
    for assignment in assignments:
        path, text = split_assignment(assignment, source)
        try:
            current = get_path(data, path)
        except PathError as exc:
            raise _error(assignment, f"no such scenario field: {exc}", source) from None
        try:
            value = parse_value(text, current)
        except ValueError as exc:
            raise _error(assignment, f"{exc}; {path} holds {_kind(current)} (now "
                                     f"{shorten(repr(current), 80)})", source) from None
        if isinstance(current, dict) and isinstance(value, dict):
            value = merge_tables(current, value)
        elif isinstance(current, (dict, list)) and not isinstance(value, type(current)):
            raise _error(assignment, f"{path} is {_kind(current)}, not {_kind(value)}; set one "
                                     f"of its fields ({path}.<field>=VALUE) or give "
                                     f"{_kind(current)}", source)
        set_path(data, path, value)
    return data


def with_sets(scenario: Scenario, assignments: Sequence[str], *, source: str = "command line",
              customers: int | None = None, periods: int | None = None) -> Scenario:
    """``scenario`` with the assignments (then ``customers`` and ``periods``) applied and
    validated again; a problem raises ScenarioError naming the ``--set`` it comes from."""
    data = apply_sets(scenario.model_dump(), assignments, source)
    if customers is not None:
        data["population"]["customers"] = customers
    if periods is not None:
        data["market"]["periods"] = periods
    where = f"{source} with --set {', '.join(shorten(a, 80) for a in assignments)}"
    return parse_scenario(data, source=where)
