"""Headless Chromium for the browser tests (dashboard, classroom game).

No browser build can be downloaded here, so Playwright drives Debian's ``chromium``
(``apt-get install chromium chromium-driver``; ``.ci/run`` installs it) through
``executable_path``. ``MARKETSIM_CHROMIUM`` names another binary. Where neither the browser
nor the ``playwright`` package can be found, the tests skip with a message that says which,
and how to install it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def chromium_path() -> str:
    """The Chromium binary to drive, or skip the test saying how to get one."""
    named = os.environ.get("MARKETSIM_CHROMIUM")
    for candidate in ([named] if named else []) + ["chromium", "chromium-browser",
                                                    "google-chrome"]:
        found = shutil.which(candidate) or (candidate if candidate and Path(candidate).is_file()
                                            else None)
        if found:
            return found
    pytest.skip("no Chromium found: install it with `apt-get install -y chromium "
                "chromium-driver` (.ci/run does) or set MARKETSIM_CHROMIUM to a Chromium binary")


@contextmanager
def browser() -> Iterator[object]:
    """A headless Chromium driven by Playwright (a ``playwright.sync_api.Browser``)."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python package `playwright` is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None,
                  timeout: float = 120.0) -> None:
    """Wait until something listens on ``port`` (or fail with the server's output)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"the server exited with {process.returncode}:\n{output}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listened on port {port} within {timeout:.0f} s")


@contextmanager
def marketsim_server(*arguments: str, port: int, timeout: float = 120.0,
                     cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    """Run ``python -m marketsim ARGUMENTS`` until the block ends; wait for ``port``."""
    process = subprocess.Popen([sys.executable, "-m", "marketsim", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=cwd)
    try:
        wait_for_port(port, process, timeout)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def screenshot(page, name: str) -> Path:
    """Save a screenshot under ``test-artifacts/`` (kept by CI as a test artifact)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_dashboard_period(page, period: int, timeout: float = 60_000) -> None:
    """Wait until the dashboard's status line and its table of values both show ``period``."""
    page.wait_for_function(
        "n => { const e = document.querySelector('[data-testid=period]');"
        " const t = document.querySelector('[data-testid=values]');"
        " return e !== null && e.textContent === n && t !== null && t.dataset.period === n; }",
        arg=str(period), timeout=timeout)
