"""The one family of errors marketsim raises for bad input."""

from __future__ import annotations


def did_you_mean(word, choices, cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word`` (difflib), or ``""``."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


class MarketsimError(Exception):
    """Base class of every error marketsim raises on purpose (shown without a traceback)."""


class ScenarioError(MarketsimError):
    """A scenario file or dictionary is invalid.

    The message names the file, the field path, the value given and what is allowed; when
    several fields are wrong, each has its own line.
    """

    def __init__(self, message: str, *, source: str | None = None, problems: list[str] | None = None):
        self.source = source
        self.problems = problems or [message]
        super().__init__(message)


class RunOptionError(MarketsimError):
    """An option of a run (seed, thread count, output folder) is invalid."""
