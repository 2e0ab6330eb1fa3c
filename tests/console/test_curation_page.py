"""Curations in the console, in headless Chromium on a real server: a member picks a built-in recipe and starts
a curation of a dataset version, follows its progress bar while the server's curation controller runs it,
cancels it, starts another that finishes, and follows the result to the version it made and its report."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect
from tests.api.helpers import make_tenant
from tests.console.helpers import drive, open_console, shot
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)
from tests.console.test_data_pages import corpus

from suanli.client import Client
from suanli.data.datasets import curation_controller, curation_run
from suanli.data.datasets.curation_controller import CurationController
from suanli.data.runners import local

pytestmark = pytest.mark.browser


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every curation after its first shard until the test sets the event.

    The real runner curates the real corpus; the hold only keeps a run in ``running`` while the browser looks
    at it (a 12-document corpus is otherwise done in well under a second). Shards of 3 documents make the
    run several shards long, and progress is written after every shard.
    """
    event = threading.Event()
    real = local.run

    def held_run(*args: Any, on_progress: Callable[[local.Progress], None], **kwargs: Any) -> dict[str, Any]:
        def report(p: local.Progress) -> None:
            on_progress(p)
            if p.shards_done == 1:
                event.wait(60)

        return real(*args, on_progress=report, **kwargs)

    monkeypatch.setattr(local, "run", held_run)
    monkeypatch.setattr(curation_run, "SHARD_DOCS", 3)
    monkeypatch.setattr(curation_controller, "PROGRESS_INTERVAL_S", 0.0)
    yield event
    event.set()  # never leave a server thread waiting


def controller(platform: Any) -> CurationController:
    found = [c for c in platform.runner.controllers if isinstance(c, CurationController)]
    assert len(found) == 1
    return found[0]


def test_start_follow_cancel_and_finish_a_curation(platform, browser: Browser, output_dir: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                                   database_url: str, tmp_path: Path, gate: threading.Event) -> None:
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    member.create_dataset("acme", "zh-news", description="新闻语料 · crawled news, uncleaned")
    member.upload_dataset("acme", "zh-news", [corpus(tmp_path / "news.jsonl")], message="first crawl")
    recipes = httpx.get(f"{platform.url}/api/v1/recipes", headers={"Authorization": f"Bearer {actors['viewer'].token}"})
    assert recipes.status_code == 200, recipes.text
    builtin = {r["name"]: r for r in recipes.json()}
    assert {"zh-web", "zh-dedup", "zh-repair", "en-web"} <= set(builtin)
    assert httpx.get(f"{platform.url}/api/v1/recipes").status_code == 401

    # A viewer sees the (empty) list but no form: the API would refuse a viewer's curation.
    page = open_console(browser, platform.url, actors["viewer"].token, "tenant=acme&page=datasets&dataset=zh-news")
    expect(page.locator("#curations")).to_contain_text("no curations yet")
    expect(page.locator("#curate-form")).to_have_count(0)
    page.close()

    page = open_console(browser, platform.url, actors["member"].token, "tenant=acme&page=datasets&dataset=zh-news",
                        height=1100)
    expect(page.locator("#curate-recipe option")).to_have_text(sorted(builtin))
    expect(page.locator("#curate-version option")).to_have_text(["v1"])
    page.select_option("#curate-recipe", "zh-dedup")
    expect(page.locator("#curate-about")).to_contain_text(" → ".join(builtin["zh-dedup"]["steps"]))
    page.click("#curate-start")

    def first_shard_done() -> dict[str, Any] | None:
        items = member.curations("acme", "zh-news")
        return items[0] if items and items[0]["progress"].get("shards_done") == 1 else None

    held = drive(platform, first_shard_done)  # the controller starts it; the gate holds it after shard 1
    assert (held["status"], held["recipe"], held["source_version"]) == ("running", "zh-dedup", 1)
    progress = held["progress"]
    assert 0 < progress["input_bytes"] <= progress["input_total"]  # bytes of the compressed export read so far
    row = page.locator(f"#curations tr[data-curation='{held['id']}']")
    expect(row).to_have_attribute("data-status", "running")
    expect(row.locator(".badge")).to_have_text("running")
    pct = math.floor(100 * progress["input_bytes"] / progress["input_total"])
    expect(row.locator(".progress-label")).to_contain_text(f"{pct}% · ")
    expect(row.locator(".progress-label")).to_contain_text("1 shard done · 3 → ")
    expect(row.locator("[role=progressbar]")).to_have_attribute(
        "aria-valuenow", str(round(100 * progress["input_bytes"] / progress["input_total"])))
    width = row.locator(".bar-fill").evaluate("e => parseFloat(e.style.width)")
    assert abs(width - 100 * progress["input_bytes"] / progress["input_total"]) < 0.01
    shot(page, output_dir, "curation-running", database_url)

    row.locator("button[data-cancel]").click()
    expect(row).to_contain_text("cancelling…")
    assert member.curation("acme", "zh-news", held["id"])["cancel_requested"] is True
    gate.set()  # the run goes on to its next shard, where it sees the cancel
    ctl = controller(platform)

    def finished(job_id: str) -> Callable[[], dict[str, Any] | None]:
        def check() -> dict[str, Any] | None:
            ctl.wait(job_id, timeout=1.0)
            shown: dict[str, Any] = member.curation("acme", "zh-news", job_id)
            return shown if shown["status"] not in ("queued", "running") else None
        return check

    assert drive(platform, finished(held["id"]))["status"] == "cancelled"
    expect(row).to_have_attribute("data-status", "cancelled")
    expect(row.locator(".badge")).to_have_text("cancelled")
    expect(row.locator("button[data-cancel]")).to_have_count(0)
    expect(row.locator(".progress.stopped .progress-label")).to_contain_text("cancelled at ")

    # Another, with zh-web: it runs to the end and commits version 2.
    page.select_option("#curate-recipe", "zh-web")
    page.click("#curate-start")
    expect(page.locator("#curations tbody tr")).to_have_count(2)
    second = member.curations("acme", "zh-news")
    newest = max(second, key=lambda c: c["created_at"])
    done = drive(platform, finished(newest["id"]))
    assert (done["status"], done["result_version"]) == ("succeeded", 2), done
    row = page.locator(f"#curations tr[data-curation='{done['id']}']")
    expect(row).to_have_attribute("data-status", "succeeded")
    expect(row.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    expect(row).to_contain_text(f"{done['progress']['docs_out']} of {done['progress']['docs_in']} documents kept")
    expect(page.locator("#curate-version option")).to_have_text(["v2", "v1"])  # the new version can be curated too
    expect(page.locator("svg.lineage .vbox")).to_have_count(2)
    shot(page, output_dir, "curation-done", database_url)

    row.locator("a.result").click()
    expect(page).to_have_url(f"{platform.url}/#tenant=acme&page=datasets&dataset=zh-news&version=2")
    report = member.curation_report("acme", "zh-news", done["id"])
    expect(page.locator("#report .step")).to_have_count(len(report["steps"]))
    expect(page.locator("#report")).to_contain_text(f"documents out{report['docs_out']}")

    # A refused start says why in the banner (a recipe that is not built in, sent by a stale page).
    page.evaluate("() => { const o = document.createElement('option'); o.value = '/etc/passwd'; o.text = 'x';"
                  " document.querySelector('#curate-recipe').append(o); }")
    page.select_option("#curate-recipe", "/etc/passwd")
    page.click("#curate-start")
    expect(page.locator("#banner")).to_contain_text("built-in")
    assert len(member.curations("acme", "zh-news")) == 2
    page.close()
