"""The dashboard's controls, as Solara components: the run (reset, play, pause, step, speed),
the market (customers, competitive or captive) and each firm's levers.

They only change state; the page (:mod:`marketsim.dashboard.app`) owns it: the market-level
:class:`~marketsim.dashboard.settings.DashboardSettings` (a change builds a new market), the
shared :class:`~marketsim.dashboard.levers.LeverSettings` (a change applies from the next
period) and the playback reactives. Each control sits in an element with a ``ms-...`` class so
that tests and screenshots can find it.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import solara

from marketsim.dashboard.levers import LEVERS
from marketsim.dashboard.settings import REGIMES, DashboardSettings

#: The speed control's positions: pause between two periods in seconds (1 = slowest).
SPEEDS = {1: 2.0, 2: 1.0, 3: 0.5, 4: 0.25, 5: 0.1, 6: 0.05, 7: 0.02, 8: 0.01, 9: 0.0}


def _format(value: float, step: float) -> str:
    decimals = max(0, min(4, -int(f"{step:e}".split("e")[1])))
    return f"{value:,.{decimals}f}"


@solara.component
def RunControls(playing: solara.Reactive[bool], speed: solara.Reactive[int],
                on_step: Callable[[], None], on_reset: Callable[[], None], ready: bool,
                running: bool):
    """Reset, play or pause, step one period, and the speed of play (Mesa's play interval:
    the pause between two periods; 9 = no pause)."""
    with solara.Row(classes=["ms-run"], justify="space-between"):
        solara.Button("Reset", color="primary", on_click=on_reset, disabled=not ready,
                      classes=["ms-reset"])
        solara.Button("Pause" if playing.value else "Play", color="primary",
                      on_click=lambda: playing.set(not playing.value),
                      disabled=not (ready and (running or playing.value)),
                      classes=["ms-play"])
        solara.Button("Step", color="primary", on_click=on_step,
                      disabled=not ready or playing.value or not running, classes=["ms-step"])
    with solara.Div(classes=["ms-speed"]):
        pause = SPEEDS[speed.value]
        solara.SliderInt(f"Speed: {'no pause' if pause == 0 else f'{pause:g} s per period'}",
                         value=speed, min=1, max=max(SPEEDS), step=1, thumb_label=False)


@solara.component
def MarketControls(settings: DashboardSettings,
                   on_settings: Callable[[DashboardSettings], None]):
    """Customers and competitive or captive: a change builds a new market."""
    choices = settings.customer_choices()
    labels = {f"{n:,}": n for n in choices}
    with solara.Div(classes=["ms-customers"]):
        solara.Select("Customers", value=f"{settings.n_customers:,}", values=list(labels),
                      on_value=lambda text: on_settings(settings.changed(
                          customers=labels[text])))
    solara.Text("Market")
    solara.ToggleButtonsSingle(value=settings.regime, values=list(REGIMES),
                               on_value=lambda regime: on_settings(settings.changed(
                                   regime=regime)), classes=["ms-regime"],
                               style="flex-wrap: wrap")
    solara.HTML(tag="div", unsafe_innerHTML=f"<i>{html.escape(REGIMES[settings.regime])}."
                "</i> Changing either resets the market.", style="font-size: 0.85em",
                classes=["ms-regime-help"])


@solara.component
def FirmLevers(market):
    """The levers of one firm at a time (pick it above them); a moved lever applies from the
    next period, for the rest of the run and after a reset."""
    specs = market.scenario.firms
    names = [spec.name for spec in specs]
    chosen, set_chosen = solara.use_state(names[0])
    moves, set_moves = solara.use_state(0)  # redraw the levers when one moved
    if chosen not in names:
        chosen = names[0]
    spec = specs[names.index(chosen)]
    levers = market.levers

    def setter(key):
        def set_value(value):
            levers.set(chosen, key, value, spec)
            set_moves(moves + 1)
        return set_value

    solara.ToggleButtonsSingle(value=chosen, values=names, on_value=set_chosen,
                               classes=["ms-firm"], style="flex-wrap: wrap")
    for key, lever in LEVERS.items():
        value = levers.value(spec, key)
        with solara.Div(classes=[f"ms-lever-{key}"]):
            if lever.is_choice:
                solara.Select(lever.label, value=value, values=list(lever.choices),
                              on_value=setter(key))
            else:
                low, high, step = lever.bounds(spec)
                solara.SliderFloat(f"{lever.label}: {_format(value, step)}", value=value,
                                   min=low, max=high, step=step, on_value=setter(key),
                                   thumb_label=False)
    solara.Button("Back to the scenario's levers", text=True, classes=["ms-restore"],
                  on_click=lambda: (levers.clear(chosen), set_moves(moves + 1)))
