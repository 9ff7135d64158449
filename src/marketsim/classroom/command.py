"""``marketsim classroom``: serve a game to a class, or replay a saved one.

Kept light: the parser is built with only the standard library; the game, Starlette and uvicorn
are imported when the command runs, so ``marketsim --help`` stays fast.
"""

from __future__ import annotations

import argparse
import errno
import socket
import sys
import time
from pathlib import Path

#: Default port of the game (the dashboard uses its own).
DEFAULT_PORT = 8766
#: The scenario played when none is named.
DEFAULT_SCENARIO = Path("scenarios") / "classroom.toml"
EXIT_OK, EXIT_DIFFERENT = 0, 1


def add_classroom_command(commands) -> None:
    """Add the ``classroom`` sub-command to the ``marketsim`` parser's sub-parsers."""
    classroom = commands.add_parser(
        "classroom", help="a market game for a class: each team runs a firm, round by round",
        description="Serve a market game on this machine: the teacher's page shows a join "
                    "code, each team joins from its own device, picks a firm and sets its "
                    "levers; the teacher closes each round and the market runs K periods. "
                    "The game is saved in --out; --replay DIR re-runs a saved game. See "
                    "docs/teaching.md.")
    classroom.add_argument("scenario", metavar="SCENARIO", nargs="?",
                           help=f"scenario TOML file (default {DEFAULT_SCENARIO})")
    classroom.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                           help=f"port to serve on (default {DEFAULT_PORT})")
    classroom.add_argument("--host", default="0.0.0.0", metavar="ADDRESS",
                           help="address to listen on (default 0.0.0.0: every network of this "
                                "machine, so that the class's devices can join; 127.0.0.1: "
                                "this machine only)")
    classroom.add_argument("--periods-per-round", type=int, default=4, metavar="K",
                           help="periods the market runs when a round closes (default 4)")
    classroom.add_argument("--rounds", type=int, metavar="R",
                           help="rounds in the game (default: as many as fit in the "
                                "scenario's periods)")
    classroom.add_argument("--customers", type=int, metavar="N",
                           help="number of customers (overrides population.customers)")
    classroom.add_argument("--seed", type=int, default=0, metavar="S",
                           help="random seed (default 0); a replay uses the game's")
    classroom.add_argument("--out", type=Path, metavar="DIR",
                           help="where the game is saved (default runs/classroom-<time>); with "
                                "--replay, where the replay is saved (default: nowhere)")
    classroom.add_argument("--replay", type=Path, metavar="DIR",
                           help="re-run the game saved in DIR and check that it gives the same "
                                "results (exit 1 if not)")
    classroom.add_argument("--allow-code", action="store_true",
                           help="run strategies the scenario names as 'file.py:Class' (their "
                                "code runs with your permissions: only for files you trust)")
    classroom.set_defaults(handler=run_classroom)


def _default_scenario() -> Path:
    from marketsim.errors import RunOptionError

    for where in (Path.cwd(), Path(__file__).resolve().parents[3]):
        if (where / DEFAULT_SCENARIO).is_file():
            return where / DEFAULT_SCENARIO
    raise RunOptionError(f"no {DEFAULT_SCENARIO} here: name a scenario, "
                         f"`marketsim classroom SCENARIO`")


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (listening starts with the server), or one clear
    :class:`RunOptionError`: a busy port, a port that needs privileges, an unknown address."""
    from marketsim.errors import RunOptionError

    if isinstance(port, bool) or not 1 <= port <= 65535:
        raise RunOptionError(f"--port must be from 1 to 65535, got {port}")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise RunOptionError(f"cannot open a socket: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise RunOptionError(f"port {port} is busy (another program, perhaps another game, "
                                 f"uses it): choose another with --port") from None
        if exc.errno == errno.EACCES:
            raise RunOptionError(f"port {port} needs administrator rights here: choose one "
                                 f"above 1023 with --port") from None
        raise RunOptionError(f"cannot listen on {host}:{port}: "
                             f"{exc.strerror or exc}") from None
    return sock


def _lan_address() -> str:
    """This machine's address on its network (what other devices open), else 127.0.0.1."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 80))  # TEST-NET: nothing is sent
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def _addresses(host: str, port: int) -> tuple[str, str]:
    """The address teams open and the teacher's (this machine's) address."""
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = _lan_address() if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    if ":" in local:
        local = f"[{local}]"
    return f"http://{shown}:{port}/", f"http://{local}:{port}/"


def run_classroom(args: argparse.Namespace, console) -> int:
    """The ``classroom`` command: serve a game, or replay one."""
    from marketsim.errors import RunOptionError

    if args.replay is not None:
        if args.scenario is not None:
            raise RunOptionError("give either SCENARIO (a new game) or --replay DIR (a saved "
                                 "game), not both")
        return _replay(args, console)
    from marketsim.api import resolve_scenario

    scenario = resolve_scenario(args.scenario or _default_scenario())
    if args.customers is not None:
        scenario = scenario.with_overrides(customers=args.customers)
    from marketsim.classroom.game import _checked_round_options
    from marketsim.classroom.record import GameRecord

    _checked_round_options(scenario, args.periods_per_round, args.rounds)
    out = args.out or Path("runs") / time.strftime("classroom-%Y%m%d-%H%M%S")
    record = GameRecord(out)
    sock = _listening_socket(args.host, args.port)
    try:
        return _serve(args, console, scenario, record, sock)
    finally:
        sock.close()


def _serve(args, console, scenario, record, sock) -> int:
    from marketsim.classroom.game import Game
    from marketsim.kernels.jit import cache_is_warm

    market = scenario.market
    print(f"marketsim classroom: {market.name}, {len(scenario.firms)} firms, "
          f"{scenario.population.customers:,} customers, seed {args.seed}", flush=True)
    if not cache_is_warm():
        print("Compiling the simulation kernels for this machine (the first run only; about a "
              "minute on 2 cores)...", flush=True)
    if market.warmup_periods:
        print(f"Warm-up: {market.warmup_periods} unrecorded {market.period_unit}s first, so the "
              f"market starts settled...", flush=True)
    game = Game(scenario, seed=args.seed, periods_per_round=args.periods_per_round,
                rounds=args.rounds, record=record, allow_code=args.allow_code,
                source=str(args.scenario or DEFAULT_SCENARIO))
    join_url, local_url = _addresses(args.host, args.port)
    print(f"  {game.rounds} rounds of {game.periods_per_round} {market.period_unit}s", flush=True)
    print(f"  teams open:   {join_url}   join code: {game.join_code}", flush=True)
    print(f"  teacher page: {local_url}teacher?token={game.teacher_token}", flush=True)
    print("                (this link is the teacher's: do not project or share it)", flush=True)
    print(f"  saving to:    {record.folder}", flush=True)
    print("  stop with Ctrl+C", flush=True)
    import uvicorn

    from marketsim.classroom.web import create_app

    _Server = _server_class()
    config = uvicorn.Config(create_app(game, join_url=join_url), log_level="warning",
                            lifespan="off", access_log=False)
    server = _Server(config)
    server.run(sockets=[sock])
    print(f"marketsim classroom: stopped after {game.round - 1} of {game.rounds} rounds; the "
          f"game is saved in {record.folder} (replay: marketsim classroom --replay "
          f"{record.folder})", flush=True)
    return EXIT_OK


def _server_class():
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, stopping quietly on Ctrl+C or SIGTERM (uvicorn raises the signal
        again once it has shut down, which would end the process before the game says where
        it is saved)."""

        def handle_exit(self, sig, frame) -> None:
            super().handle_exit(sig, frame)
            getattr(self, "_captured_signals", []).clear()

    return Server


def _replay(args, console) -> int:
    from rich.markup import escape

    from marketsim.classroom.replay import replay

    result = replay(args.replay, out=args.out, allow_code=args.allow_code)
    game = result.game
    console.print(f"[bold]Replayed[/] {escape(str(args.replay))}: {game.round - 1} rounds of "
                  f"{game.periods_per_round} {game.scenario.market.period_unit}s, seed "
                  f"{game.seed}", highlight=False)
    console.print(_league_table(game.league()))
    if args.out is not None:
        console.print(f"Saved the replay in {escape(str(args.out))}", highlight=False)
    if result.identical:
        console.print("Identical to the saved results (rounds.csv, byte for byte).",
                      highlight=False)
        return EXIT_OK
    print("marketsim classroom: the replay differs from the saved results:", file=sys.stderr)
    for line in result.differences:
        print(f"  {line}", file=sys.stderr)
    return EXIT_DIFFERENT


def _league_table(league):
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from marketsim.classroom.league import LEAGUE_HEADINGS
    from marketsim.classroom.pages import FORMATS

    table = Table(box=box.SIMPLE_HEAD, title="League table")
    for key, heading in LEAGUE_HEADINGS.items():
        table.add_column(heading, justify="left" if key in ("firm", "team") else "right")
    for _, row in league.iterrows():
        cells = []
        for key in LEAGUE_HEADINGS:
            if key in ("firm", "team"):
                cells.append(escape(str(row[key] or "")))
            elif key == "rank":
                cells.append(str(int(row[key])))
            else:
                cells.append(FORMATS[key](row[key]))
        table.add_row(*cells)
    return table
