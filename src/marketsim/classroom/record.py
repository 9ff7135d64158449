"""What a classroom game saves, and how a saved game is read back.

A game folder (``--out``, default ``runs/classroom-<time>``) holds:

* ``scenario.toml``: the resolved scenario the game plays (the number of periods set to
  rounds times periods per round), so that a replay needs nothing else;
* ``game.jsonl``: the append-only log, one JSON object a line: ``start`` (seed, periods per
  round, rounds, firms), ``join`` (round, firm, team), ``release`` (a firm freed by the
  teacher), ``decision`` (round, firm, the levers a team submitted), ``round`` (round,
  periods, the teams playing and the levers applied: what a replay re-runs);
* ``rounds.csv``: the results of every round and firm (:mod:`marketsim.classroom.league`),
  appended as each round closes;
* ``league.csv``: the league table after the last round closed (for the debriefing).

No token is saved: the log says which team played which firm, never its token.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from marketsim.errors import MarketsimError, RunFolderError

LOG, SCENARIO, ROUNDS, LEAGUE = "game.jsonl", "scenario.toml", "rounds.csv", "league.csv"


class GameFolderError(MarketsimError):
    """A game folder cannot be written (it already holds a game) or read back."""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class GameRecord:
    """Writes one game's folder: the scenario at the start, then events and round results.

    The folder is checked when the record is made (it must not hold a game already) and
    created by :meth:`start`."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        if (self.folder / LOG).exists():
            raise GameFolderError(f"{self.folder} already holds a game ({LOG}); choose another "
                                  f"--out, or replay it with --replay {self.folder}")
        if self.folder.exists() and not self.folder.is_dir():
            raise GameFolderError(f"{self.folder} is a file, not a folder; choose another --out")

    def start(self, scenario_toml: str, **facts: Any) -> None:
        """Create the folder; write the scenario and the log's ``start`` line."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / SCENARIO).write_text(scenario_toml, encoding="utf-8")
        self.log("start", scenario=SCENARIO, **facts)

    def log(self, event: str, **facts: Any) -> None:
        """Append one event to ``game.jsonl`` (flushed at once)."""
        line = json.dumps({"event": event, "time": _now(), **facts}, ensure_ascii=False)
        with open(self.folder / LOG, "a", encoding="utf-8") as stream:
            stream.write(line + "\n")

    def round_closed(self, results: pd.DataFrame, league: pd.DataFrame) -> None:
        """Append a round's results to ``rounds.csv`` and rewrite ``league.csv``."""
        rounds = self.folder / ROUNDS
        results.to_csv(rounds, mode="a", header=not rounds.exists(), index=False)
        league.to_csv(self.folder / LEAGUE, index=False)


def read_log(folder: str | Path) -> list[dict[str, Any]]:
    """The events of a game folder's log, checked: a ``start`` line first, then events."""
    path = Path(folder) / LOG
    if not Path(folder).is_dir():
        raise RunFolderError(f"{folder}: no such game folder (written by `marketsim classroom "
                             f"--out DIR`)")
    if not path.is_file():
        raise RunFolderError(f"{folder}: not a game folder ({LOG} is missing)")
    events = []
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RunFolderError(f"{path}, line {number}: not JSON ({exc.msg})") from None
            if not isinstance(event, dict) or "event" not in event:
                raise RunFolderError(f"{path}, line {number}: not a game event")
            events.append(event)
    if not events or events[0]["event"] != "start":
        raise RunFolderError(f"{path}: the first line must be the game's start")
    return events
