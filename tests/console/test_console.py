"""The web console in headless Chromium: sign in with a key and read a tenant's overview."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from tests.api.helpers import make_tenant

from suanli.client import Client

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def test_tenant_overview(platform, browser: Browser, output_dir: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    actors = make_tenant(admin, platform.url, "acme")
    admin.update_tenant("acme", display_name="ACME Robotics", industry="manufacturing", storage_quota_bytes=50 * 10**12)
    admin.set_quota("acme", "nvidia-h100", nominal=64, borrowing_limit=32)
    admin.set_quota("acme", "ascend-910b", nominal=128, borrowing_limit=0)
    admin.create_user("acme", "li-wei", role="member")
    platform.runner.run_pass()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(platform.url + "/")
    page.fill("#api-key", actors["tenant-admin"].token)
    page.click("button[type=submit]")
    expect(page.locator("#tenant-title")).to_have_text("ACME Robotics")
    expect(page.locator("#sign-in")).to_be_hidden()
    expect(page.locator("#quotas")).to_contain_text("nvidia-h100")
    expect(page.locator("#quotas")).to_contain_text("128")
    expect(page.locator("#members")).to_contain_text("li-wei")
    expect(page.locator("#audit")).to_contain_text("quotas.set")
    expect(page.locator("#whoami")).to_contain_text("tenant-admin")
    backend = database_url.split(":")[0].split("+")[0]
    page.screenshot(path=str(output_dir / f"console-overview-{backend}.png"), full_page=True)
    (output_dir / "console").mkdir(exist_ok=True)
    page.screenshot(path=str(output_dir / "console" / f"overview-{backend}.png"), full_page=True)

    # A bad key is refused with the server's message, and the key is not kept.
    page.click("#sign-out")
    page.fill("#api-key", "sl-key_nope.nope")
    page.click("button[type=submit]")
    expect(page.locator("#banner")).to_contain_text("invalid API key")
    expect(page.locator("#sign-in")).to_be_visible()
    page.close()


def test_platform_admin_switches_tenants(platform, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    admin.create_tenant("beta", display_name="Beta Bank", industry="finance")
    page = browser.new_page()
    page.goto(platform.url + "/")
    page.fill("#api-key", platform.admin_token)
    page.click("button[type=submit]")
    expect(page.locator("#tenant-title")).to_have_text("Platform operator")
    page.select_option("#tenant-select", "beta")
    expect(page.locator("#tenant-title")).to_have_text("Beta Bank")
    expect(page.locator("#tenant-facts")).to_contain_text("finance")
    page.close()
