"""The classroom game itself: teams, tokens, decisions, rounds, results. No web code here.

A :class:`Game` holds one market (:class:`marketsim.market.model.MarketModel`) and plays it in
rounds of ``periods_per_round`` periods:

1. teams join with the game's join code and pick a free firm; each gets a random team token
   for that firm (:meth:`Game.join`);
2. a team submits levers for its own firm only: the token must be that firm's
   (:meth:`Game.submit`; another firm's token is refused with :class:`NotAllowed`);
3. the teacher closes the round (:meth:`Game.close_round`): the market runs the round's
   periods with the submitted levers; every firm's results and the league table are updated
   and saved.

A firm a team plays keeps its levers from round to round (its scenario strategy is replaced by
``static`` from the first round a team plays it); a firm no team picked keeps its scenario
strategy. The game is a function of the scenario, the seed, the periods per round and, round by
round, the teams playing and the levers applied: :mod:`marketsim.classroom.replay` re-runs it.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from marketsim.classroom.league import league_table, round_results
from marketsim.classroom.levers import check_levers, current_levers, model_decisions
from marketsim.classroom.record import GameRecord
from marketsim.errors import MarketsimError, RunOptionError, shorten
from marketsim.scenario.schema import Scenario

#: Letters of a join code: no 0/O, 1/I/L, so it can be read off a projector.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
#: Longest team name kept.
MAX_TEAM_NAME = 40
#: Most periods a round may run, and most rounds a game may have.
MAX_PERIODS_PER_ROUND, MAX_ROUNDS = 520, 1000


class GameError(MarketsimError):
    """A request the game refuses; ``status`` is the HTTP status the web layer answers with."""

    status = 400


class JoinError(GameError):
    """A wrong join code, an unknown firm, or a firm another team already plays."""


class FirmTaken(JoinError):
    status = 409


class NotAllowed(GameError):
    """A missing or wrong token: a team acting for a firm it does not play, or not the
    teacher."""

    status = 403


class GameOver(GameError):
    status = 409


class RoundClosed(GameError):
    """The round asked to close is closed already (a button pressed twice)."""

    status = 409


@dataclass
class Team:
    """A team playing one firm: its name, its token and the round it joined in."""

    firm: str
    name: str
    token: str
    joined_round: int


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


def _checked_round_options(scenario: Scenario, periods_per_round: Any,
                           rounds: Any) -> tuple[int, int]:
    k = periods_per_round
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_PERIODS_PER_ROUND:
        raise RunOptionError(f"periods per round must be a whole number from 1 to "
                             f"{MAX_PERIODS_PER_ROUND}, got {k!r}")
    if rounds is None:
        rounds = max(1, scenario.market.periods // k)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        raise RunOptionError(f"rounds must be a whole number from 1 to {MAX_ROUNDS}, "
                             f"got {rounds!r}")
    if rounds * k > 100_000:
        raise RunOptionError(f"{rounds} rounds of {k} periods is more than the 100,000 periods "
                             f"a market can run")
    return k, rounds


class Game:
    """One classroom game on ``scenario`` (its number of periods is set to rounds times
    ``periods_per_round``; ``rounds`` defaults to as many as fit in the scenario's periods).

    ``record`` (a :class:`marketsim.classroom.record.GameRecord`) saves it as it goes.
    Every method is safe to call from several threads (the web server's).
    """

    def __init__(self, scenario: Scenario, *, seed: int = 0, periods_per_round: int = 4,
                 rounds: int | None = None, record: GameRecord | None = None,
                 allow_code: bool = False, source: str = ""):
        from marketsim.api import _check_seed
        from marketsim.market.model import MarketModel

        self.periods_per_round, self.rounds = _checked_round_options(scenario, periods_per_round,
                                                                     rounds)
        self.seed = _check_seed(seed)
        self.scenario = scenario.with_overrides(periods=self.rounds * self.periods_per_round,
                                                source=source or "classroom")
        self.model = MarketModel(self.scenario, self.seed, allow_code=allow_code)
        self.firms = [firm.name for firm in self.model.firms]
        self.categories = {firm.name: list(firm.price) for firm in self.model.firms}
        self.join_code = new_join_code()
        self.teacher_token = secrets.token_urlsafe(18)
        self.teams: dict[str, Team] = {}
        self.pending: dict[str, dict[str, Any]] = {}
        self.results = pd.DataFrame()
        self.round = 1  # the round being prepared (rounds closed + 1)
        self.version = 0  # changes with every join, decision and round: pages poll it
        self._steered: set[str] = set()
        self._lock = threading.RLock()
        self.record = record
        if record is not None:
            record.start(self.scenario.to_toml(), source=str(source), seed=self.seed,
                         periods_per_round=self.periods_per_round, rounds=self.rounds,
                         customers=self.scenario.population.customers, firms=self.firms)

    # ------------------------------------------------------------------ state
    @property
    def over(self) -> bool:
        """Every round has been played."""
        return self.round > self.rounds

    def free_firms(self) -> list[str]:
        with self._lock:
            return [firm for firm in self.firms if firm not in self.teams]

    def levers(self, firm: str) -> dict[str, Any]:
        """The levers ``firm`` will play next round: its current ones, with what its team
        submitted this round over them."""
        with self._lock:
            return {**current_levers(self.model.firm(firm)), **self.pending.get(firm, {})}

    def league(self) -> pd.DataFrame:
        """The league table after the last round closed (empty before the first)."""
        with self._lock:
            return league_table(self.results)

    def results_of(self, firm: str) -> pd.DataFrame:
        """``firm``'s results, one row per round closed."""
        with self._lock:
            if not len(self.results):
                return self.results
            return self.results[self.results["firm"] == firm].reset_index(drop=True)

    def _log(self, event: str, **facts: Any) -> None:
        if self.record is not None:
            self.record.log(event, **facts)

    # ------------------------------------------------------------------ teams
    def join(self, code: str, firm: str, team_name: str = "") -> str:
        """Join with the join ``code`` to play ``firm`` (free); return the team's token."""
        code = str(code or "").strip().upper()
        with self._lock:
            if not secrets.compare_digest(code.encode(), self.join_code.encode()):
                raise JoinError("wrong join code: type the code shown on the teacher's screen")
            if firm not in self.firms:
                raise JoinError(f"no firm named {shorten(str(firm), 60)!r}; firms: "
                                f"{', '.join(self.firms)}")
            if firm in self.teams:
                raise FirmTaken(f"{firm} is already played by team {self.teams[firm].name!r}; "
                                f"pick a free firm: {', '.join(self.free_firms()) or 'none left'}")
            if self.over:
                raise GameOver("the game is over: every round has been played")
            name = " ".join(str(team_name or "").split())[:MAX_TEAM_NAME] or firm
            token = secrets.token_urlsafe(18)
            self.teams[firm] = Team(firm, name, token, self.round)
            self.version += 1
            self._log("join", round=self.round, firm=firm, team=name)
            return token

    def firm_of(self, token: str | None) -> str | None:
        """The firm ``token`` plays, or ``None`` for a token no team holds."""
        if not token:
            return None
        for team in list(self.teams.values()):  # a snapshot: no wait while a round runs
            if secrets.compare_digest(str(token).encode(), team.token.encode()):
                return team.firm
        return None

    def authorise(self, token: str | None, firm: str) -> Team:
        """The team playing ``firm`` if ``token`` is its token; else :class:`NotAllowed`."""
        own = self.firm_of(token)
        if own is None:
            raise NotAllowed("no valid team token: join the game with the join code first"
                             if not token else "unknown team token: it belongs to no team in "
                             "this game; join again with the join code")
        if own != firm:
            raise NotAllowed(f"this team plays {own}: its token cannot change the levers of "
                             f"{shorten(str(firm), 60)}")
        return self.teams[own]

    def release(self, firm: str) -> None:
        """Free ``firm`` (its team lost its device, say) so that another team can join it; it
        keeps the levers it has."""
        with self._lock:
            if firm not in self.teams:
                raise JoinError(f"no team plays {shorten(str(firm), 60)!r}")
            del self.teams[firm]
            self.pending.pop(firm, None)
            self.version += 1
            self._log("release", round=self.round, firm=firm)

    def check_teacher(self, token: str | None) -> None:
        if not token or not secrets.compare_digest(str(token).encode(),
                                                   self.teacher_token.encode()):
            raise NotAllowed("only the teacher can do this: open the teacher's link printed in "
                             "the terminal where `marketsim classroom` runs")

    # ------------------------------------------------------------------ decisions
    def submit(self, token: str | None, firm: str, entries: Mapping[str, Any]) -> dict[str, Any]:
        """Check and keep ``firm``'s levers for the next round (``token`` must be its team's);
        return the levers accepted (with earlier submissions of this round under them)."""
        with self._lock:
            self.authorise(token, firm)
            if self.over:
                raise GameOver("the game is over: every round has been played")
            levers = check_levers(entries, self.categories[firm])
            self.pending[firm] = {**self.pending.get(firm, {}), **levers}
            self.version += 1
            self._log("decision", round=self.round, firm=firm, levers=levers)
            return dict(self.pending[firm])

    # ------------------------------------------------------------------ rounds
    def close_round(self, expected: int | None = None) -> pd.DataFrame:
        """Run the round's periods with the levers submitted; return its results.

        ``expected``, the round the caller means to close, guards against closing two rounds
        with one double click: :class:`RoundClosed` when that round is closed already."""
        with self._lock:
            if expected is not None and expected != self.round:
                raise RoundClosed(f"round {expected} is closed already; round {self.round} is "
                                  f"being played" if expected < self.round else
                                  f"round {expected} has not started; round {self.round} is "
                                  f"being played")
            if self.over:
                raise GameOver(f"the game is over: all {self.rounds} rounds have been played")
            teams = {firm: team.name for firm, team in self.teams.items()}
            applied = {firm: dict(levers) for firm, levers in self.pending.items()
                       if firm in teams}
            results = self._play(self.round, teams, applied)
            self._log("round", round=self.round,
                      periods=[int(results["first_period"].iloc[0]),
                               int(results["last_period"].iloc[0])],
                      teams=teams, levers=applied)
            if self.record is not None:
                self.record.round_closed(results, league_table(self.results))
            self.pending.clear()
            self.round += 1
            self.version += 1
            return results

    def _play(self, number: int, teams: dict[str, str],
              levers: dict[str, dict[str, Any]]) -> pd.DataFrame:
        """Run round ``number``: ``teams`` (firm to team name) play their firms with ``levers``
        (firm to checked levers); keep and return the round's results."""
        from marketsim.market.strategies import Static

        for firm in teams:
            if firm not in self._steered:  # from now on the team, not the scenario, decides
                self.model.firm(firm).strategy = Static()
                self._steered.add(firm)
        first = self.model.period + 1
        decisions = {firm: model_decisions(values) for firm, values in levers.items()}
        for k in range(self.periods_per_round):
            self.model.step(decisions if k == 0 else None)
        market = self.scenario.market
        results = round_results(self.model.metrics(), round_number=number, first_period=first,
                                teams=teams, discount_rate=market.discount_rate,
                                window=int(market.share_of_customer_window),
                                previous=self.results)
        self.results = pd.concat([self.results, results], ignore_index=True) if len(
            self.results) else results
        return results
