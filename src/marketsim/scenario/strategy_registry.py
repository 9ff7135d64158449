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

from marketsim.errors import ScenarioError, did_you_mean

if TYPE_CHECKING:
    import mesa

#: The built-in strategies, registered when their module is first loaded.
BUILTIN_MODULE = "marketsim.market.strategies"
BUILTIN = ("adaptive_price", "adaptive_price_budget", "scheduled", "static")

_REGISTRY: dict[str, type[Strategy]] = {}


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


def _import_strategy(name: str, where: str) -> type[Strategy]:
    """The class named ``"module:Class"`` or ``"path/to/file.py:Class"`` (a path is read
    relative to the working directory), so a scenario can name a user's strategy without a
    driver script. The class must subclass :class:`Strategy`."""
    import importlib.util
    import sys
    from pathlib import Path

    module_name, _, class_name = name.rpartition(":")
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


def make_strategy(name: str, params: dict[str, Any], *, where: str = "strategy") -> Strategy:
    """Instantiate a registered strategy, or a user's class named ``"module:Class"`` or
    ``"file.py:Class"``; a clear :class:`ScenarioError` when it does not fit."""
    if name in BUILTIN:
        _load_builtins()
    cls = _REGISTRY.get(name)
    if cls is None and ":" in name:
        cls = _import_strategy(name, where)
    if cls is None:
        hint = did_you_mean(name, available_strategies())
        raise ScenarioError(f"{where}: unknown strategy '{name}'{hint}; "
                            f"registered: {', '.join(available_strategies())}, or "
                            "'module:Class' / 'file.py:Class'")
    try:
        return cls(**params)
    except TypeError as exc:
        raise ScenarioError(f"{where}_params: {exc}") from None
