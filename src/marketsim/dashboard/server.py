"""``marketsim dashboard``: check the input, then serve the page on localhost.

Everything that can be wrong with the input is found before the server starts and raised as a
:class:`~marketsim.errors.MarketsimError` (the command line prints it as one line, exit status
2): a bad scenario file, a population or seed out of range, a scenario naming code without
``--allow-code``, a run too large for memory, a port that is taken or cannot be used. The
socket is bound here and handed to the server, so no other program can take the port in
between. The page closing is one line on the terminal (:mod:`marketsim.dashboard.app`); Ctrl-C
stops the server with one line.
"""

from __future__ import annotations

import os
import sys
import warnings

from marketsim.errors import MarketsimError

#: The port ``marketsim dashboard`` serves on unless told otherwise.
DEFAULT_PORT = 8521


class DashboardError(MarketsimError):
    """The dashboard cannot start (the port, the address)."""


def default_scenario() -> str:
    """``scenarios/classroom.toml`` of the working folder, or else of the source checkout."""
    from pathlib import Path

    from marketsim.dashboard.settings import DEFAULT_SCENARIO

    here = Path(DEFAULT_SCENARIO)
    checkout = Path(__file__).resolve().parents[3] / DEFAULT_SCENARIO
    return str(here if here.is_file() or not checkout.is_file() else checkout)


def check_settings(scenario: str | None, customers: int | None, seed: int,
                   allow_code: bool):
    """The validated launch settings; a MarketsimError names what is wrong."""
    from marketsim.dashboard.settings import DashboardSettings, market_scenario
    from marketsim.market.memory import check_memory
    from marketsim.scenario.schema import load_scenario
    from marketsim.scenario.strategy_registry import check_code_allowed

    source = scenario or default_scenario()
    if customers is not None and not 1 <= customers <= 100_000_000:
        raise DashboardError(f"--customers must be between 1 and 100,000,000 (got {customers:,})")
    if seed < 0:
        raise DashboardError(f"--seed must be 0 or more (got {seed})")
    loaded = load_scenario(source)
    check_code_allowed(loaded, allow_code)
    settings = DashboardSettings(loaded, source=str(source), customers=customers, seed=seed,
                                 allow_code=allow_code)
    check_memory(market_scenario(settings))
    return settings


def serve(scenario: str | None = None, *, port: int = DEFAULT_PORT,
          customers: int | None = None, seed: int = 0, host: str = "127.0.0.1",
          allow_code: bool = False) -> int:
    """Check the input, bind the port and serve the dashboard until Ctrl-C; the exit status."""
    settings = check_settings(scenario, customers, seed, allow_code)
    from marketsim.ports import listening_socket

    sock = listening_socket(host, port)
    from marketsim.dashboard.assets import CACHE_VARIABLE, cache_dir, ensure_assets
    from marketsim.dashboard.settings import ENVIRONMENT

    os.environ[ENVIRONMENT["scenario"]] = str(settings.source)
    os.environ.pop(ENVIRONMENT["customers"], None)
    if customers is not None:
        os.environ[ENVIRONMENT["customers"]] = str(customers)
    os.environ[ENVIRONMENT["seed"]] = str(seed)
    os.environ[ENVIRONMENT["allow_code"]] = "1" if allow_code else "0"
    os.environ["SOLARA_APP"] = "marketsim.dashboard.app"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "2m")  # drop a closed page's market
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    os.environ[CACHE_VARIABLE] = str(cache_dir())
    note = ensure_assets()  # the page's scripts, from the npm registry where no CDN is reached
    if note:
        print(f"marketsim dashboard: {note}", file=sys.stderr, flush=True)
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    import solara.server.settings as solara_settings
    import uvicorn

    solara_settings.main.mode = "production"
    solara_settings.assets.proxy_cache_dir = cache_dir()
    solara_settings.telemetry.mixpanel_enable = False
    from marketsim.kernels.jit import cache_is_warm

    name = settings.scenario.market.name
    print(f"marketsim dashboard: {name}, {settings.n_customers:,} customers, at "
          f"http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    if not cache_is_warm():
        print("marketsim dashboard: the first page compiles the simulation kernels for this "
              "machine (about a minute on 2 cores, once)", flush=True)
    config = uvicorn.Config("solara.server.starlette:app", log_level="warning",
                            access_log=False, ws_ping_interval=20, ws_ping_timeout=20)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("marketsim dashboard: stopped", file=sys.stderr, flush=True)
    return 0
