"""Replay a saved classroom game: the same scenario, seed and, round by round, the same teams
and levers give the same results (the engine's random numbers are counter-based, so a period's
numbers depend only on the seed, the period and the state).

:func:`replay` re-runs a game folder's ``round`` events and compares the results with its
``rounds.csv``, as text: a replay that reproduces the game writes the same file, byte for byte.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from marketsim.classroom.game import Game
from marketsim.classroom.record import ROUNDS, SCENARIO, GameRecord, read_log
from marketsim.errors import RunFolderError


@dataclass
class Replay:
    """A replayed game, and whether it reproduced the saved results (``differences``: the
    first lines that differ, empty when identical)."""

    game: Game
    saved: str
    replayed: str
    differences: list[str]

    @property
    def identical(self) -> bool:
        return not self.differences


def results_text(results: pd.DataFrame) -> str:
    """Round results as ``rounds.csv`` holds them."""
    buffer = io.StringIO()
    results.to_csv(buffer, index=False)
    return buffer.getvalue()


def replay(folder: str | Path, *, out: str | Path | None = None,
           allow_code: bool = False) -> Replay:
    """Re-run the game saved in ``folder``; with ``out``, save the replay there as a game."""
    from marketsim.scenario.schema import load_scenario

    folder = Path(folder)
    events = read_log(folder)
    start = events[0]
    try:
        scenario = load_scenario(folder / SCENARIO)
        game = Game(scenario, seed=int(start["seed"]),
                    periods_per_round=int(start["periods_per_round"]),
                    rounds=int(start["rounds"]), allow_code=allow_code,
                    source=str(folder / SCENARIO),
                    record=GameRecord(out) if out is not None else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise RunFolderError(f"{folder}: the start of the game log is damaged ({exc})") from None
    for event in events[1:]:
        if event["event"] != "round":
            continue
        try:
            teams, levers = dict(event["teams"]), dict(event["levers"])
            if int(event["round"]) != game.round:
                raise ValueError(f"round {event['round']} follows round {game.round - 1}")
        except (KeyError, TypeError, ValueError) as exc:
            raise RunFolderError(f"{folder}: a round of the game log is damaged ({exc})") \
                from None
        for firm, team in teams.items():
            if firm not in game.firms:
                raise RunFolderError(f"{folder}: the log names a firm the scenario lacks: "
                                     f"{firm!r}")
        game.teams = {}
        for firm, team in teams.items():
            game.join(game.join_code, firm, team)
            if firm in levers:
                game.submit(game.teams[firm].token, firm, levers[firm])
        game.close_round()
    saved_path = folder / ROUNDS
    saved = saved_path.read_text(encoding="utf-8") if saved_path.is_file() else ""
    replayed = results_text(game.results) if len(game.results) else ""
    differences = [f"saved:    {a}\nreplayed: {b}" for a, b in
                   zip(saved.splitlines(), replayed.splitlines()) if a != b][:3]
    if len(saved.splitlines()) != len(replayed.splitlines()):
        differences.append(f"saved {len(saved.splitlines())} lines, replayed "
                           f"{len(replayed.splitlines())}")
    return Replay(game, saved, replayed, differences)
