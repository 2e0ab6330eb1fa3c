"""Helpers of the console's browser tests: sign in at a deep link, wait for controller passes, screenshots."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

SHOTS = "console"


def open_console(browser: Browser, url: str, token: str, hash_: str = "", height: int = 900,
                 clock: bool = False) -> Page:
    """A new page signed in with ``token``, at the deep link ``hash_`` (``tenant=acme&page=jobs``).

    With ``clock`` the page's timers run on Playwright's fake clock: the live refresh fires only when the
    test advances it (``page.clock.run_for``), so a test can tell a paused page from a slow one.
    """
    page = browser.new_page(viewport={"width": 1360, "height": height})
    if clock:
        page.clock.install()
    page.goto(f"{url}/#{hash_}")
    page.fill("#api-key", token)
    page.click("button[type=submit]")
    expect(page.locator("#sign-in")).to_be_hidden()
    return page


def shot(page: Page, output_dir: Path, name: str, database_url: str) -> Path:
    """A full-page screenshot under ``.test-output/console/``, named by page and backend."""
    folder = output_dir / SHOTS
    folder.mkdir(exist_ok=True)
    backend = database_url.split(":")[0].split("+")[0]
    path = folder / f"{name}-{backend}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def drive(platform: Any, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Run controller passes until ``check`` answers something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        platform.runner.run_pass()
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)
