"""Governance in the inference and training pages, in headless Chromium on a real server: a spent hard-stop
budget with ``running: drain`` suspends a deployment and stops jobs, and the pages say so with the budget's
reason; the tenant's gateway rate limits shown on the deployments page, edited by a platform admin."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from tests.api.helpers import make_tenant
from tests.billing.helpers import month_of, tenant_world, usage
from tests.console.helpers import drive, open_console, shot
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)

from suanli.client import Client
from suanli.state.models import utcnow

pytestmark = pytest.mark.browser

GRACEFUL = """
import signal, sys, time
def stop(*_):
    print("checkpoint written", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("training", flush=True)
time.sleep(120)
"""


@pytest.fixture(autouse=True)
def fake_accelerators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "nvidia-h100:8")
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")


def test_a_drained_budget_shows_on_deployments_and_jobs(platform, browser: Browser, output_dir: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                                        database_url: str) -> None:
    admin, actors, tenant_id = tenant_world(platform.url, platform.admin_token)
    owner = actors["tenant-admin"].client(platform.url)
    member = actors["member"].client(platform.url)
    running = member.submit_job("bank", command=[sys.executable, "-c", GRACEFUL], kind="nvidia-h100", name="sft")
    member.deploy("bank", "svc", engine="external", engine_options={"url": "http://127.0.0.1:9/v1", "model": "m"},
                  regions={"local": {"min_replicas": 1, "max_replicas": 1}})
    drive(platform, lambda: "training" in member.job_logs("bank", running["id"])["data"])
    waiting = member.submit_job("bank", command=["true"], accelerators=8, kind="nvidia-h100", name="sweep")
    drive(platform, lambda: [r["state"] for r in member.deployment("bank", "svc")["replicas"]] == ["ready"])

    start = utcnow() + timedelta(seconds=2)  # after the catalog's prices took effect
    owner.set_budget("bank", month_of(start), "1.00", hard_stop=True, running="drain")
    admin.record_usage([usage("u1", tenant_id, start, hours=0.5, units="1")])  # ¥8: past the limit

    def drained() -> dict[str, Any] | None:
        job, dep = member.job("bank", running["id"]), member.deployment("bank", "svc")
        return {"job": job, "dep": dep} if job["state"] == "cancelled" and not dep["replicas"] else None

    done = drive(platform, drained, timeout=60)
    dep = done["dep"]
    assert dep["status"] == "suspended" and done["job"]["message"] == "stopped by the budget's hard stop (drain)"
    assert member.job("bank", waiting["id"])["state"] == "cancelled"

    page = open_console(browser, platform.url, actors["member"].token, "tenant=bank&page=deployments")
    card = page.locator("#deployment-svc")
    expect(card.locator(".badge").first).to_have_text("suspended")
    expect(card.locator(".badge").first).to_have_class("badge suspended")
    expect(card.locator(".suspended-reason")).to_contain_text(dep["autoscaling"]["suspended"])
    expect(card).to_contain_text("0 ready of 0")
    expect(card).not_to_contain_text("target")  # no autoscaler target while suspended
    expect(card).not_to_contain_text("rolling out")
    shot(page, output_dir, "deployment-suspended", database_url)

    page.click("#tab-jobs")
    row = page.locator(f"#jobs tr[data-job='{running['id']}']")
    expect(row.locator(".badge.budget")).to_have_text("budget drain")
    expect(row).to_contain_text("stopped by the budget's hard stop (drain)")
    page.click(f"a:text-is('{running['id']}')")
    expect(page.locator("#job-head .badge.budget")).to_have_text("budget drain")
    expect(page.locator("#job-budget")).to_contain_text("stopped by the budget's hard stop (drain)")
    expect(page.locator("#events")).to_contain_text("stopping (budget drain, grace 30s to checkpoint)")
    expect(page.locator("#log")).to_contain_text("checkpoint written")
    shot(page, output_dir, "job-drained", database_url)
    # The waiting job was cancelled before it started: its page says the budget did it (from its events).
    page.goto(f"{platform.url}/#tenant=bank&page=jobs&job={waiting['id']}")
    expect(page.locator("#job-head .badge.budget")).to_have_text("budget drain")
    expect(page.locator("#job-budget")).to_contain_text("cancelled by the budget (drain): tenant bank has spent")
    page.close()

    # Raised: the deployment resumes by itself, and the page shows it active again.
    owner.set_budget("bank", month_of(start), "1000.00", hard_stop=True, running="drain")
    drive(platform, lambda: member.deployment("bank", "svc")["status"] == "active")
    page = open_console(browser, platform.url, actors["viewer"].token, "tenant=bank&page=deployments")
    expect(page.locator("#deployment-svc .badge").first).to_have_text("active")
    expect(page.locator("#deployment-svc .suspended-reason")).to_have_count(0)
    page.close()


def test_rate_limits_on_the_deployments_page(platform, browser: Browser, output_dir: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                             database_url: str) -> None:
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "acme")
    defaults = admin.rate_limits("acme")
    assert defaults["updated_at"] is None

    # A member reads the limits and cannot edit them.
    page = open_console(browser, platform.url, actors["member"].token, "tenant=acme&page=deployments")
    expect(page.locator("#limits .limit")).to_have_count(4)
    expect(page.locator("#limits")).to_contain_text("this tenant has no limits of its own")
    expect(page.locator("#limits .limit .own").first).to_have_text("gateway default")
    expect(page.locator("#limits-form")).to_have_count(0)
    page.close()

    page = open_console(browser, platform.url, platform.admin_token, "tenant=acme&page=deployments")
    expect(page.locator("#limits-form input")).to_have_count(4)
    expect(page.locator("#limit-tenant_rpm")).to_have_value("")
    page.fill("#limit-tenant_rpm", "120")
    page.fill("#limit-key_tpm", "0")
    page.click("#limits-save")
    tile = page.locator("#limits .limit[data-limit='tenant_rpm']")
    expect(tile.locator(".value")).to_have_text("120")
    expect(tile.locator(".own")).to_have_text("set for this tenant")
    expect(page.locator("#limits .limit[data-limit='key_tpm'] .value")).to_have_text("unlimited")  # 0: no limit
    shown = admin.rate_limits("acme")
    assert shown["limits"] == {"tenant_rpm": 120, "key_tpm": 0, "tenant_tpm": None, "key_rpm": None}
    assert shown["effective"]["tenant_rpm"] == 120
    expect(page.locator("#limit-tenant_rpm")).to_have_value("120")
    shot(page, output_dir, "rate-limits", database_url)

    # Refused input says why; the stored limits are unchanged.
    page.fill("#limit-key_rpm", "2000000000")
    page.click("#limits-save")
    expect(page.locator("#banner")).to_contain_text("key_rpm")
    assert admin.rate_limits("acme")["limits"]["key_rpm"] is None

    page.click("#limits-reset")
    expect(page.locator("#limits")).to_contain_text("this tenant has no limits of its own")
    expect(page.locator("#limit-tenant_rpm")).to_have_value("")
    assert admin.rate_limits("acme")["updated_at"] is None
    page.close()
