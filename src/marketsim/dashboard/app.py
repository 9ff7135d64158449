"""The dashboard page (a Solara app: ``solara run marketsim.dashboard.app`` serves it too; the
usual way is ``marketsim dashboard``).

:func:`Page` is rendered once per browser session. It builds the session's market in a
background thread (``solara.use_thread``: a 100,000-customer warm-up takes seconds and the page
stays live meanwhile), plays it in another, and redraws through Mesa's ``update_counter``
(``mesa.visualization.utils``), as Mesa's own SolaraViz does: the sidebar holds the run, market
and firm controls (:mod:`marketsim.dashboard.controls`), the main area the current values (a
table whose cells carry ``data-testid`` and ``data-value`` attributes, for tests and for
anyone who wants the numbers) and the figures (:mod:`marketsim.dashboard.plots`).

The launcher (:mod:`marketsim.dashboard.server`) passes the scenario and options in the
environment (:data:`ENVIRONMENT`), read by :func:`launch_settings`.
"""

from __future__ import annotations

import html
import math
import os
import sys
import threading
import time
import warnings

import solara

with warnings.catch_warnings():  # Mesa's SolaraViz module trips Solara's hook check on import
    warnings.filterwarnings("ignore", message=".*use_state.*found despite early return",
                            category=UserWarning)
    from mesa.visualization.utils import force_update, update_counter

from marketsim.dashboard import plots
from marketsim.dashboard.controls import SPEEDS, FirmLevers, MarketControls, RunControls
from marketsim.dashboard.levers import LeverSettings
from marketsim.dashboard.market import NETWORK_LIMIT, VALUE_COLUMNS, DashboardMarket
from marketsim.dashboard.settings import DEFAULT_SCENARIO, ENVIRONMENT, DashboardSettings
from marketsim.errors import MarketsimError

_announced = threading.Lock()

#: Bumped after every period: the status line and the table redraw (cheap). The figures
#: redraw on Mesa's ``update_counter`` (``force_update``), as often as drawing them allows.
period_counter = solara.reactive(0)

#: While playing, the figures are redrawn at most once per this many seconds, and only when the
#: last drawing has finished (it runs in its own thread).
FIGURE_INTERVAL = 0.5


def launch_settings() -> DashboardSettings:
    """The settings the server was started with (from :data:`ENVIRONMENT`)."""
    from marketsim.scenario.schema import load_scenario

    source = os.environ.get(ENVIRONMENT["scenario"], DEFAULT_SCENARIO)
    customers = os.environ.get(ENVIRONMENT["customers"])
    return DashboardSettings(load_scenario(source), source=source,
                             customers=int(customers) if customers else None,
                             seed=int(os.environ.get(ENVIRONMENT["seed"], "0")),
                             allow_code=os.environ.get(ENVIRONMENT["allow_code"]) == "1")


def _session_context():
    """This page's Solara session (None outside solara-server, in a notebook)."""
    try:
        from solara.server.kernel_context import get_current_context

        return get_current_context()
    except Exception:  # noqa: BLE001 - not under solara-server: no page tracking
        return None


def _page_connected(context) -> bool:
    """Whether a browser page of this session is still connected."""
    if context is None:
        return True
    if context.closed_event.is_set():
        return False
    statuses = [str(getattr(status, "value", status)) for status in
                context.page_status.values()]
    return not statuses or any(status == "connected" for status in statuses)


_farewells: set[int] = set()


def _say(message: str) -> None:
    """One line on the server's terminal."""
    with _announced:
        print(f"marketsim dashboard: {message}", file=sys.stderr, flush=True)


def _farewell(context) -> None:
    """Say once per session that its page closed (the play loop and the session's end may
    both notice)."""
    with _announced:
        if id(context) in _farewells:
            return
        _farewells.add(id(context))
    _say("a browser page closed; its market stopped (the server keeps serving: open the "
         "address again for a new one)")


def _number(column: str, value: float) -> str:
    if not math.isfinite(value):
        return "-"
    if column in ("market_share_units", "share_of_customer", "churn"):
        return f"{100 * value:.1f}%"
    if column == "mean_satisfaction":
        return f"{value:+.3f}"
    if column == "price":
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def values_html(market: DashboardMarket) -> str:
    """The current values as an HTML table (its period in ``data-period``): one row per firm,
    each cell with ``data-testid="value-<firm>-<column>"`` and the unrounded number in
    ``data-value``."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label in VALUE_COLUMNS.values())
    rows = []
    with market.lock:  # a period's values, not half of the next one's
        period, values = market.period, market.current_values()
    for row in values:
        firm = html.escape(row["firm"], quote=True)
        cells = "".join(
            f'<td data-testid="value-{firm}-{column}" data-value="{row[column]!r}">'
            f"{_number(column, row[column])}</td>" for column in VALUE_COLUMNS)
        rows.append(f'<tr data-testid="firm-{firm}"><th>{firm}</th>{cells}</tr>')
    style = ("border-collapse: collapse; text-align: right; font-variant-numeric: "
             "tabular-nums; width: 100%")
    return (f'<table data-testid="values" data-period="{period}" style="{style}"><thead><tr>'
            f"<th>Firm</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


@solara.component
def Status(market: DashboardMarket):
    """The period, periods per second and the engine's time per period."""
    period_counter.get()
    update_counter.get()
    rate, engine = market.periods_per_second(), market.engine_seconds()
    unit = market.scenario.market.period_unit
    shown_rate = "-" if not math.isfinite(rate) else f"{rate:.1f}"
    shown_engine = "-" if not math.isfinite(engine) else f"{1000 * engine:.0f}"
    text = (f'<b>{html.escape(unit.capitalize())} <span data-testid="period">{market.period}'
            f"</span></b> of {market.scenario.market.periods} &nbsp;·&nbsp; "
            f'<span data-testid="periods-per-second" data-value="{rate!r}">{shown_rate}</span>'
            f" periods per second &nbsp;·&nbsp; simulation {shown_engine} ms per period"
            f" &nbsp;·&nbsp; {market.population.n_customers:,} customers")
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["ms-status"])


@solara.component
def Values(market: DashboardMarket):
    """The table of current values."""
    period_counter.get()
    update_counter.get()
    solara.HTML(tag="div", unsafe_innerHTML=values_html(market), classes=["ms-values"])


@solara.component
def Figures(market: DashboardMarket):
    """The figures, drawn in a background thread whenever the figures are due (Mesa's
    ``update_counter``), so neither a step nor play waits for matplotlib; until the new ones
    are ready, the last ones stay."""
    update_counter.get()
    key = (id(market), market.period)
    shown = solara.use_ref(None)
    context = _session_context()

    def draw():
        if not _page_connected(context):
            return None  # nobody to show it to
        started = time.perf_counter()
        market.drawing = True
        try:
            return plots.draw_all(market)
        except Exception:
            if _page_connected(context):
                raise
            return None  # the page closed while drawing (matplotlib's settings went with it)
        finally:
            market.drawing = False
            market.draw_seconds = time.perf_counter() - started

    task = solara.lab.use_task(draw, dependencies=[key], prefer_threaded=True)
    if task.finished and task.value is not None:
        shown.current = task.value
    if shown.current is None:
        solara.ProgressLinear(True)
        return
    with solara.GridFixed(columns=2, align_items="start"):
        for image in shown.current:
            solara.Image(image, format="png")
    if market.population.n_customers > NETWORK_LIMIT:
        solara.Text(f"The word-of-mouth network is drawn for {NETWORK_LIMIT:,} customers or "
                    "fewer (set Customers to see it).")


@solara.component
def Page():
    """The dashboard: controls in the sidebar, values and figures in the main area."""
    initial = solara.use_memo(launch_settings, [])
    settings, set_settings = solara.use_state(initial)
    levers = solara.use_memo(LeverSettings, [])
    generation, set_generation = solara.use_state(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(8)
    error = solara.use_reactive(None)
    context = _session_context()

    def on_close():
        reason = getattr(context, "close_reason", "unknown")
        if reason != "server-shutdown":
            _farewell(context)

    solara.use_effect(lambda: on_close, [])  # the cleanup runs when the session ends

    def build():
        return DashboardMarket(settings, levers)

    built = solara.use_thread(build, dependencies=[settings, generation], intrusive_cancel=False)
    market = built.value if built.state == solara.ResultState.FINISHED else None

    current = solara.use_ref(None)
    current.current = market

    def play():
        if not playing.value or market is None:
            return
        drawn = time.perf_counter()
        try:
            while playing.value and current.current is market:
                if not _page_connected(context):
                    _farewell(context)
                    playing.value = False
                    return
                market.step()
                period_counter.value += 1
                now = time.perf_counter()
                if not market.drawing and now - drawn >= FIGURE_INTERVAL:
                    force_update()
                    drawn = time.perf_counter()
                if not market.running:
                    playing.value = False
                    force_update()
                    return
                time.sleep(SPEEDS.get(speed.value, 0.0))
            force_update()  # the figures of the period where play stopped
        except MarketsimError as exc:
            error.value = str(exc)
            playing.value = False
        except Exception:  # the session went away under the thread
            if _page_connected(context):
                raise
            _farewell(context)

    solara.lab.use_task(play, dependencies=[playing.value, market], prefer_threaded=True)

    def step():
        if market is None:
            return
        try:
            market.step()
        except MarketsimError as exc:
            error.value = str(exc)
        period_counter.value += 1
        force_update()

    def reset():
        playing.value = False
        error.value = None
        set_generation(generation + 1)

    def change_settings(new: DashboardSettings):
        if new != settings:
            playing.value = False
            error.value = None
            set_settings(new)

    title = settings.scenario.market.name
    solara.Title(f"marketsim dashboard: {title}")
    with solara.AppBar():
        solara.AppBarTitle(f"marketsim dashboard: {title}")
    with solara.Sidebar():
        with solara.Card("Run"):
            RunControls(playing, speed, on_step=step, on_reset=reset,
                        ready=market is not None,
                        running=market is not None and market.running)
        with solara.Card("Market"):
            MarketControls(settings, change_settings)
        if market is not None:
            with solara.Card("Firm levers"):
                FirmLevers(market)
    with solara.Column(classes=["ms-main"]):
        if error.value:
            solara.Error(error.value, classes=["ms-error"])
        if built.state == solara.ResultState.ERROR:
            message = str(built.error) if isinstance(built.error, MarketsimError) else (
                f"{type(built.error).__name__}: {built.error}")
            solara.Error(f"The market could not be built: {message}", classes=["ms-error"])
        elif market is None:
            solara.Info(f"Building the market: {settings.n_customers:,} customers, "
                        f"{settings.scenario.market.warmup_periods} warm-up "
                        f"{settings.scenario.market.period_unit}s...",
                        classes=["ms-building"])
            solara.ProgressLinear(True)
        else:
            Status(market)
            Values(market)
            Figures(market)
