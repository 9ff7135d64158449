"""The progress bar of ``marketsim run`` (periods) and ``marketsim sweep`` (runs).

One rich bar: a label, the bar, done of total, extra text columns, time elapsed and time left;
drawn only when the console is a terminal (piped output and tests see nothing).
"""

from __future__ import annotations


class ProgressBar:
    """A rich progress bar used as a context manager (``with bar: ...``)."""

    def __init__(self, console, label: str, extra: tuple[str, ...] = (), left: str = "left"):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(),
            *[TextColumn(text) for text in extra], TimeElapsedColumn(), TextColumn(left),
            TimeRemainingColumn(), console=console, transient=False,
            disable=not console.is_terminal)

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()
        return False
