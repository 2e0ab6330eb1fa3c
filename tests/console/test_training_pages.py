"""The console's training pages in headless Chromium, on real jobs run by the local engine on fake accelerators:
the cluster's device heat map, the queue with reasons, the jobs list, a job's timeline and its live log."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from tests.api.helpers import make_tenant
from tests.console.helpers import drive, open_console, shot
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)

from suanli.client import Client

pytestmark = pytest.mark.browser

# One line every 0.2 s, in Chinese too: the tail must show lines written after the page was opened.
TRAIN = ("import time\nfor i in range(600):\n    print(f'step {i} loss {3.0 / (i + 1):.4f} 训练进行中', flush=True)\n"
         "    time.sleep(0.2)\n")


@pytest.fixture(autouse=True)
def fake_accelerators(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "nvidia-h100:8,ascend-910b:4")
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")
    yield


def test_cluster_queue_and_jobs(platform, browser: Browser, output_dir: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    admin.set_quota("acme", "nvidia-h100", nominal=6, borrowing_limit=0)
    admin.set_quota("acme", "ascend-910b", nominal=4, borrowing_limit=0)
    hello = member.submit_job("acme", command=[sys.executable, "-c", "print('你好, suanli')"], accelerators=1,
                              kind="ascend-910b", name="hello")
    failing = member.submit_job("acme", script="echo 'loading shards'; echo 'CUDA error: out of memory' >&2; exit 3",
                                accelerators=1, kind="ascend-910b", name="oom")
    drive(platform, lambda: all(member.job("acme", j["id"])["state"] in ("succeeded", "failed")
                                for j in (hello, failing)))
    train = member.submit_job("acme", script=f"{sys.executable} - <<'EOF'\n{TRAIN}EOF\n", accelerators=4,
                              kind="nvidia-h100", name="sft-qwen-7b", max_runtime_s=3600)
    drive(platform, lambda: member.job("acme", train["id"])["state"] == "running")
    # More than the quota leaves: it waits, and says why.
    waiting = member.submit_job("acme", command=["true"], accelerators=4, kind="nvidia-h100", name="eval-sweep")
    drive(platform, lambda: member.job("acme", waiting["id"])["pending_reason"])
    local = admin.cluster("local")
    ascend = next(n for n in local["nodes"] if n["accelerator_kind"] == "ascend-910b")
    admin.node_action("local", ascend["name"], "cordon")
    # A second cluster that an operator registered by hand: one node healthy, one draining, one never heard from.
    admin.create_cluster("bj-ascend", engine="local", provider="telecom-cloud", region="cn-north",
                         heartbeat_grace_s=1)
    for i in range(3):
        admin.add_node("bj-ascend", f"a{i}", kind="ascend-910b", count=8, memory_gb=64, rack=f"rack-{i // 2}",
                       interconnect_domain="hccs-0")
    time.sleep(1.2)  # past the grace: the next pass finds every node of bj-ascend silent
    drive(platform, lambda: not admin.cluster("bj-ascend")["nodes"][2]["healthy"])
    admin.node_action("bj-ascend", "a0", "heartbeat")
    admin.node_action("bj-ascend", "a1", "heartbeat")
    admin.node_action("bj-ascend", "a1", "drain")

    page = open_console(browser, platform.url, actors["member"].token, "tenant=acme&page=cluster", height=1000)
    expect(page.locator("#tab-cluster")).to_have_class("tab active")
    h100 = page.locator(".node", has=page.locator("code", has_text="nvidia-h100"))
    expect(h100.locator(".dev.mine")).to_have_count(4)  # this tenant's running job, linked to it
    expect(h100.locator(".dev.free")).to_have_count(4)
    expect(h100).to_contain_text("4/8 allocated")
    expect(page.locator(f".node[data-node='{ascend['name']}']")).to_have_class("node cordoned")
    expect(page.locator("#kind-summary")).to_contain_text("4 / 8 allocated")
    bj = page.locator("#cluster-bj-ascend")
    expect(bj).to_contain_text("telecom-cloud")
    expect(bj.locator(".node[data-node='a1']")).to_have_class("node draining")
    expect(bj.locator(".node[data-node='a2']")).to_have_class("node unhealthy")
    expect(bj.locator(".node[data-node='a2'] .badge").first).to_have_text("unhealthy")
    shot(page, output_dir, "cluster", database_url)

    page.click("#tab-queue")
    expect(page).to_have_url(f"{platform.url}/#tenant=acme&page=queue")
    expect(page.locator("#queue")).to_contain_text("eval-sweep")
    reason = member.job("acme", waiting["id"])["pending_reason"]
    expect(page.locator("#queue")).to_contain_text(reason)
    expect(page.locator("#running")).to_contain_text("sft-qwen-7b")
    expect(page.locator("#running")).to_contain_text("of 1h 0m")  # elapsed against the runtime limit
    shot(page, output_dir, "queue", database_url)

    page.click("#tab-jobs")
    jobs = page.locator("#jobs")
    states = (("hello", "succeeded"), ("oom", "failed"), ("sft-qwen-7b", "running"), ("eval-sweep", "pending"))
    for name, state in states:
        expect(jobs.locator("tr", has_text=name).locator(".states .badge")).to_have_text(state)
    shot(page, output_dir, "jobs", database_url)
    page.click("a.chip:text-is('failed')")
    expect(jobs.locator("tbody tr")).to_have_count(1)
    expect(jobs).to_contain_text("oom")

    # A job's page: the timeline of its states, and a log tail that follows the running process.
    page.click("#tab-jobs")
    page.click(f"a:text-is('{train['id']}')")
    expect(page.locator("#events .ev")).to_have_count(4)  # pending, admitted, starting, running
    expect(page.locator("#events")).to_contain_text("running")
    log = page.locator("#log")
    expect(log).to_contain_text("训练进行中")
    expect(log).to_contain_text("step 1 ")
    seen = log.inner_text().count("\n")
    page.wait_for_function("n => document.querySelector('#log').textContent.split('\\n').length > n + 10", arg=seen)
    expect(page.locator("#page")).not_to_contain_text("null")
    expect(page.locator("#placement")).to_contain_text("local/")  # node names, not ids
    shot(page, output_dir, "job-detail", database_url)

    page.click("#cancel-job")
    drive(platform, lambda: member.job("acme", train["id"])["state"] == "cancelled")
    expect(page.locator("#job-head .badge").first).to_have_text("cancelled")  # the page refreshed by itself
    expect(page.locator("#cancel-job")).to_have_count(0)

    page.goto(f"{platform.url}/#tenant=acme&page=jobs&job={failing['id']}")
    expect(page.locator("#log")).to_contain_text("CUDA error: out of memory")
    expect(page.locator("#job-head")).to_contain_text("exit code3")

    # Bad links get a clear banner, never a blank page.
    page.goto(f"{platform.url}/#tenant=acme&page=jobs&job=job_nope")
    expect(page.locator("#banner")).to_contain_text("job_nope")
    page.goto(f"{platform.url}/#tenant=acme&page=nothing-here")
    expect(page.locator("#banner")).to_contain_text("no page nothing-here")
    expect(page.locator("#tab-overview")).to_have_class("tab active")
    page.close()
