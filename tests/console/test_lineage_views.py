"""Classification and lineage in the console, in headless Chromium on a real server: a job that mounts a dataset
version and registers its output as a model version links to both; a tenant admin raises the dataset's label
in the page and the job that mounts it is raised with it; a job whose output was not registered says why."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from tests.api.helpers import make_tenant
from tests.console.helpers import drive, open_console, shot
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)

from suanli.client import Client

pytestmark = pytest.mark.browser

WRITE = """
import json, os, pathlib
out = pathlib.Path(os.environ["SUANLI_OUTPUT_DIR"])
out.mkdir(parents=True, exist_ok=True)
(out / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "n_positions": 64}))
(out / "weights.bin").write_bytes(b"w" * 1000)
print("wrote a GPT-2 shaped model to", out)
"""


@pytest.fixture(autouse=True)
def fake_accelerators(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "nvidia-h100:2")
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")
    yield


def settled(member: Client, job_id: str) -> Any:
    """A finished job whose output is registered or refused."""
    def check() -> dict[str, Any] | None:
        job = member.job("acme", job_id)
        if job["state"] in ("failed", "cancelled"):
            raise AssertionError(member.job_logs("acme", job_id)["data"])
        return job if job["state"] == "succeeded" and (job["output_version_id"] or job["output_error"]) else None
    return check


def test_classification_mounts_and_outputs(platform, browser: Browser, output_dir: Path, database_url: str,  # type: ignore[no-untyped-def]  # noqa: F811
                                           tmp_path: Path) -> None:
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in ("你好", "算力")))
    member.create_dataset("acme", "news", description="customer letters")
    member.upload_dataset("acme", "news", [corpus])
    member.upload_dataset("acme", "news", [corpus], message="again")
    trained = member.submit_job("acme", command=[sys.executable, "-c", WRITE], datasets=["news@1"],
                                output_model="tiny", name="train-tiny")
    empty = member.submit_job("acme", command=["true"], output_model="tiny", name="writes-nothing")
    trained = drive(platform, settled(member, trained["id"]), timeout=60)
    empty = drive(platform, settled(member, empty["id"]), timeout=60)
    assert trained["output_error"] is None and trained["classification"] == "public"
    version = member.model_version("acme", "tiny")
    assert version["id"] == trained["output_version_id"] and version["number"] == 1

    # A viewer sees the label, and no way to change it.
    page = open_console(browser, platform.url, actors["viewer"].token, "tenant=acme&page=datasets&dataset=news")
    expect(page.locator("#dataset-head .badge.cls")).to_have_text("public")
    expect(page.locator("#classify-raise")).to_have_count(0)
    page.close()

    page = open_console(browser, platform.url, actors["tenant-admin"].token, "tenant=acme&page=datasets&dataset=news")
    expect(page.locator("#classify-level option")).to_have_text(["internal", "important", "core"])
    page.select_option("#classify-level", "important")
    page.click("#classify-raise")
    expect(page.locator("#dataset-head .badge.cls")).to_have_text("important")
    expect(page.locator("#dataset-head .badge.cls")).to_have_class("badge cls cls-important")
    expect(page.locator("#classify-level option")).to_have_text(["core"])  # raised, never lowered
    assert member.dataset("acme", "news")["classification"] == "important"
    assert member.job("acme", trained["id"])["classification"] == "important"  # along lineage
    assert member.job("acme", empty["id"])["classification"] == "public"
    shot(page, output_dir, "dataset-classified", database_url)
    page.click("a:text-is('Datasets')")
    expect(page.locator("#datasets tr", has_text="news").locator(".badge.cls")).to_have_text("important")

    # The jobs list carries each job's label; the job's page links its mount and its model version.
    page.click("#tab-jobs")
    expect(page.locator(f"#jobs tr[data-job='{trained['id']}'] .badge.cls")).to_have_text("important")
    expect(page.locator(f"#jobs tr[data-job='{empty['id']}'] .badge.cls")).to_have_text("public")
    page.click(f"a:text-is('{trained['id']}')")
    expect(page.locator("#job-head .badge.cls")).to_have_text("important")
    mount = page.locator("#job-datasets a", has_text="news@1")
    expect(mount).to_have_attribute("href", "#tenant=acme&page=datasets&dataset=news&version=1")
    made = page.locator("#job-output a.output-version")
    expect(made).to_have_text("tiny v1")
    expect(page.locator("#job-output")).to_contain_text(version["id"])
    shot(page, output_dir, "job-lineage", database_url)
    made.click()
    expect(page).to_have_url(f"{platform.url}/#tenant=acme&page=models&model=tiny&version=1")
    expect(page.locator("#model-version-1")).to_have_class("version-block on")
    expect(page.locator("#model-version-1 .chain")).to_contain_text(trained["id"])
    page.go_back()
    expect(page.locator("#job-datasets")).to_be_visible()
    mount.click()
    expect(page.locator("#version")).to_contain_text("2")  # documents of version 1
    expect(page).to_have_url(f"{platform.url}/#tenant=acme&page=datasets&dataset=news&version=1")

    page.goto(f"{platform.url}/#tenant=acme&page=jobs&job={empty['id']}")
    expect(page.locator("#job-output")).to_have_class("callout bad")
    expect(page.locator("#job-output")).to_contain_text(f"Output not registered: {empty['output_error']}")
    expect(page.locator("#job-datasets")).to_have_count(0)
    page.close()
