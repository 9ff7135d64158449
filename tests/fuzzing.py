"""Seeded mutations of the shipped scenario and experiment files, and the check of one mutant.

The fuzz tests (``tests/test_fuzz.py``, a few hundred cases) and the fuzz script
(``benchmarks/fuzz.py``, ten thousand) share this module. A mutant is a whole file: a shipped
``scenarios/*.toml`` or ``experiments/*.toml`` changed by one to three operators, chosen and
applied with a generator seeded by ``(seed, kind, index)``, so case ``i`` is the same file on
every machine and in every process. The operators are those of the reliability audit of
issue #21 (``docs/reliability.md``): structural ones on the parsed file (delete, duplicate or
rename a key, a wrong type, extreme numbers, inf and nan, ``"1e999"``, negative values, deep
nesting, huge arrays, unknown fields, bad ``scheduled`` changes, bad strategy parameters, bad
presets, odd names) and textual ones on its bytes (non-UTF-8 bytes, truncation, duplicated or
deleted lines, a number replaced by an extreme, a file over the size limit); experiments also
get bad factors, designs, outputs, paired tables, replications, seeds and base-scenario paths.

:func:`check_scenario` and :func:`check_experiment` put a mutant through the command line
in-process (``marketsim validate``; for an accepted scenario a short ``marketsim run``; for an
experiment ``marketsim sweep --dry-run`` and, optionally, a tiny serial sweep) under a time
limit, and classify what happened as one :class:`Outcome`.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import random
import re
import signal
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = tuple(sorted((ROOT / "scenarios").rglob("*.toml")))
EXPERIMENTS = tuple(sorted((ROOT / "experiments").glob("*.toml")))

#: How a case ended. ``clear_error``: exit status 2 with a message naming the file;
#: ``accepted``: valid, not run; ``ran``: valid and ran (or swept) with sound numbers;
#: ``run_error``: valid, then the run stopped with a clear message (exit 2);
#: ``unclear_error``: exit 2 but the message does not name the file; ``traceback``: an
#: exception escaped (a bug); ``hang``: over the time limit; ``silent_nan``: a run finished
#: with NaN, an infinity or an impossible number where the numbers are defined.
OUTCOMES = ("clear_error", "accepted", "ran", "run_error", "unclear_error", "traceback", "hang",
            "silent_nan")
#: Outcomes that are bugs.
FAILURES = ("unclear_error", "traceback", "hang", "silent_nan")


# ============================================================================ mutants
@dataclass(frozen=True)
class Mutant:
    """One mutated file: where it came from, the operators applied, its bytes."""

    kind: str                      # "scenario" or "experiment"
    index: int
    source: str                    # the shipped file, relative to the repository
    operators: tuple[str, ...]
    data: bytes

    @property
    def label(self) -> str:
        return f"{self.kind} {self.index} ({self.source}: {', '.join(self.operators)})"


class _Unchanged(Exception):
    """An operator found nothing to change; another is tried."""


def _generator(seed: int, kind: str, index: int) -> random.Random:
    return random.Random(f"marketsim-fuzz:{seed}:{kind}:{index}")  # str seeds are stable


# ---------------------------------------------------------------------------- walking a file
def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys and indices) into nested tables and arrays, leaves included."""
    found = []
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return found
    for key, value in items:
        path = (*prefix, key)
        found.append(path)
        found.extend(_paths(value, path))
    return found


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _parent(data: Any, path: tuple) -> tuple[Any, Any]:
    return _get(data, path[:-1]), path[-1]


def _leaves(data: Any, numeric: bool = False) -> list[tuple]:
    def wanted(value):
        if numeric:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        return not isinstance(value, (dict, list))
    return [p for p in _paths(data) if wanted(_get(data, p))]


def _tables(data: Any) -> list[tuple]:
    return [()] + [p for p in _paths(data) if isinstance(_get(data, p), dict)]


def _arrays(data: Any) -> list[tuple]:
    return [p for p in _paths(data) if isinstance(_get(data, p), list) and _get(data, p)]


def _pick(rng: random.Random, items: list) -> Any:
    if not items:
        raise _Unchanged
    return items[rng.randrange(len(items))]


# ---------------------------------------------------------------------------- values
EXTREME_NUMBERS = (0, -1, 1, -1.0, 0.0, -0.0, 1e-320, 5e-324, 1e-9, 0.5, 2, 3.5, 255, 256,
                   1000, 65535, 65536, 1e6, 1e9, -1e9, 1e12, 1e12 + 1, 1e15, 1e300, -1e300,
                   1.7976931348623157e308, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 10**6 + 1,
                   200_000_001, math.inf, -math.inf, math.nan)
STRING_NUMBERS = ("1e999", "-1e999", "nan", "inf", "NaN", "Infinity", "1e308", "0x10", "1_000",
                  "", " ", "3", "-5", "1e-999", "true")
ODD_NAMES = ("", " ", "Cheap $\\x$", "$\\undefinedcommand$", "<script>alert(1)</script>",
             "a/b", "../../x", "..", "name\nwith newline", "\t", "naïve ☕ café", "x" * 5000,
             "[link=file:///etc/passwd]x[/link]", "=HYPERLINK(\"http://evil\",\"x\")",
             "con", "nul", "a\x00b", "\u202eevil", "%s%n", "{0}", "$", "$$", "\\")
WRONG_TYPES = ("x", "", [1], [], {}, {"a": 1}, True, False, [[1, 2], [3]], [{"a": 1}],
               "1.5", 7, 2.5, [math.nan])
STRATEGY_NAMES = ("static", "scheduled", "adaptive_price", "adaptive_price_budget",
                  "no_such_strategy", "evil.py:Evil", "/tmp/evil.py:Evil", "os:system",
                  "this:X", "marketsim.market.strategies:Static", ":", "a:", ":b", "x" * 2000,
                  "", 5, [1], {"a": 1})
LEVER_NAMES = ("price", "quality", "unit_cost", "promise", "acquisition_budget", "reach_cost",
               "service", "image", "convenience", "trust", "reward_rate", "points_expiry",
               "personal_service", "relationship_level", "relationship_type", "retention",
               "one_to_one", "customer_management", "no_such_lever", "price.coffee",
               "price.no_such_category", "retention.reward_rate", "retention.no_such",
               "relationship_types.no_such_segment", "period", "")
PRESET_VALUES = ("mass_marketer", "customer_centric", "basic_marketing",
                 "partnership_marketing", "no_such_preset", "", [1], 5, {}, {"a": 1}, True,
                 ["mass_marketer"], "Mass_Marketer")


def _random_value(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(EXTREME_NUMBERS)
    if roll < 0.6:
        return rng.choice(STRING_NUMBERS)
    if roll < 0.8:
        return copy.deepcopy(rng.choice(WRONG_TYPES))
    return rng.choice(ODD_NAMES)


def _nested(rng: random.Random, depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    return value


# ---------------------------------------------------------------------------- structural operators
def op_delete_key(data, rng):
    path = _pick(rng, _paths(data))
    parent, key = _parent(data, path)
    del parent[key]


def op_wrong_type(data, rng):
    path = _pick(rng, _paths(data))
    parent, key = _parent(data, path)
    parent[key] = copy.deepcopy(rng.choice(WRONG_TYPES))


def op_extreme_number(data, rng):
    path = _pick(rng, _leaves(data, numeric=True))
    parent, key = _parent(data, path)
    parent[key] = rng.choice(EXTREME_NUMBERS)


def op_string_number(data, rng):
    path = _pick(rng, _leaves(data, numeric=True))
    parent, key = _parent(data, path)
    parent[key] = rng.choice(STRING_NUMBERS)


def op_negate(data, rng):
    path = _pick(rng, [p for p in _leaves(data, numeric=True) if _get(data, p) != 0])
    parent, key = _parent(data, path)
    parent[key] = -parent[key]


def op_scale(data, rng):
    path = _pick(rng, _leaves(data, numeric=True))
    parent, key = _parent(data, path)
    factor = rng.choice((1e-6, 0.01, 0.5, 2, 10, 1000, 1e6, 1e300))
    value = parent[key] * factor
    parent[key] = int(value) if isinstance(parent[key], int) and abs(value) < 2**63 else value


def op_nudge(data, rng):
    """A plausible change (times 0.5 to 2, or a whole number moved by one): mostly valid, so
    the engine runs with values nobody shipped."""
    path = _pick(rng, _leaves(data, numeric=True))
    parent, key = _parent(data, path)
    if isinstance(parent[key], int):
        parent[key] = max(0, parent[key] + rng.choice((-1, 1)))
    else:
        parent[key] = parent[key] * rng.uniform(0.5, 2.0)


def op_toggle(data, rng):
    path = _pick(rng, [p for p in _leaves(data) if isinstance(_get(data, p), bool)])
    parent, key = _parent(data, path)
    parent[key] = not parent[key]


def op_random_leaf(data, rng):
    path = _pick(rng, _leaves(data))
    parent, key = _parent(data, path)
    parent[key] = _random_value(rng)


def op_unknown_field(data, rng):
    table = _get(data, _pick(rng, _tables(data)))
    name = rng.choice(("colour", "pricee", "Price", "firms", "segment", "x" * 300, "periods",
                       "a.b", "", "strategy_param"))
    table[name] = _random_value(rng)


def op_rename_key(data, rng):
    path = _pick(rng, [p for p in _paths(data) if isinstance(p[-1], str)])
    parent, key = _parent(data, path)
    typo = rng.choice((key + "s", key[:-1], key.upper(), key.replace("_", "-"), "_" + key))
    if not typo or typo in parent:
        raise _Unchanged
    parent[typo] = parent.pop(key)


def op_duplicate_item(data, rng):
    path = _pick(rng, _arrays(data))
    array = _get(data, path)
    item = rng.choice(array)
    copies = rng.choice((1, 1, 2, 5, 30, 300))
    array.extend(copy.deepcopy(item) for _ in range(copies))


def op_huge_array(data, rng):
    path = _pick(rng, _arrays(data))
    array = _get(data, path)
    array.extend(copy.deepcopy(array[0]) for _ in range(rng.choice((256, 1000, 5000))))


def op_empty(data, rng):
    path = _pick(rng, [p for p in _paths(data) if isinstance(_get(data, p), (dict, list))])
    parent, key = _parent(data, path)
    parent[key] = type(parent[key])()


def op_deep_nesting(data, rng):
    path = _pick(rng, _leaves(data))
    parent, key = _parent(data, path)
    parent[key] = _nested(rng, rng.choice((3, 10, 60, 70, 200)))


def op_swap_values(data, rng):
    leaves = _leaves(data)
    a, b = _pick(rng, leaves), _pick(rng, leaves)
    (pa, ka), (pb, kb) = _parent(data, a), _parent(data, b)
    pa[ka], pb[kb] = pb[kb], pa[ka]


def _firms(data) -> list[dict]:
    firms = data.get("firms") if isinstance(data, dict) else None
    found = [f for f in firms if isinstance(f, dict)] if isinstance(firms, list) else []
    if not found:
        raise _Unchanged
    return found


def _categories(data) -> list[str]:
    names = [c.get("name") for c in data.get("categories", []) if isinstance(c, dict)]
    return [n for n in names if isinstance(n, str)] or ["coffee"]


def _random_change(rng: random.Random, categories: list[str]) -> dict:
    change: dict[str, Any] = {}
    if rng.random() < 0.85:
        change["period"] = rng.choice((1, 2, 3, 0, -1, 100_001, 2.5, "2", 10**9, 1, 2))
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        lever = rng.choice(LEVER_NAMES)
        if lever in ("price", "quality", "unit_cost") and rng.random() < 0.5:
            value: Any = {rng.choice(categories + ["no_such"]): rng.choice(
                (1.0, -5.0, 0.0, math.inf, math.nan, 1e12, 3.0, "x"))}
        elif rng.random() < 0.4:
            value = rng.choice((1.0, 0.5, 3.0, 100.0, 6000.0, 0.0))
        else:
            value = _random_value(rng)
        change[lever] = value
    return change


def op_bad_scheduled(data, rng):
    firm = rng.choice(_firms(data))
    firm["strategy"] = "scheduled"
    categories = _categories(data)
    roll = rng.random()
    if roll < 0.1:
        firm["strategy_params"] = _random_value(rng)
    elif roll < 0.2:
        firm["strategy_params"] = {"changes": _random_value(rng)}
    else:
        firm["strategy_params"] = {"changes": [_random_change(rng, categories)
                                               for _ in range(rng.choice((0, 1, 1, 2, 4)))]}


def op_bad_strategy(data, rng):
    firm = rng.choice(_firms(data))
    name = rng.choice(STRATEGY_NAMES)
    firm["strategy"] = name
    roll = rng.random()
    keys = ("step", "floor", "ceiling", "budget_step", "budget_floor", "budget_ceiling", "changes",
            "no_such_param")
    if roll < 0.3:
        firm["strategy_params"] = {rng.choice(keys): _random_value(rng)}
    elif roll < 0.6:
        firm["strategy_params"] = {key: rng.choice((0.0, 0.01, 0.5, 1.0, 2.0, 1000.0, 1e6))
                                   for key in rng.sample(keys[:6], rng.randint(1, 4))}
    elif roll < 0.7:
        firm["strategy_params"] = _random_value(rng)


def op_bad_preset(data, rng):
    firm = rng.choice(_firms(data))
    firm["preset"] = copy.deepcopy(rng.choice(PRESET_VALUES))


def op_odd_name(data, rng):
    tables = []
    for key in ("firms", "segments", "categories"):
        tables += [t for t in data.get(key, []) if isinstance(t, dict) and "name" in t]
    if isinstance(data.get("market"), dict):
        tables.append(data["market"])
    table = _pick(rng, tables)
    table["name"] = rng.choice(ODD_NAMES) if rng.random() < 0.85 else _random_value(rng)


def op_same_names(data, rng):
    firms = _firms(data)
    if len(firms) < 2:
        raise _Unchanged
    a, b = rng.sample(firms, 2)
    b["name"] = a.get("name")


def op_drop_table(data, rng):
    if not isinstance(data, dict) or not data:
        raise _Unchanged
    del data[rng.choice(sorted(data))]


STRUCTURAL = {
    "delete_key": op_delete_key, "wrong_type": op_wrong_type,
    "extreme_number": op_extreme_number, "string_number": op_string_number,
    "negate": op_negate, "scale": op_scale, "nudge": op_nudge, "toggle": op_toggle,
    "random_leaf": op_random_leaf,
    "unknown_field": op_unknown_field, "rename_key": op_rename_key,
    "duplicate_item": op_duplicate_item, "huge_array": op_huge_array, "empty": op_empty,
    "deep_nesting": op_deep_nesting, "swap_values": op_swap_values,
    "bad_scheduled": op_bad_scheduled, "bad_strategy": op_bad_strategy,
    "bad_preset": op_bad_preset, "odd_name": op_odd_name, "same_names": op_same_names,
    "drop_table": op_drop_table,
}
#: How often each structural operator is drawn (the numeric ones most, as in the audit).
STRUCTURAL_WEIGHTS = {"nudge": 6, "extreme_number": 6, "string_number": 2, "negate": 3, "scale": 3,
                      "random_leaf": 3, "bad_scheduled": 3, "bad_strategy": 2, "huge_array": 0.5,
                      "deep_nesting": 1}


# ---------------------------------------------------------------------------- textual operators
_NUMBER = re.compile(rb"(?<=[=\[,{ ])-?\d[\d_]*(\.\d+)?([eE][-+]?\d+)?(?=[\s,\]}])")


def tx_bad_bytes(text: bytes, rng):
    at = rng.randrange(len(text) + 1)
    bad = rng.choice((b"\xff", b"\xfe\xff", b"\xc3\x28", b"\x80", b"\xed\xa0\x80", b"\x00",
                      b"\xe2\x82", b"\xf0\x9f\x98"))
    return text[:at] + bad + text[at:]


def tx_truncate(text: bytes, rng):
    return text[:rng.randrange(len(text))]


def _lines(text: bytes) -> list[bytes]:
    return text.split(b"\n")


def tx_delete_line(text: bytes, rng):
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def tx_duplicate_line(text: bytes, rng):
    lines = _lines(text)
    k = rng.randrange(len(lines))
    lines.insert(k, lines[k])
    return b"\n".join(lines)


def tx_swap_lines(text: bytes, rng):
    lines = _lines(text)
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def tx_number_token(text: bytes, rng):
    matches = list(_NUMBER.finditer(text))
    match = _pick(rng, matches)
    new = rng.choice((b"1e999", b"-1e999", b"nan", b"inf", b"-inf", b"+nan", b"1e308", b"-0",
                      b"0", b"99999999999999999999", b"-9223372036854775808", b"0x7fffffff",
                      b"1e-400", b"0.0000001", b"-1", b"4e9"))
    return text[:match.start()] + new + text[match.end():]


def tx_flip_byte(text: bytes, rng):
    at = rng.randrange(len(text))
    return text[:at] + bytes([rng.randrange(256)]) + text[at + 1:]


def tx_deep_line(text: bytes, rng):
    depth = rng.choice((60, 65, 300, 500, 2000))
    kind = rng.random() < 0.5
    value = (b"[" * depth + b"1" + b"]" * depth) if kind else (b"{a = " * depth + b"1"
                                                                + b"}" * depth)
    return b"zz_deep = " + value + b"\n" + text


def tx_oversized(text: bytes, rng):
    pad = b"# " + b"x" * 1000 + b"\n"
    return text + pad * rng.choice((1100, 2000))


def tx_many_tables(text: bytes, rng):
    match = re.search(rb"^\[\[(segments|firms|categories)\]\][^\[]*", text, re.M)
    if match is None:
        raise _Unchanged
    return text + (b"\n" + match.group(0)) * rng.choice((30, 300, 3000))


def tx_crlf_bom(text: bytes, rng):
    return (b"\xef\xbb\xbf" if rng.random() < 0.5 else b"") + text.replace(b"\n", b"\r\n")


def tx_control_chars(text: bytes, rng):
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice((b"\x01", b"\x1b[31m", b"\x7f", b"\r", b"\x0c")) + text[at:]


TEXTUAL = {
    "bad_bytes": tx_bad_bytes, "truncate": tx_truncate, "delete_line": tx_delete_line,
    "duplicate_line": tx_duplicate_line, "swap_lines": tx_swap_lines,
    "number_token": tx_number_token, "flip_byte": tx_flip_byte, "deep_line": tx_deep_line,
    "oversized": tx_oversized, "many_tables": tx_many_tables, "crlf_bom": tx_crlf_bom,
    "control_chars": tx_control_chars,
}
TEXTUAL_WEIGHTS = {"number_token": 3, "bad_bytes": 2, "oversized": 0.3, "many_tables": 0.5}


# ---------------------------------------------------------------------------- experiment operators
_FACTOR_PATHS = ("firms.MassMart.offers.groceries.price", "firms.Steady.retention.reward_rate",
                 "firms.NoSuchFirm.promise", "firms[0].promise", "firms[99].promise",
                 "firms.Steady.no_such", "market.periods", "population.customers",
                 "segments[0].share", "firms", "market", "", ".", "firms..promise",
                 "firms.Steady.strategy", "behaviour.imitation", "network.degree",
                 "firms.Steady.retention", "categories[0].reference_price",
                 "firms.Steady.offers.groceries")


def _factor_tables(data) -> list[dict]:
    tables = [t for key in ("factors", "paired") for t in data.get(key, []) or []
              if isinstance(t, dict)]
    if not tables:
        raise _Unchanged
    return tables


def ex_factor_path(data, rng):
    rng.choice(_factor_tables(data))["path"] = rng.choice(_FACTOR_PATHS + ODD_NAMES[:4])


def ex_factor_values(data, rng):
    table = rng.choice(_factor_tables(data))
    table.pop("range", None)
    table.pop("levels", None)
    roll = rng.random()
    if roll < 0.5:
        table["values"] = [_random_value(rng) for _ in range(rng.randint(1, 4))]
    elif roll < 0.6:
        table["values"] = []
    elif roll < 0.7:
        table["values"] = list(range(rng.choice((5000, 20_000))))
    else:
        table["values"] = _random_value(rng)


def ex_factor_range(data, rng):
    table = rng.choice(_factor_tables(data))
    table.pop("values", None)
    low, high = rng.choice(((0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (-1.0, 1.0), (0.0, math.inf),
                            (math.nan, 1.0), (1e-300, 1e300), (0.0, 1e12), (5.0, 10.0)))
    table["range"] = [low, high] if rng.random() < 0.9 else [low]
    table["levels"] = rng.choice((2, 3, 1, 0, -1, 1000, 1001, 10**6, "3", 2.5))
    if rng.random() < 0.3:
        table["log"] = rng.choice((True, False, "yes", 1))


def ex_big_grid(data, rng):
    data["design"] = {"kind": "grid"}
    data["factors"] = [{"path": "firms.MassMart.promise", "range": [0.5, 1.5], "levels": 1000},
                       {"path": "firms.Steady.promise", "range": [0.5, 1.5], "levels": 1000}]
    data.pop("paired", None)


def ex_design(data, rng):
    design = data.setdefault("design", {})
    if not isinstance(design, dict):
        raise _Unchanged
    key = rng.choice(("kind", "samples", "labels"))
    if key == "kind":
        design["kind"] = rng.choice(("grid", "list", "random", "latin_hypercube", "sobol", "",
                                     5, ["grid"]))
    elif key == "samples":
        design["samples"] = rng.choice((1, 2, 0, -1, 10**6, 10**7, 2.5, "5", 20_000))
    else:
        design["labels"] = rng.choice((["a"], ["a", "b", "c", "d"], [], [1, 2], "a",
                                       ["=HYPERLINK(\"x\")"] * 12, ["x"] * 16))


def ex_replications(data, rng):
    settings = data.setdefault("experiment", {})
    settings["replications"] = rng.choice((0, -1, 1, 2, 100_000, 10_001, True, "3", 2.5,
                                           math.inf))


def ex_settings(data, rng):
    settings = data.setdefault("experiment", {})
    key = rng.choice(("seed", "common_random_numbers", "customers", "periods", "firm", "name"))
    settings[key] = {
        "seed": lambda: rng.choice((-1, 0, 2**63, 2**64, "x", 1.5, True)),
        "common_random_numbers": lambda: rng.choice((0, 1, "yes", True, False, [])),
        "customers": lambda: rng.choice((0, -5, 1, True, 10**12, 200_000_001, 2.5, "100")),
        "periods": lambda: rng.choice((0, -1, 1, 10**6, 100_001, True, "4")),
        "firm": lambda: rng.choice(("NoSuchFirm", "", "Steady", "MassMart", 3)),
        "name": lambda: rng.choice(ODD_NAMES),
    }[key]()


def ex_outputs(data, rng):
    roll = rng.random()
    if roll < 0.2:
        data["outputs"] = []
        return
    outputs = data.setdefault("outputs", [{"metric": "profit"}])
    if not isinstance(outputs, list) or not outputs:
        raise _Unchanged
    output = rng.choice(outputs)
    if not isinstance(output, dict):
        raise _Unchanged
    key = rng.choice(("metric", "window", "statistic", "name", "duplicate"))
    if key == "duplicate":
        outputs.append(copy.deepcopy(output))
        return
    output[key] = {
        "metric": lambda: rng.choice(("no_such_metric", "period", "firm", "revenue",
                                      "market_share", "")),
        "window": lambda: rng.choice((0, -1, 1, 10**9, "all", "none", 2.5, True)),
        "statistic": lambda: rng.choice(("median", "", "sum", "last")),
        "name": lambda: rng.choice(ODD_NAMES),
    }[key]()


def ex_paired(data, rng):
    pairs = [p for p in data.get("paired", []) or [] if isinstance(p, dict)]
    if not pairs:
        data["paired"] = [{"firms": ["MassMart", "Steady"], "path": "offers.groceries.price",
                           "values": [8.0, 9.0]}]
        pairs = data["paired"]
    pair = rng.choice(pairs)
    pair["firms"] = rng.choice((["MassMart"], ["MassMart", "MassMart"], ["NoSuch", "Steady"],
                                [], ["MassMart", "Steady"] * 11, [1, 2], "MassMart"))


def ex_fixed(data, rng):
    data["fixed"] = rng.choice((
        {"market.periods": 2}, {"market.periods": -1}, {"no.such.path": 1},
        {"firms.Steady.promise": math.nan}, {"firms.Steady.offers.groceries.price": "x"},
        {"population.customers": 10**10}, {"": 1}, {"firms": []}, {"market.warmup_periods": 0},
        {"firms.Steady.strategy": "evil.py:Evil"}))


def ex_scenario_path(data, rng):
    settings = data.setdefault("experiment", {})
    settings["scenario"] = rng.choice(("/dev/zero", "/dev/null", "\u0000", "no_such.toml", "/",
                                       str(ROOT / "scenarios"), "", str(ROOT / "README.md"),
                                       str(ROOT / "experiments" / "reward_structural.toml"),
                                       5, [], str(ROOT / "scenarios" / "classroom.toml")))


EXPERIMENT_OPS = {
    "factor_path": ex_factor_path, "factor_values": ex_factor_values,
    "factor_range": ex_factor_range, "big_grid": ex_big_grid, "design": ex_design,
    "replications": ex_replications, "settings": ex_settings, "outputs": ex_outputs,
    "paired": ex_paired, "fixed": ex_fixed, "scenario_path": ex_scenario_path,
}


# ---------------------------------------------------------------------------- building mutants
def _weighted(rng: random.Random, names: list[str], weights: dict[str, float]) -> str:
    return rng.choices(names, [weights.get(n, 1.0) for n in names])[0]


def _dump(data: dict) -> bytes:
    return tomli_w.dumps(data).encode("utf-8", "surrogatepass")


def _mutate(kind: str, index: int, seed: int, sources: tuple[Path, ...],
            prepare, specific: dict) -> Mutant:
    rng = _generator(seed, kind, index)
    source = sources[rng.randrange(len(sources))]
    original = source.read_bytes()
    data = prepare(tomllib.loads(original.decode("utf-8")))
    operators: list[str] = []
    n_structural = rng.choice((1, 1, 1, 1, 2, 2, 3))
    textual = rng.random() < 0.3
    if textual and rng.random() < 0.5:
        n_structural = 0  # a purely textual mutant keeps the file's comments and layout
    for _ in range(n_structural):
        for _attempt in range(20):
            if specific and rng.random() < 0.5:
                name = rng.choice(sorted(specific))
                operator = specific[name]
            else:
                name = _weighted(rng, sorted(STRUCTURAL), STRUCTURAL_WEIGHTS)
                operator = STRUCTURAL[name]
            try:
                operator(data, rng)
            except (_Unchanged, KeyError, IndexError, TypeError, AttributeError):
                continue
            operators.append(name)
            break
    if operators or prepare is not _same:
        try:
            text = _dump(data)
        except (TypeError, ValueError, RecursionError):  # tomli_w cannot write it: keep text
            operators.append("undumpable")
            text = original
    else:
        text = original
    if textual or not operators:
        for _attempt in range(20):
            name = _weighted(rng, sorted(TEXTUAL), TEXTUAL_WEIGHTS)
            try:
                text = TEXTUAL[name](text, rng)
            except (_Unchanged, ValueError, IndexError):
                continue
            operators.append(name)
            break
    return Mutant(kind, index, str(source.relative_to(ROOT)), tuple(operators), text)


def _same(data: dict) -> dict:
    return data


#: The base of every experiment mutant: small and quick to design (the audit's "small copies").
EXPERIMENT_BASE = {"customers": 300, "periods": 4, "replications": 1}


def _small_experiment(data: dict) -> dict:
    settings = data.setdefault("experiment", {})
    settings["scenario"] = str((ROOT / "experiments" / settings.get("scenario", "")).resolve())
    settings.update(EXPERIMENT_BASE)
    fixed = data.setdefault("fixed", {})
    fixed.setdefault("market.warmup_periods", 1)  # shipped bases warm up for years
    return data


def scenario_mutant(index: int, seed: int = 0) -> Mutant:
    """Scenario mutant number ``index`` of the run seeded ``seed`` (always the same file)."""
    return _mutate("scenario", index, seed, SCENARIOS, _same, {})


def experiment_mutant(index: int, seed: int = 0) -> Mutant:
    """Experiment mutant number ``index``: a shipped experiment made small (300 customers, 4
    periods, 1 replication, 1 warm-up period, its scenario path absolute), then mutated."""
    return _mutate("experiment", index, seed, EXPERIMENTS, _small_experiment, EXPERIMENT_OPS)


# ============================================================================ checking a mutant
@dataclass
class Outcome:
    """What one case came to: one of :data:`OUTCOMES`, the stage (validate, run, dry_run,
    sweep) and a detail (the message, the traceback or the problem)."""

    kind: str
    stage: str
    detail: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.kind in FAILURES


class CaseTimeout(BaseException):
    """The case ran past its time limit (a BaseException so no ``except Exception`` eats it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise :class:`CaseTimeout` in the main thread after ``seconds`` (SIGALRM; Unix)."""
    if seconds is None or seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise CaseTimeout(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call_cli(argv: list[str]) -> tuple[int | None, str, str | None]:
    """``marketsim.cli.main(argv)`` in this process: (exit status, what it printed, the
    traceback of an exception that escaped or ``None``)."""
    from marketsim.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except CaseTimeout:
            raise
        except BaseException:  # noqa: BLE001 - a crash is what we are looking for
            return None, out.getvalue(), traceback.format_exc(limit=-8)
    return code, out.getvalue(), None


# ---------------------------------------------------------------------------- sound numbers
#: Metrics columns defined in every period (sums and counts: never NaN).
ALWAYS_DEFINED = ("customers", "buyers", "units", "revenue", "penetration", "acquisitions",
                  "reactivations", "defections", "lapses", "awareness", "cost_of_goods",
                  "acquisition_spend", "reward_cost", "service_cost", "profit",
                  "relationship_cost", "cost_to_serve", "fees", "terminations",
                  "complaints_captured", "directed_units")
#: Ratio columns and the column whose zero makes them undefined (NaN exactly there).
RATIOS = {"mean_satisfaction": "customers", "tie_financial": "customers",
          "tie_social": "customers", "tie_structural": "customers", "mean_tenure": "customers",
          "mean_knowledge": "customers", "categories_per_buyer": "buyers",
          "mean_expectation": "awareness"}
#: Market shares and the total whose zero makes them undefined.
SHARES = {"market_share_units": "units", "market_share_revenue": "revenue",
          "market_share_buyers": "buyers"}
#: Columns that must lie in [0, 1] where defined.
UNIT_INTERVAL = ("market_share_units", "market_share_revenue", "market_share_buyers",
                 "penetration", "share_of_customer", "share_of_customer_weighted", "retention",
                 "churn", "awareness", "tie_social", "tie_structural", "mean_knowledge")
#: Columns that are never negative.
NON_NEGATIVE = ("customers", "buyers", "units", "revenue", "acquisitions", "reactivations",
                "defections", "lapses", "cost_of_goods", "reward_cost", "terminations",
                "complaints_captured", "directed_units", "mean_tenure", "tie_financial")


def metrics_problems(metrics: pd.DataFrame, tolerance: float = 1e-9) -> list[str]:
    """Why a metrics table is not sound (empty list if it is): an infinity anywhere, NaN in a
    column that is always defined or in a ratio whose denominator is not 0, a share outside
    [0, 1], market shares of a period not summing to 1, a negative count or revenue."""
    problems = []
    numeric = metrics.select_dtypes("number")
    values = numeric.to_numpy(dtype=float)
    if np.isinf(values).any():
        columns = numeric.columns[np.isinf(values).any(axis=0)]
        problems.append(f"infinite values in {', '.join(columns)}")
    for name in ALWAYS_DEFINED:
        if name in metrics and metrics[name].isna().any():
            problems.append(f"{name} is NaN in {int(metrics[name].isna().sum())} rows")
    for name, denominator in RATIOS.items():
        if name in metrics and denominator in metrics:
            wrong = metrics[name].isna() & (metrics[denominator] > 0)
            if wrong.any():
                problems.append(f"{name} is NaN where {denominator} > 0 ({int(wrong.sum())} rows)")
    totals = metrics.groupby("period")[list(SHARES.values())].transform("sum")
    for name, total in SHARES.items():
        wrong = metrics[name].isna() != (totals[total] <= 0)
        if wrong.any():
            problems.append(f"{name} is NaN where the period's {total} are not 0, or defined "
                            f"where they are ({int(wrong.sum())} rows)")
        sums = metrics.groupby("period")[name].sum(min_count=1).dropna()
        if (abs(sums - 1.0) > 1e-6).any():
            problems.append(f"{name} does not sum to 1 over the firms in some period")
    for name in UNIT_INTERVAL:
        if name in metrics:
            column = metrics[name].dropna()
            if ((column < -tolerance) | (column > 1 + tolerance)).any():
                problems.append(f"{name} outside [0, 1]")
    for name in NON_NEGATIVE:
        if name in metrics and (metrics[name].dropna() < -tolerance).any():
            problems.append(f"{name} negative")
    return problems


# ---------------------------------------------------------------------------- scenario cases
#: Overrides of a scenario mutant's short run: a few customers and periods.
RUN_CUSTOMERS = 200
RUN_PERIODS = 3
RUN_WARMUP = 1


def warm_kernels() -> None:
    """Run every shipped scenario briefly, so the kernels are compiled (or loaded from Numba's
    cache) before any case is timed: a first compilation takes a minute, and a time limit
    that interrupted it would leave Numba's dispatcher half-built."""
    import marketsim
    from marketsim.scenario.schema import load_scenario, parse_scenario

    for path in SCENARIOS:
        data = load_scenario(path).model_dump()
        data["market"]["warmup_periods"] = RUN_WARMUP
        scenario = parse_scenario(data)
        marketsim.run(scenario, customers=RUN_CUSTOMERS, periods=RUN_PERIODS, seed=1, threads=1,
                      transactions=True, allow_code=False)


def _names_file(output: str, path: Path) -> bool:
    return str(path) in output or path.name in output


def check_scenario(mutant: Mutant, workdir: Path, *, run: bool = True, figures: bool = False,
                   limit: float = 20.0) -> Outcome:
    """Validate ``mutant`` with ``marketsim validate`` and, if it is valid and ``run``, run it
    for :data:`RUN_PERIODS` periods of :data:`RUN_CUSTOMERS` customers with ``marketsim run``
    (``--no-figures`` unless ``figures``), checking its metrics (:func:`metrics_problems`)."""
    import time

    started = time.perf_counter()
    path = workdir / f"scenario_{mutant.index}.toml"
    path.write_bytes(mutant.data)
    stage = ["validate"]
    try:
        with time_limit(limit):
            outcome = _scenario_stages(path, workdir, run, figures, stage)
    except CaseTimeout as exc:
        outcome = Outcome("hang", stage[0], str(exc))
    outcome.seconds = time.perf_counter() - started
    return outcome


def _scenario_stages(path: Path, workdir: Path, run: bool, figures: bool,
                     stage: list[str]) -> Outcome:
    code, output, crash = call_cli(["validate", str(path)])
    if crash is not None:
        return Outcome("traceback", "validate", crash)
    if code != 0:
        if code != 2:
            return Outcome("traceback", "validate", f"exit status {code}: {output[-2000:]}")
        if not _names_file(output, path):
            return Outcome("unclear_error", "validate", output[-2000:])
        return Outcome("clear_error", "validate", output[:300])
    if not run:
        return Outcome("accepted", "validate")
    stage[0] = "run"
    out = workdir / f"run_{path.stem}"
    argv = ["run", str(path), "--customers", str(RUN_CUSTOMERS), "--periods", str(RUN_PERIODS),
            "--set", f"market.warmup_periods={RUN_WARMUP}", "--seed", "1", "--threads", "1",
            "--out", str(out)]
    if not figures:
        argv.append("--no-figures")
    code, output, crash = call_cli(argv)
    if crash is not None:
        return Outcome("traceback", "run", crash)
    if code != 0:
        if code == 2 and "error" in output:
            return Outcome("run_error", "run", output[-600:])
        return Outcome("traceback", "run", f"exit status {code}: {output[-2000:]}")
    metrics = pd.read_parquet(out / "metrics.parquet")
    problems = metrics_problems(metrics)
    if re.search(r"\b(nan|inf)\b", _summary_block(output, metrics["firm"].unique()), re.I):
        problems.append("the printed summary shows nan or inf")
    if problems:
        return Outcome("silent_nan", "run", "; ".join(problems))
    return Outcome("ran", "run")


def _summary_block(output: str, firms=()) -> str:
    """The numbers the run printed: the lines of its tables (between the header line, which
    names the scenario, and 'Wrote'), without the firms' names (a firm may be called "nan")."""
    names = sorted(map(str, firms), key=len, reverse=True)
    lines = []
    for line in output.split("Wrote", 1)[0].splitlines()[1:]:
        cells = line.strip()
        name = next((n for n in names if cells == n or cells.startswith(n + " ")), "")
        lines.append(cells[len(name):])  # the row's first cell is its firm's name
    return "\n".join(lines)


# ---------------------------------------------------------------------------- experiment cases
#: A mutant is swept for real (serially) only if it has at most this many runs.
SWEEP_MAX_RUNS = 16
#: ... each of at most this many customer-periods (warm-up included).
SWEEP_MAX_CUSTOMER_PERIODS = 20_000


def check_experiment(mutant: Mutant, workdir: Path, *, sweep: bool = False,
                     figures: bool = False, limit: float = 30.0) -> Outcome:
    """``marketsim sweep --dry-run`` of ``mutant`` and, if accepted and ``sweep``, a serial
    sweep of it when it has at most :data:`SWEEP_MAX_RUNS` runs, checking its results."""
    import time

    started = time.perf_counter()
    path = workdir / f"experiment_{mutant.index}.toml"
    path.write_bytes(mutant.data)
    stage = ["dry_run"]
    try:
        with time_limit(limit):
            outcome = _experiment_stages(path, workdir, sweep, figures, stage)
    except CaseTimeout as exc:
        outcome = Outcome("hang", stage[0], str(exc))
    outcome.seconds = time.perf_counter() - started
    return outcome


def _experiment_stages(path: Path, workdir: Path, sweep: bool, figures: bool,
                       stage: list[str]) -> Outcome:
    out = workdir / f"sweep_{path.stem}"
    code, output, crash = call_cli(["sweep", str(path), "--dry-run", "--executor", "serial",
                                    "--out", str(out)])
    if crash is not None:
        return Outcome("traceback", "dry_run", crash)
    if code != 0:
        if code != 2:
            return Outcome("traceback", "dry_run", f"exit status {code}: {output[-2000:]}")
        if not _names_file(output, path):
            return Outcome("unclear_error", "dry_run", output[-2000:])
        return Outcome("clear_error", "dry_run", output[:300])
    runs = re.search(r"= ([\d,]+) runs", output)
    size = re.search(r"Each run ([\d,]+) customers x ([\d,]+) periods \(\+([\d,]+) warm-up",
                     output)
    if not sweep or runs is None or size is None:
        return Outcome("accepted", "dry_run")
    customers, periods, warmup = (int(n.replace(",", "")) for n in size.groups())
    if (int(runs.group(1).replace(",", "")) > SWEEP_MAX_RUNS
            or customers * (periods + warmup) > SWEEP_MAX_CUSTOMER_PERIODS):
        return Outcome("accepted", "dry_run")
    stage[0] = "sweep"
    argv = ["sweep", str(path), "--executor", "serial", "--out", str(out)]
    if not figures:
        argv.append("--no-figures")
    code, output, crash = call_cli(argv)
    if crash is not None:
        return Outcome("traceback", "sweep", crash)
    if code != 0:
        if code == 2 and "error" in output:
            return Outcome("run_error", "sweep", output[-600:])
        return Outcome("traceback", "sweep", f"exit status {code}: {output[-2000:]}")
    results = out / "results.parquet"
    if not results.exists():
        return Outcome("traceback", "sweep", "exit 0 but no results.parquet")
    table = pd.read_parquet(results)
    numeric = table.select_dtypes("number").to_numpy(dtype=float)
    if np.isinf(numeric).any():
        return Outcome("silent_nan", "sweep", "infinite values in results.parquet")
    return Outcome("ran", "sweep")
