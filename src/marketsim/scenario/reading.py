"""Reading a TOML file someone gave us, safely: scenario and experiment files alike.

:func:`read_toml` checks that the path is a regular file no larger than
:data:`MAX_FILE_BYTES` before reading it (``/dev/zero`` or a 30 MB file is refused at once,
not read until memory runs out), decodes it as UTF-8 (a bad byte is reported with its line
and column), refuses arrays and inline tables nested deeper than :data:`MAX_NESTING` (the
TOML parser would otherwise die of recursion), and parses it. Every failure is one
:class:`~marketsim.errors.MarketsimError` naming the file, never a traceback.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Callable
from pathlib import Path

from marketsim.errors import MarketsimError

#: The largest scenario or experiment file read (bytes). The shipped ones are under 20 KB.
MAX_FILE_BYTES = 1024 * 1024
#: The deepest nesting of arrays and inline tables accepted (a scenario needs about 4).
MAX_NESTING = 64


def _decode(raw: bytes, path: Path, what: str, error: Callable[[str], MarketsimError]) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(f"{path}: line {line}, column {column}: not UTF-8 text (byte "
                    f"0x{raw[exc.start]:02x}); save the {what} file as UTF-8") from None


def nesting_problem(text: str, limit: int = MAX_NESTING) -> str | None:
    """``"line N: ..."`` where arrays and inline tables in TOML ``text`` nest deeper than
    ``limit``, else ``None``. Strings and comments are skipped; table headers (``[a]``,
    ``[[a]]``) are not nesting."""
    depth = 0
    line = 1
    i, n = 0, len(text)
    quote = ""  # the open string's delimiter
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            at_line_start = True
            if quote in ('"', "'"):
                quote = ""  # a one-line string never spans lines (the parser reports it)
            i += 1
            continue
        if quote:
            if quote[0] == '"' and c == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
            i += 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            i += len(quote)
            at_line_start = False
            continue
        if c == "[" and at_line_start and depth == 0:  # a table header: skip to its end
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        at_line_start = False
        if c in "[{":
            depth += 1
            if depth > limit:
                return (f"line {line}: arrays and inline tables nested more than {limit} "
                        "deep")
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return None


def read_toml(path: str | Path, what: str, error: Callable[[str], MarketsimError]
              ) -> tuple[str, dict]:
    """The text of the TOML file ``path`` and its contents; ``error(message)`` is raised, with
    the file first in the message, for anything that stops it (``what``: "scenario" or
    "experiment", for the messages)."""
    path = Path(path)
    a = f"an {what}" if what[:1] in "aeiou" else f"a {what}"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise error(f"{path}: cannot read {what} file ({reason})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "it is a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise error(f"{path}: cannot read {what} file ({kind}: {a} file must be a TOML "
                    "text file)")
    if info.st_size > MAX_FILE_BYTES:
        raise error(f"{path}: {info.st_size:,} bytes; {a} file may have at most "
                    f"{MAX_FILE_BYTES:,} bytes (1 MiB)")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # a file that grew meanwhile is not read on
    except OSError as exc:
        raise error(f"{path}: cannot read {what} file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise error(f"{path}: more than {MAX_FILE_BYTES:,} bytes; {a} file may have at "
                    f"most {MAX_FILE_BYTES:,} bytes (1 MiB)")
    text = _decode(raw, path, what, error)
    problem = nesting_problem(text)
    if problem is not None:
        raise error(f"{path}: {problem}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # not expected past the nesting check; never a traceback
        raise error(f"{path}: not valid TOML: nested too deep") from None
    return text, data
