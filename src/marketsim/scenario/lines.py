"""Where in a scenario's TOML text a field stands: line numbers for validation errors.

``key_lines`` maps each key path of a TOML document (tables, arrays of tables, dotted keys) to
its line; ``with_line`` prefixes a problem ``"firms[0].offers.x.price: ..."`` with the line of
the deepest part of that path found in the text. Keys inside inline tables point to their
parent key's line.
"""

from __future__ import annotations

import re

#: A problem's leading field path, ``firms[0].offers.current account.price: ...`` (names may
#: hold spaces, as category names do).
LEADING_PATH = re.compile(r"^([A-Za-z_][^:;\[\].]*(?:\[\d+\]|\.[^:;\[\].]+)*): ")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
                  r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _split_key(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(
        r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


def key_lines(text: str) -> dict[tuple, int]:
    """Line number (from 1) of each table header and key in TOML ``text``, by field path
    (``("firms", 2, "offers", "groceries")``), found by a scan of the lines.

    Arrays of tables (``[[firms]]``) number their elements from 0 as the scenario's paths do;
    keys inside inline tables are not listed (their parent key's line stands for them).
    """
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    multiline = None
    for number, line in enumerate(text.splitlines(), start=1):
        if multiline is not None:  # inside a multi-line string: skip until it closes
            if multiline in line:
                multiline = None
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            path: tuple = ()
            for part in _split_key(header.group(2)):
                path += (part,)
                if path in counts:  # a key under an array of tables: its latest element
                    path += (counts[path] - 1,)
            if header.group(1) == "[[":
                base = path[:-1] if path and isinstance(path[-1], int) else path
                counts[base] = counts.get(base, 0) + 1
                path = base + (counts[base] - 1,)
            table = path
            for end in range(1, len(path) + 1):
                lines.setdefault(path[:end], number)
            continue
        key = _KEY.match(line)
        if key:
            path = table + tuple(_split_key(key.group(1)))
            for end in range(len(table) + 1, len(path) + 1):
                lines.setdefault(path[:end], number)
            rest = line[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    multiline = quote
    return lines


def _parse_path(text: str) -> tuple:
    path: tuple = ()
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", text):
        path += (int(index),) if index else (name,)
    return path


def with_line(problem: str, text: str) -> str:
    """``problem`` prefixed with the line of its field path in ``text`` (or of the closest
    enclosing table or key), when one is found."""
    match = LEADING_PATH.match(problem)
    if not match:
        return problem
    path = _parse_path(match.group(1))
    lines = key_lines(text)
    while path:
        if path in lines:
            return f"line {lines[path]}: {problem}"
        path = path[:-1]
    return problem
