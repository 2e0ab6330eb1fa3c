"""The console's billing tab in headless Chromium: usage charts, the invoice and the budget state."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from tests.billing.helpers import month_of, next_hour, tenant_world, usage
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.browser


def test_billing_tab(platform, browser: Browser, output_dir: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    admin, actors, _ = tenant_world(platform.url, platform.admin_token)
    t0 = next_hour()
    month = month_of(t0)
    t0 = min(t0, t0.replace(day=1) + timedelta(days=26))
    admin.record_usage([
        usage("a", "bank", t0, hours=3, units="8", subject="job_sft", user="alice"),
        usage("b", "bank", t0 + timedelta(days=1), hours=2, pool="sh-river", sku="accelerator-hour/nvidia-h100",
              units="4", subject="dep_chat", user="bob"),
        usage("c", "bank", t0, sku="million-tokens-out/qwen2.5-72b", pool="sh-river", units="250000",
              subject="dep_chat", user="bob"),
    ])
    owner = actors["tenant-admin"].client(platform.url)
    owner.set_budget("bank", month, "500.00", hard_stop=True)
    platform.runner.run_pass()

    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(platform.url + "/")
    page.fill("#api-key", actors["tenant-admin"].token)
    page.click("button[type=submit]")
    expect(page.locator("#quotas")).to_be_visible()
    page.click("#tab-billing")
    page.fill("#billing-month", month)
    page.dispatch_event("#billing-month", "change")
    expect(page.locator("#quotas")).to_be_hidden()
    expect(page.locator("#usage-by-kind")).to_contain_text("ascend-910b")
    expect(page.locator("#usage-by-kind")).to_contain_text("24.00 h")  # 8 accelerators x 3 h
    expect(page.locator("#usage-by-kind")).to_contain_text("nvidia-h100")
    expect(page.locator("#invoice")).to_contain_text("job_sft")
    # 384 + 197.46 (4 x 2 h x 21.37 x 1.155) + 1.73 (0.25 M tokens x 6 x 1.155)
    expect(page.locator("#invoice")).to_contain_text("Total ¥583.19")
    expect(page.locator("#invoice")).to_contain_text("Showback by user: alice ¥384.00 · bob ¥199.19")
    expect(page.locator("#budget")).to_contain_text("new work refused")
    expect(page.locator("#budget")).to_contain_text("100%")
    backend = database_url.split(":")[0].split("+")[0]
    page.screenshot(path=str(output_dir / f"console-billing-{backend}.png"), full_page=True)
    page.click("#tab-overview")
    expect(page.locator("#quotas")).to_be_visible()
    page.close()
