"""The one family of errors marketsim raises for bad input."""

from __future__ import annotations


def did_you_mean(word, choices, cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word`` (difflib), or ``""``."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


#: The longest message an error carries (characters) and the longest of one of its lines:
#: a file with thousands of problems, or a 100,000-character value echoed back, still gives a
#: message a person can read.
MAX_MESSAGE_CHARS = 2000
MAX_LINE_CHARS = 1000


def shorten(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with ``...`` where it was cut."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def cap_message(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` with each line shortened and the lines cut after ``limit`` characters, the
    rest counted: ``... and 12 more problems``."""
    lines = [shorten(line) for line in str(message).split("\n")]
    if sum(len(line) + 1 for line in lines) - 1 <= limit:
        return "\n".join(lines)
    room = max(limit - len("\n  ... and 1000000000 more problems"), 40)
    kept = [lines[0][:room]]
    used = len(kept[0])
    for line in lines[1:]:
        if used + 1 + len(line) > room:
            break
        kept.append(line)
        used += 1 + len(line)
    rest = len(lines) - len(kept)
    return "\n".join([*kept, f"  ... and {rest} more problem{'s' if rest != 1 else ''}"])


class MarketsimError(Exception):
    """Base class of every error marketsim raises on purpose (shown without a traceback).

    Its message is capped (:func:`cap_message`): one line of at most
    :data:`MAX_LINE_CHARS` characters per problem, :data:`MAX_MESSAGE_CHARS` in all."""

    def __init__(self, message: object = "", *args: object):
        super().__init__(cap_message(str(message)), *args)


class ScenarioError(MarketsimError):
    """A scenario file or dictionary is invalid.

    The message names the file, the field path, the value given and what is allowed; when
    several fields are wrong, each has its own line.
    """

    def __init__(self, message: str, *, source: str | None = None, problems: list[str] | None = None):
        self.source = source
        self.problems = [shorten(p) for p in (problems or [message])]
        super().__init__(message)


class RunOptionError(MarketsimError):
    """An option of a run (seed, thread count, output folder) is invalid."""


class RunFolderError(RunOptionError):
    """A run folder cannot be read back (a file missing, damaged or from another version)."""


class MemoryLimitError(MarketsimError):
    """A run (or a sweep's runs at once) would need more memory than there is; raised before
    anything is allocated. ``needed`` and ``available`` are in bytes."""

    def __init__(self, message: str, *, needed: int = 0, available: int = 0):
        self.needed = needed
        self.available = available
        super().__init__(message)


class SimulationError(MarketsimError):
    """A run produced an undefined (NaN, infinite) or impossible number; it stops at the end of
    the period where that happened. ``period``, ``firm`` and ``quantity`` say where."""

    def __init__(self, message: str, *, period: int | None = None, firm: str | None = None,
                 quantity: str | None = None):
        self.period = period
        self.firm = firm
        self.quantity = quantity
        super().__init__(message)
