"""The console's policy page in headless Chromium: the negative list in force, a quote asked for in the page
(offers with every resale layer, exclusions with rule and version), and the recorded decisions."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from tests.billing.helpers import tenant_world
from tests.console.helpers import open_console, shot
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.browser

RULES = """
rules:
  - id: finance-listed-providers
    version: 1
    author: compliance@bank.example
    effective: {effective}
    description: finance tenants only on providers of the qualified-supplier list
    applies_to: {{industries: [finance]}}
    forbid: {{providers_except: [telecom-cloud, river-gpu]}}
"""


def test_policy_and_quotes(platform, browser: Browser, output_dir: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    admin, actors, _ = tenant_world(platform.url, platform.admin_token)
    effective = datetime.now(UTC) + timedelta(seconds=2)  # rules are never retroactive: in force two seconds on
    admin.upload_policy(RULES.format(effective=effective.isoformat()), note="supplier list 2026")
    time.sleep(max(0.0, (effective - datetime.now(UTC)).total_seconds()) + 0.1)
    member = actors["member"].client(platform.url)
    member.quote("bank", {"name": "job_pretrain", "classification": "important",
                          "accelerators": {"kinds": ["ascend-910b"], "count": 8}})

    # A tenant's member: residency, decisions and quotes; the rule text is for platform admins.
    page = open_console(browser, platform.url, actors["member"].token, "tenant=bank&page=policy", height=1100)
    expect(page.locator("#residency")).to_contain_text("CN-SH")
    expect(page.locator("#rules")).to_contain_text("visible to platform admins")
    expect(page.locator("#decisions tbody tr")).to_have_count(1)
    expect(page.locator("#decisions")).to_contain_text("job_pretrain")
    chain = "province-agent +10.0% → telecom-cloud +5.0%"
    expect(page.locator("#pools tr", has_text="sh-river")).to_contain_text(chain)

    page.fill("#quote-kinds", "nvidia-h100, ascend-910b")
    page.fill("#quote-count", "8")
    page.select_option("#quote-class", "important")
    page.click("#quote-form button[type=submit]")
    offers = page.locator("#quote-result table.offers tbody tr")
    expect(offers).to_have_count(1)  # sh-river is out: its resale chain has a provider off the list
    expect(offers.first).to_contain_text("sh-telecom")
    expect(page.locator("#quote-result")).to_contain_text("Best permitted offer: sh-telecom (rules version 1)")
    expect(page.locator("#quote-result tr", has_text="sh-river")).to_contain_text(
        "excluded by rule finance-listed-providers version 1")
    expect(page.locator("#decisions tbody tr")).to_have_count(2)  # the quote was recorded, and the page shows it
    expect(page.locator("#decisions tbody tr").first).to_contain_text("console-quote")
    shot(page, output_dir, "policy", database_url)

    # A bad quote gets the server's message in the banner.
    page.fill("#quote-kinds", "nvidia-h1000")
    page.click("#quote-form button[type=submit]")
    expect(page.locator("#banner")).to_contain_text("nvidia-h1000")
    page.close()

    # A platform admin reads the rules in force.
    page = open_console(browser, platform.url, platform.admin_token, "tenant=bank&page=policy")
    expect(page.locator("#rules")).to_contain_text("supplier list 2026")
    expect(page.locator("#rules-text")).to_contain_text("providers_except: [telecom-cloud, river-gpu]")
    expect(page.locator("#tenant-select")).to_have_value("bank")
    page.close()
