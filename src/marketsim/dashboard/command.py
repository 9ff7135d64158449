"""The ``marketsim dashboard`` subcommand: its options, and the handler that starts the server.

Only :mod:`argparse` is imported here; Solara and the model load when the command runs, so
``marketsim --help`` stays fast.
"""

from __future__ import annotations

import argparse


def add_dashboard_command(commands) -> None:
    """Add ``dashboard`` to the command line's subcommands."""
    from marketsim.dashboard.server import DEFAULT_PORT

    dashboard = commands.add_parser(
        "dashboard", help="a live market in the browser (play, steer firms, watch the shares)",
        description="Serve a live market on localhost (Mesa's browser stack, Solara): play, "
                    "pause, step and reset it; move each firm's levers while it runs; switch "
                    "the market between competitive and captive; watch market share against "
                    "share of customer, satisfaction, churn and profit (docs/teaching.md).")
    dashboard.add_argument("scenario", metavar="SCENARIO", nargs="?",
                           help="scenario TOML file (default scenarios/classroom.toml)")
    dashboard.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                           help=f"port on localhost (default {DEFAULT_PORT})")
    dashboard.add_argument("--customers", type=int, metavar="N",
                           help="number of customers (overrides population.customers; the page "
                                "can change it too)")
    dashboard.add_argument("--seed", type=int, default=0, metavar="S",
                           help="random seed (default 0)")
    dashboard.add_argument("--allow-code", action="store_true",
                           help="run strategies the scenario names as 'file.py:Class' (their "
                                "code runs with your permissions: only for files you trust)")
    dashboard.set_defaults(handler=_cmd_dashboard)


def _cmd_dashboard(args: argparse.Namespace, console) -> int:
    from marketsim.dashboard.server import serve

    return serve(args.scenario, port=args.port, customers=args.customers, seed=args.seed,
                 allow_code=args.allow_code)
