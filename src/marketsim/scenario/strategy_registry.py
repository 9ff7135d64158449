"""The strategy registry: the names a scenario may give in ``strategy``, and the classes behind
them.

It sits below both the scenario schema (which checks a firm's strategy and its parameters when
the file is loaded) and the firms (which make their strategy from it), so neither needs the
other. The built-in strategies (:mod:`marketsim.market.strategies`) are known here by name and
loaded on first use, like any plugin; a user's strategy registers itself with
:func:`register_strategy` or is named ``"module:Class"`` / ``"path/to/file.py:Class"``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from marketsim.errors import ScenarioError, did_you_mean, shorten

if TYPE_CHECKING:
    import mesa

#: The built-in strategies, registered when their module is first loaded.
BUILTIN_MODULE = "marketsim.market.strategies"
BUILTIN = ("adaptive_price", "adaptive_price_budget", "scheduled", "static")

_REGISTRY: dict[str, type[Strategy]] = {}

#: The longest strategy name accepted.
MAX_NAME_CHARS = 500


class Strategy:
    """Base class: keeps every lever as it is.

    ``decide`` receives the firm (a :class:`marketsim.market.firms.Firm`) and the market (a
    :class:`marketsim.market.model.MarketModel`)."""

    def decide(self, firm: mesa.Agent, model: mesa.Model) -> None:
        """Set the firm's levers for the coming period."""


def register_strategy(name: str):
    """Class decorator registering a strategy under ``name`` for use in scenario files."""

    def decorate(cls):
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise TypeError(f"register_strategy({name!r}) needs a subclass of Strategy")
        _REGISTRY[name] = cls
        return cls

    return decorate


def _load_builtins() -> None:
    if not set(BUILTIN) <= set(_REGISTRY):
        importlib.import_module(BUILTIN_MODULE)  # registers them


def available_strategies() -> list[str]:
    """The registered strategy names (the built-in ones and any a user registered)."""
    return sorted(set(_REGISTRY) | set(BUILTIN))


def is_code(name: str) -> bool:
    """Whether strategy ``name`` is a user's code to import (``"module:Class"`` or
    ``"file.py:Class"``, not registered in this process)."""
    return ":" in name and name not in _REGISTRY


def code_name_problem(name: str) -> str | None:
    """What is wrong with the form of a ``"module:Class"`` / ``"file.py:Class"`` name, or
    ``None``. Only the form: nothing is imported or opened."""
    module, _, class_name = name.rpartition(":")
    if len(name) > MAX_NAME_CHARS:
        return f"a strategy name may have at most {MAX_NAME_CHARS} characters"
    if not class_name.isidentifier():
        return "'module:Class' or 'file.py:Class' must end in a class name after the ':'"
    if module.endswith(".py"):
        if len(module) == 3 or any(c in module for c in "\x00\n\r"):
            return "'file.py:Class' needs a file name before '.py'"
        return None
    if not module or not all(part.isidentifier() for part in module.split(".")):
        return ("must be 'module:Class' (a dotted module name) or 'path/to/file.py:Class' "
                f"(got '{shorten(module, 60)}' before the ':')")
    return None


def strategy_problems(firm, where: str, segments: list[str]) -> list[str]:
    """Problems with a firm's ``strategy`` and ``strategy_params`` (``where``: ``firms[2]``),
    found without running any user code: a built-in strategy's parameters are checked against
    their schema (:mod:`marketsim.scenario.strategy_params`), a user's ``"file.py:Class"``
    only for its form (its parameters are checked when a run imports it, with allow_code), a
    strategy registered in this process by making it."""
    from pydantic import ValidationError

    from marketsim.scenario.problems import describe_error
    from marketsim.scenario.strategy_params import PARAMS, checked_params, non_finite

    name, params = firm.strategy, firm.strategy_params
    problems = [] if name in BUILTIN else non_finite(params, f"{where}.strategy_params")
    if name in BUILTIN:
        try:
            checked_params(name, params, categories=list(firm.offers), segments=segments)
        except ValidationError as exc:
            for error in exc.errors():
                for part in describe_error(error, PARAMS[name]).split("; "):
                    problems.append(f"{where}.strategy_params.{part}")
    elif is_code(name):
        problem = code_name_problem(name)
        if problem is not None:
            problems.append(f"{where}.strategy: {problem}")
    elif name in _REGISTRY:
        try:
            make_strategy(name, params, where=f"{where}.strategy")
        except ScenarioError as exc:
            problems.append(str(exc).replace("; ", ", "))
    else:
        problems.append(f"{where}.strategy: unknown strategy '{shorten(name, 80)}'"
                        f"{did_you_mean(name, available_strategies())} (registered: "
                        f"{', '.join(available_strategies())}, or 'module:Class' / "
                        "'file.py:Class')")
    return [p.replace("; ", ", ") for p in problems]


def code_strategies(scenario) -> list[str]:
    """``firms[1] ('Acme'): my_strategies.py:Climb`` for each firm of ``scenario`` whose
    strategy is a user's code to import."""
    return [f"firms[{i}] ('{shorten(f.name, 60)}'): {shorten(f.strategy, 120)}"
            for i, f in enumerate(scenario.firms) if is_code(f.strategy)]


def check_code_allowed(scenario, allow_code: bool) -> None:
    """Refuse, before anything runs, a scenario naming a user's code unless ``allow_code``."""
    named = code_strategies(scenario)
    if named and not allow_code:
        raise ScenarioError(code_refusal(", ".join(named)))


def code_refusal(what: str) -> str:
    return (f"{what}: this strategy is code from a file or module, and running the scenario "
            "would import and execute it. If you trust it, pass --allow-code (marketsim run, "
            "marketsim sweep) or allow_code=True (marketsim.run, MarketModel, run_sweep). "
            "marketsim validate, sweep --dry-run and report never import it (docs/strategies.md)")


def _import_strategy(name: str, where: str) -> type[Strategy]:
    """The class named ``"module:Class"`` or ``"path/to/file.py:Class"`` (a path is read
    relative to the working directory), so a scenario can name a user's strategy without a
    driver script. The class must subclass :class:`Strategy`."""
    import importlib.util
    import sys
    from pathlib import Path

    module_name, _, class_name = name.rpartition(":")
    problem = code_name_problem(name)
    if problem is not None:
        raise ScenarioError(f"{where}: {problem}")
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
                            "marketsim.market.strategies.Strategy")
    return cls


def make_strategy(name: str, params: dict[str, Any], *, where: str = "strategy",
                  allow_code: bool = False) -> Strategy:
    """Instantiate a registered strategy, or, with ``allow_code``, a user's class named
    ``"module:Class"`` or ``"file.py:Class"`` (imported, so its code runs); a clear
    :class:`ScenarioError` when it does not fit. A built-in strategy's parameters are checked
    against their schema first (:mod:`marketsim.scenario.strategy_params`)."""
    if name in BUILTIN:
        _load_builtins()
        params = _checked(name, params, where)
    cls = _REGISTRY.get(name)
    if cls is None and ":" in name:
        if not allow_code:
            raise ScenarioError(code_refusal(f"{where} '{shorten(name, 120)}'"))
        cls = _import_strategy(name, where)
    if cls is None:
        hint = did_you_mean(name, available_strategies())
        raise ScenarioError(f"{where}: unknown strategy '{shorten(name, 80)}'{hint}; "
                            f"registered: {', '.join(available_strategies())}, or "
                            "'module:Class' / 'file.py:Class'")
    try:
        return cls(**params)
    except Exception as exc:  # a user's constructor: report what it says of its parameters
        if not isinstance(exc, (TypeError, ValueError)):
            raise
        raise ScenarioError(f"{where}_params: {exc}") from None


def _checked(name: str, params: dict[str, Any], where: str) -> dict[str, Any]:
    from pydantic import ValidationError

    from marketsim.scenario.problems import describe_error
    from marketsim.scenario.strategy_params import PARAMS, checked_params

    try:
        return checked_params(name, params)
    except ValidationError as exc:
        lines = [describe_error(e, PARAMS[name]) for e in exc.errors()]
        raise ScenarioError(f"{where}_params: " + ", ".join(lines)) from None
