"""Take the dashboard screenshots of docs/teaching.md again, from the current classroom.toml.

Starts ``marketsim dashboard`` (scenarios/classroom.toml, seed 0) on a free port and drives it
in headless Chromium as a teacher would (``tests/browser_support.py``: Debian's Chromium through
Playwright):

* ``dashboard-overview.png``: 28 weeks stepped on the file's levers;
* ``dashboard-exercise-rewards.png``: exercise 1, Bean Counter's reward rate moved to 0.150
  with the arrow keys, *Reset*, 27 weeks stepped;
* ``dashboard-figures.png``: the same page scrolled down to the weekly figures.

Run from the repository root (about two minutes)::

    .venv/bin/python docs/images/dashboard_screenshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser_support import (  # noqa: E402
    browser,
    free_port,
    marketsim_server,
    wait_dashboard_period,
)

OUT = Path(__file__).resolve().parent
VIEWPORT = {"width": 1280, "height": 800}
LOAD_TIMEOUT_MS = 180_000


def _step_to(page, week: int) -> None:
    start = int(page.locator("[data-testid=period]").text_content())
    for k in range(start + 1, week + 1):
        page.locator(".ms-step").click()
        wait_dashboard_period(page, k)


def _save(page, name: str) -> None:
    """A screenshot as a 256-colour PNG (a quarter of the size of the browser's, the same to
    the eye for a page of flat colours)."""
    from PIL import Image

    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def _settle(page) -> None:
    """Let the figures of the last period finish drawing (they are drawn in the background;
    until the first ones are ready the page shows a progress bar)."""
    page.wait_for_function("() => document.querySelectorAll('img').length >= 5",
                           timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(6_000)


def main() -> None:
    port = free_port()
    with browser() as chromium, marketsim_server("dashboard", "--port", str(port), port=port,
                                                 timeout=180):
        page = chromium.new_page(viewport=VIEWPORT)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("[data-testid=values]", timeout=LOAD_TIMEOUT_MS)
        _step_to(page, 28)
        _settle(page)
        _save(page, "dashboard-overview")

        page.locator(".ms-firm button", has_text="Bean Counter").click()
        thumb = page.locator(".ms-lever-reward_rate [role=slider]")
        thumb.focus()
        for _ in range(50):  # 0.002 a press: 0.050 -> 0.150
            thumb.press("ArrowRight")
        page.wait_for_function(
            "() => { const e = document.querySelector('.ms-lever-reward_rate label');"
            " return e !== null && e.textContent.startsWith('Reward rate: 0.150'); }",
            timeout=30_000)
        page.locator(".ms-reset").click()
        wait_dashboard_period(page, 0, timeout=LOAD_TIMEOUT_MS)
        _step_to(page, 27)
        _settle(page)
        _save(page, "dashboard-exercise-rewards")

        page.mouse.move(840, 500)
        page.mouse.wheel(0, 760)
        _settle(page)
        _save(page, "dashboard-figures")
    print("wrote", ", ".join(f"{n}.png" for n in (
        "dashboard-overview", "dashboard-exercise-rewards", "dashboard-figures")))


if __name__ == "__main__":
    main()
