"""The package layout stays clean: no import circles, and each room imports only the rooms
below it (``docs/architecture.md``).

The imports are read from the source with :mod:`ast`, so every import counts, at module level
or inside a function, except those under ``if TYPE_CHECKING:`` (type hints only, never run).
``from marketsim.room import name`` is an edge to the module ``marketsim.room.name`` when
that is a module, else to ``marketsim.room`` itself (its ``__init__``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "marketsim"

#: The rooms in import order: a room may import itself and the rooms listed before it.
ROOMS = ("base", "scenario", "kernels", "measures", "market", "reference", "outputs", "api",
         "experiments", "classroom", "entry")
#: Top-level modules and the room each belongs to.
TOP_LEVEL = {"errors": "base", "progress": "base", "api": "api", "cli": "entry",
             "__main__": "entry", "__init__": "entry"}
#: The most modules the top level of the package may hold (entry points, errors, progress).
MAX_TOP_LEVEL = 10
#: A module longer than this should be split along its concepts.
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The package module ``name`` stands for, or its nearest enclosing package."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(module: str, *, type_hints: bool = False) -> set[str]:
    """Package modules that ``module`` imports at run time (or, with ``type_hints``, only
    under ``if TYPE_CHECKING:``)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST, hinted: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, hinted)
            return
        if hinted == type_hints:
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                           for alias in node.names]
            for target in targets:
                if target == "marketsim" or target.startswith("marketsim."):
                    resolved = _resolve(target)
                    if resolved is not None and resolved != module:
                        found.add(resolved)
        for child in ast.iter_child_nodes(node):
            visit(child, hinted)

    visit(tree, False)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def room_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return TOP_LEVEL["__init__"]
    if len(parts) == 2 and parts[1] in TOP_LEVEL:
        return TOP_LEVEL[parts[1]]
    return parts[1]


RUN_TIME = {module: imports_of(module) for module in MODULES}
WITH_HINTS = {module: RUN_TIME[module] | imports_of(module, type_hints=True) for module in MODULES}


def test_the_walk_sees_imports():
    """The walker finds imports at module level, inside functions and under TYPE_CHECKING
    (so an empty result below means something)."""
    assert "marketsim.api" in RUN_TIME["marketsim"]
    assert "marketsim.market.model" in RUN_TIME["marketsim.api"]  # inside run()
    assert sum(len(edges) for edges in RUN_TIME.values()) > 100


def test_no_import_circles_at_run_time():
    assert _cycles(RUN_TIME) == []


def test_no_import_circles_with_type_hints():
    assert _cycles(WITH_HINTS) == []


def test_every_module_has_a_room():
    unknown = sorted(m for m in MODULES if room_of(m) not in ROOMS)
    assert unknown == [], f"modules outside the rooms of docs/architecture.md: {unknown}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_rooms_import_only_rooms_below(module):
    allowed = set(ROOMS[: ROOMS.index(room_of(module)) + 1])
    upward = sorted(target for target in WITH_HINTS[module] if room_of(target) not in allowed)
    assert upward == [], (f"{module} (room {room_of(module)!r}) imports {upward}; "
                          f"it may import only {sorted(allowed)}")


def test_top_level_is_small():
    top = sorted(p.name for p in PACKAGE.iterdir()
                 if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
    modules = [name for name in top if name.endswith(".py")]
    assert len(modules) <= MAX_TOP_LEVEL, modules
    assert {name[:-3] for name in modules} <= set(TOP_LEVEL), modules


def test_modules_are_small():
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines (split along concepts): {long}"


def test_the_registry_names_every_built_in_strategy():
    """The registry lists the built-in strategies by name (so the schema can check them
    without importing the market); the names are exactly those their module registers."""
    from marketsim.market import strategies
    from marketsim.scenario import strategy_registry

    registered = {name for name, cls in strategy_registry._REGISTRY.items()
                  if cls.__module__ == strategies.__name__}
    assert registered == set(strategy_registry.BUILTIN)


def test_the_kernels_know_the_schema_s_limit_on_firms():
    """Draw indices reserve room for MAX_FIRMS firms (marketsim.kernels.layout); the schema
    enforces the same limit, which the kernels may not import."""
    from marketsim.kernels import layout
    from marketsim.scenario import schema

    assert layout.MAX_FIRMS == schema.MAX_FIRMS
