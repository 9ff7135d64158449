"""End to end: ``marketsim dashboard`` in headless Chromium (Playwright, Debian's Chromium).

The test starts the server on a free port, opens the page, steps the classroom market, raises
one firm's price to the top of its slider, resets and steps again, and checks that the values
the page shows are the model's: the same numbers a :class:`DashboardMarket` gives in this
process with the same settings and levers, and that firm's market share far below the run
without the change. It also plays the market (periods per second shown), switches it to
captive (a reset), closes the browser and checks the server printed no traceback. Screenshots
go to ``test-artifacts/`` (``tests/browser_support.py``). It skips, saying why, only where no
Chromium or no ``playwright`` package is found.
"""

from __future__ import annotations

import time

import pytest

from tests.browser_support import (
    browser,
    free_port,
    marketsim_server,
    screenshot,
    wait_dashboard_period,
)

FIRM = "Fast Cup"
PERIODS = 4
LOAD_TIMEOUT_MS = 120_000


def _period(page) -> int:
    return int(page.locator("[data-testid=period]").text_content())


def _step(page, periods: int) -> None:
    start = _period(page)
    for k in range(1, periods + 1):
        page.locator(".ms-step").click()
        wait_dashboard_period(page, start + k)


def _wait_label(page, lever: str, text: str) -> None:
    page.wait_for_function(
        "([lever, text]) => { const e = document.querySelector(`.ms-lever-${lever} label`);"
        " return e !== null && e.textContent.startsWith(text); }", arg=[lever, text],
        timeout=30_000)


def _value(page, firm: str, column: str) -> float:
    cell = page.locator(f'[data-testid="value-{firm}-{column}"]')
    return float(cell.get_attribute("data-value"))


_OUTPUT: dict[int, list[str]] = {}


def _peek(server) -> str:
    """What the server has printed so far (read without blocking)."""
    import os
    import select

    seen = _OUTPUT.setdefault(server.pid, [])
    fd = server.stdout.fileno()
    os.set_blocking(fd, False)
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        seen.append(chunk.decode(errors="replace"))
    os.set_blocking(fd, True)
    return "".join(seen)


def _seen(server) -> str:
    return "".join(_OUTPUT.get(server.pid, []))


def _model_values(price: float | None) -> dict:
    """The model's values after PERIODS periods of the classroom market, with FIRM's price
    set from period 1 (or left alone)."""
    from marketsim.dashboard.levers import LeverSettings
    from marketsim.dashboard.market import DashboardMarket
    from marketsim.dashboard.server import check_settings

    levers = LeverSettings()
    if price is not None:
        levers.set(FIRM, "price", price)
    market = DashboardMarket(check_settings(None, None, 0, False), levers)
    for _ in range(PERIODS):
        market.step()
    return {row["firm"]: row for row in market.current_values()}


def test_moving_a_price_slider_moves_the_market_as_the_model_says():
    started = time.monotonic()
    port = free_port()
    with browser() as chromium, marketsim_server("dashboard", "--port", str(port), port=port,
                                                 timeout=120) as server:
        page = chromium.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("[data-testid=values]", timeout=LOAD_TIMEOUT_MS)
        assert _period(page) == 0
        screenshot(page, "dashboard_loaded")

        _step(page, PERIODS)  # the scenario as it is
        base_share = _value(page, FIRM, "market_share_units")
        base_price = _value(page, FIRM, "price")

        page.locator(".ms-firm button", has_text=FIRM).click()
        _wait_label(page, "price", "Price: 3.00")  # the levers are FIRM's
        thumb = page.locator(".ms-lever-price [role=slider]")
        thumb.focus()
        thumb.press("End")  # the top of the slider: 2.5 times the scenario's price
        _wait_label(page, "price", "Price: 7.50")
        page.locator(".ms-reset").click()  # the same market again, the new price from period 1
        wait_dashboard_period(page, 0, timeout=LOAD_TIMEOUT_MS)
        _step(page, PERIODS)
        moved_share = _value(page, FIRM, "market_share_units")
        moved_price = _value(page, FIRM, "price")
        screenshot(page, "dashboard_price_raised")

        # the page shows the model's numbers, with and without the change
        model_base, model_moved = _model_values(None), _model_values(7.5)
        assert base_price == pytest.approx(3.0) and moved_price == pytest.approx(7.5)
        assert base_share == pytest.approx(model_base[FIRM]["market_share_units"], abs=1e-9)
        assert moved_share == pytest.approx(model_moved[FIRM]["market_share_units"], abs=1e-9)
        for firm, row in model_moved.items():
            assert _value(page, firm, "profit") == pytest.approx(row["profit"], rel=1e-9)
        # and the model says a far dearer coffee sells far less
        assert moved_share < 0.5 * base_share

        page.locator(".ms-play").click()  # play, then pause: periods per second are shown
        wait_dashboard_period(page, PERIODS + 3)
        page.locator(".ms-play").click()
        rate = float(page.locator("[data-testid=periods-per-second]").get_attribute(
            "data-value"))
        assert rate > 0
        screenshot(page, "dashboard_played")

        page.locator(".ms-regime button", has_text="captive").click()  # a market control
        wait_dashboard_period(page, 0, timeout=LOAD_TIMEOUT_MS)  # resets the market
        assert "switching is slow" in page.locator(".ms-regime-help").text_content()
        page.close(run_before_unload=True)  # a closed browser: one line, no traceback
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "page closed" not in _peek(server):
            time.sleep(0.5)
        server.terminate()
        output = _seen(server) + server.communicate(timeout=30)[0]
    assert "a browser page closed" in output, output
    assert "Traceback" not in output, output
    assert time.monotonic() - started < 180
