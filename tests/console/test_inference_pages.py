"""The console's inference pages in headless Chromium: a model registered with its lineage, an external
deployment serving through the gateway (replicas, bounds, the autoscaler's target) and one scaled to zero."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from tests.api.helpers import make_tenant
from tests.conftest import free_port
from tests.console.helpers import drive, open_console, shot
from tests.console.test_console import browser  # noqa: F401  (the shared Chromium fixture)
from tests.inference.upstream import Upstream

from suanli.client import Client

pytestmark = pytest.mark.browser


def model_folder(path: Path) -> Path:
    """A Hugging Face folder's metadata files (the registry reads these; no weights are needed to list it)."""
    path.mkdir()
    config = {"architectures": ["Qwen2ForCausalLM"], "max_position_embeddings": 32768}
    (path / "config.json").write_text(json.dumps(config))
    (path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "Qwen2Tokenizer"}))
    (path / "suanli.json").write_text(json.dumps({"parameters": 494_032_768}))
    return path


def test_models_and_deployments(platform, browser: Browser, output_dir: Path, database_url: str,  # type: ignore[no-untyped-def]  # noqa: F811
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = Client(platform.url, platform.admin_token, retries=0)
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    job = member.submit_job("acme", command=[sys.executable, "-c", "print('trained')"], accelerators=1, name="sft")
    member.create_model("acme", "qwen-chat", description="客服对话模型 · customer-service chat")
    folder = model_folder(tmp_path / "model")
    member.upload_model("acme", "qwen-chat", folder, training_job_id=job["id"], dataset_version="zh-news@v2")
    member.upload_model("acme", "qwen-chat", folder, training_job_id=job["id"], dataset_version="zh-news@v3")

    with Upstream(free_port()) as upstream:
        member.deploy("acme", "chat-edge", engine="external",
                      engine_options={"url": upstream.url + "/v1", "model": "up"},
                      regions={"local": {"min_replicas": 1, "max_replicas": 3}})
        member.deploy("acme", "qwen-batch", model="qwen-chat",
                      regions={"local": {"min_replicas": 0, "max_replicas": 2}}, scale_to_zero_after_s=60)
        drive(platform, lambda: any(r["state"] == "ready" for r in member.deployment("acme", "chat-edge")["replicas"]))
        platform.app.state.gateway.table.reload()
        for _ in range(3):
            answer = httpx.post(f"{platform.url}/v1/chat/completions",
                                headers={"Authorization": f"Bearer {actors['member'].token}"},
                                json={"model": "chat-edge", "messages": [{"role": "user", "content": "你好"}]},
                                timeout=10)
            assert answer.status_code == 200, answer.text
        platform.runner.run_pass()

        page = open_console(browser, platform.url, actors["viewer"].token, "tenant=acme&page=models")
        expect(page.locator("#models tr", has_text="qwen-chat")).to_contain_text("Qwen2ForCausalLM")
        expect(page.locator("#models tr", has_text="qwen-chat")).to_contain_text("494.0 M")
        page.click("#models a:text-is('qwen-chat')")
        versions = page.locator("#model-versions .version-block")
        expect(versions).to_have_count(2)
        newest = versions.first
        expect(newest).to_contain_text("v2")
        expect(newest).to_contain_text("32,768 tokens")
        expect(newest.locator(".chain a", has_text="zh-news@v3")).to_have_attribute(
            "href", "#tenant=acme&page=datasets&dataset=zh-news&version=3")
        expect(newest.locator(".chain a", has_text=job["id"])).to_be_visible()
        shot(page, output_dir, "models", database_url)

        page.click("#tab-deployments")
        edge = page.locator("#deployment-chat-edge")
        expect(edge.locator(".badge").first).to_have_text("active")
        expect(edge.locator(".slot.ready")).to_have_count(1)
        expect(edge).to_contain_text("bounds 1..3")
        expect(edge).to_contain_text("target 1")
        expect(edge).to_contain_text("autoscaler:")
        batch = page.locator("#deployment-qwen-batch")
        expect(batch).to_contain_text("0 ready of 0")
        expect(batch.locator(".slot.ready")).to_have_count(0)
        expect(batch.locator("a", has_text="qwen-chat")).to_be_visible()
        expect(page.locator("#page")).not_to_contain_text("null")
        shot(page, output_dir, "deployments", database_url)

        page.click("#deployment-chat-edge h2 a")
        expect(page.locator("#replicas tbody tr")).to_have_count(1)
        expect(page.locator("#replicas")).to_contain_text(upstream.url)
    page.close()
