"""Helpers of the console's browser tests: sign in at a deep link, wait for controller passes, screenshots."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from tests.jobs.conftest import wait_for

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


drive = wait_for
"""Run controller passes until a check answers something truthy (the jobs tests' helper)."""
