"""The progress bar of ``marketsim run`` (periods), ``marketsim sweep`` (runs) and studies.

One rich bar: a label, the bar, done of total, extra text columns, time elapsed and time left,
drawn on a terminal and in Jupyter. Elsewhere (output piped to a file, a batch job, CI) a bar
cannot be redrawn, so :class:`LineProgress` writes a plain line to stderr instead, at most
every tenth of the work and every :data:`LINE_SECONDS` seconds, with the time left: an
overnight job's log still says how far it got. ``MARKETSIM_PROGRESS=0`` silences those lines.
"""

from __future__ import annotations

import os
import sys
import time

#: Fewest seconds between two progress lines off a terminal.
LINE_SECONDS = 5.0


class LineProgress:
    """The few methods of ``rich.progress.Progress`` the bars use, written as plain lines."""

    def __init__(self, stream=None, min_seconds: float = LINE_SECONDS):
        self.stream = stream if stream is not None else sys.stderr
        self.min_seconds = min_seconds
        self.tasks: dict[int, dict] = {}

    def start(self) -> None:
        pass

    def stop(self) -> None:
        for task in self.tasks.values():
            if task["completed"] and task["completed"] != task["last_line"]:
                self._line(task)

    def add_task(self, description: str, total: float | None = None, completed: float = 0,
                 **fields) -> int:
        task_id = len(self.tasks)
        now = time.monotonic()
        self.tasks[task_id] = {"description": description, "total": total,
                               "completed": completed, "start": now, "start_done": completed,
                               "last_time": now, "last_line": completed}
        return task_id

    def update(self, task_id: int, *, completed: float | None = None,
               advance: float | None = None, description: str | None = None, **fields) -> None:
        task = self.tasks[task_id]
        now = time.monotonic()
        if description is not None and description != task["description"]:
            # a new stage ("building market" -> "simulating"): its time and time left count
            # from here, so compiling and the warm-up do not inflate the estimate
            task.update(description=description, start=now, start_done=task["completed"],
                        last_time=now)
        if completed is not None:
            task["completed"] = completed
        if advance is not None:
            task["completed"] += advance
        total, done = task["total"], task["completed"]
        step = max(total / 10, 1) if total else 1
        finished = total is not None and done >= total
        if (done - task["last_line"] >= step and now - task["last_time"] >= self.min_seconds
                or finished and done != task["last_line"]):
            self._line(task)

    def _line(self, task: dict) -> None:
        now = time.monotonic()
        done, total = task["completed"], task["total"]
        elapsed = now - task["start"]
        text = f"{task['description']}: {done:,.0f}"
        if total:
            text += f" of {total:,.0f} ({100 * done / total:.0f}%)"
        text += f", {elapsed:,.0f} s"
        rate_done = done - task["start_done"]
        if total and 0 < rate_done and done < total:
            text += f", about {elapsed / rate_done * (total - done):,.0f} s left"
        print(text, file=self.stream, flush=True)
        task["last_time"], task["last_line"] = now, done


def _lines_wanted() -> bool:
    return os.environ.get("MARKETSIM_PROGRESS", "1").strip().lower() not in {"0", "no", "off",
                                                                           "false"}


class ProgressBar:
    """A rich progress bar used as a context manager (``with bar: ...``); plain lines on
    stderr where no bar can be drawn (:class:`LineProgress`)."""

    def __init__(self, console, label: str, extra: tuple[str, ...] = (), left: str = "left"):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        drawn = console.is_terminal or console.is_jupyter
        if drawn or not _lines_wanted():
            self.progress = Progress(
                TextColumn(label), BarColumn(), MofNCompleteColumn(),
                *[TextColumn(text) for text in extra], TimeElapsedColumn(), TextColumn(left),
                TimeRemainingColumn(), console=console, transient=False, disable=not drawn)
        else:
            self.progress = LineProgress()

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()
        return False
