"""The console's controls in headless Chromium on a real server: a platform admin cordons, drains and uncordons
a node from the cluster page (draining stops the job running there, which waits until the node is back), and
the live-updates button pauses and resumes the page's refresh (timers on Playwright's clock)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Request, expect
from tests.api.helpers import make_tenant
from tests.console.helpers import drive, open_console, shot
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)

from suanli.client import Client

pytestmark = pytest.mark.browser

SLEEPER = "import time\nprint('working', flush=True)\ntime.sleep(300)\n"


@pytest.fixture(autouse=True)
def fake_accelerators(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "nvidia-h100:8")
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")
    yield


def schedulable(admin: Client, node: str) -> str:
    found: str = next(n["schedulable"] for n in admin.cluster("local")["nodes"] if n["name"] == node)
    return found


def test_cordon_drain_and_uncordon_buttons(platform, browser: Browser, output_dir: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                           database_url: str) -> None:
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    job = member.submit_job("acme", command=[sys.executable, "-c", SLEEPER], accelerators=2, kind="nvidia-h100",
                            name="long-run")
    drive(platform, lambda: member.job("acme", job["id"])["state"] == "running")
    node = admin.cluster("local")["nodes"][0]["name"]

    # Members see the nodes but no buttons: node actions are the operator's.
    page = open_console(browser, platform.url, actors["member"].token, "tenant=acme&page=cluster")
    expect(page.locator(f".node[data-node='{node}']")).to_be_visible()
    expect(page.locator(".node-actions")).to_have_count(0)
    page.close()

    page = open_console(browser, platform.url, platform.admin_token, "tenant=acme&page=cluster")
    tile = page.locator(f".node[data-node='{node}']")
    expect(tile).to_have_class("node ready")
    expect(tile.locator("button[data-action]")).to_have_text(["cordon", "drain"])
    tile.locator("button[data-action=cordon]").click()
    expect(tile).to_have_class("node cordoned")
    expect(tile.locator(".badge", has_text="cordoned")).to_be_visible()
    expect(tile.locator("button[data-action]")).to_have_text(["drain", "uncordon"])
    assert schedulable(admin, node) == "cordoned"
    platform.runner.run_pass()
    assert member.job("acme", job["id"])["state"] == "running"  # cordon keeps new work off; running work stays

    tile.locator("button[data-action=drain]").click()
    expect(tile).to_have_class("node draining")
    assert schedulable(admin, node) == "draining"

    def requeued() -> dict[str, Any] | None:
        shown: dict[str, Any] = member.job("acme", job["id"])
        return shown if shown["state"] in ("pending", "preempted") and not shown["placement"] else None

    waiting = drive(platform, requeued, timeout=60)  # stopped on the draining node, waiting for another
    expect(tile.locator(".dev.used, .dev.mine")).to_have_count(0)  # its devices are free again
    expect(tile).to_contain_text("0/8 allocated")
    expect(page.locator("#kind-summary")).to_contain_text("8 unavailable")
    shot(page, output_dir, "cluster-draining", database_url)

    tile.locator("button[data-action=uncordon]").click()
    expect(tile).to_have_class("node ready")
    assert schedulable(admin, node) == "ready"
    drive(platform, lambda: member.job("acme", job["id"])["state"] == "running", timeout=60)
    expect(tile).to_contain_text("2/8 allocated")
    assert waiting["preemptions"] == 1, waiting
    assert any("draining" in e["message"] for e in member.job_events("acme", job["id"]))
    page.close()


def test_the_pause_button_stops_and_resumes_live_updates(platform, browser: Browser,  # type: ignore[no-untyped-def]  # noqa: F811
                                                         output_dir: Path, database_url: str) -> None:
    admin = Client(platform.url, platform.admin_token, retries=0)
    make_tenant(admin, platform.url, "acme")
    platform.runner.run_pass()  # the local cluster's inventory
    node = admin.cluster("local")["nodes"][0]["name"]
    page = open_console(browser, platform.url, platform.admin_token, "tenant=acme&page=cluster", clock=True)
    tile = page.locator(f".node[data-node='{node}']")
    expect(tile).to_have_class("node ready")
    reads: list[str] = []

    def count(request: Request) -> None:
        if request.url.endswith("/api/v1/clusters"):
            reads.append(request.url)

    page.on("request", count)

    # Live: a change made elsewhere shows up at the next refresh (every 3 s of the page's clock).
    admin.node_action("local", node, "cordon")
    page.clock.run_for(3100)
    expect(tile).to_have_class("node cordoned")
    assert reads

    toggle = page.locator("#refresh-toggle")
    expect(toggle).to_have_text("❚❚ live")
    toggle.click()
    expect(toggle).to_have_text("▶ live updates off")
    expect(toggle).to_have_class("ghost live paused")
    updated = page.locator("#updated").inner_text()
    reads.clear()
    admin.node_action("local", node, "uncordon")
    page.clock.run_for(30_000)  # ten refresh periods pass: none reads the server
    page.wait_for_timeout(300)  # a request the page sent would have been seen by now
    assert reads == []
    expect(tile).to_have_class("node cordoned")  # the page still shows what it last read
    expect(page.locator("#updated")).to_have_text(updated)
    shot(page, output_dir, "paused", database_url)

    toggle.click()
    expect(toggle).to_have_text("❚❚ live")
    page.clock.run_for(3100)
    expect(tile).to_have_class("node ready")
    assert reads
    page.close()
