"""Deployments of a real tinygpt model on local worker processes: start, serve through the gateway with the
``openai`` client, restart a crashed replica, scale out and in with draining, roll out a version with no
failed request, delete. SQLite only: the controller's SQL is covered on both backends by test_gateway."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import openai
import pytest
from sqlalchemy import select
from tests.api.helpers import make_tenant
from tests.inference.conftest import wait_until

from suanli.client import Client
from suanli.core.errors import Conflict, InvalidInput
from suanli.serving.gateway import Limits
from suanli.serving.gateway.limits import RateLimiter
from suanli.state.serving import UsageRecord

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def replicas(c: Client, states: tuple[str, ...] = ("starting", "ready", "draining")) -> list[dict[str, Any]]:
    return [r for r in c.deployment("acme", "tiny")["replicas"] if r["state"] in states]


def converge(platform: Any, c: Client, ready: int, version: str | None = None, timeout_s: float = 120) -> None:
    """Run controller passes until exactly ``ready`` replicas (of ``version``) are ready and none other lives."""

    def done() -> bool:
        live = replicas(c)
        good = [r for r in live if r["state"] == "ready" and (version is None or r["model_version_id"] == version)]
        return len(good) == ready == len(live)

    wait_until(done, timeout_s=timeout_s, every_s=0.3, step=platform.runner.run_pass)
    platform.app.state.gateway.table.reload()


def test_lifecycle_of_a_deployment(platform: Any, tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    admin = Client(platform.url, platform.admin_token, retries=0)
    member = make_tenant(admin, platform.url, "acme")["member"]
    platform.runner.run_pass()
    c = member.client(platform.url)
    c.create_model("acme", "tiny")
    v1 = c.upload_model("acme", "tiny", tiny_model, training_job_id="job_t")
    assert v1["dataset_version"] == "demo@v1" and v1["architecture"] == "GPT2LMHeadModel"
    with pytest.raises(InvalidInput, match="min_replicas"):
        c.deploy("acme", "tiny", model="tiny", regions={"local": {"min_replicas": 3, "max_replicas": 2}})
    c.deploy(
        "acme", "tiny", model="tiny", regions={"local": {"min_replicas": 1, "max_replicas": 1}}, slots_per_replica=2
    )
    with pytest.raises(Conflict):
        c.deploy("acme", "tiny", model="tiny")
    converge(platform, c, 1, v1["id"])

    client = openai.OpenAI(base_url=f"{platform.url}/v1", api_key=member.token, max_retries=0)
    platform.app.state.gateway.limiter = RateLimiter(Limits(0, 0, 0, 0))  # the rollout's traffic is not metered out
    # The same seed samples the same tokens, streamed or not (the model is random enough to stop at once).
    chat = client.chat.completions.create(
        model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=4, seed=7
    )
    assert chat.usage is not None and chat.usage.completion_tokens <= 4
    streamed = list(
        client.chat.completions.create(
            model="tiny",
            messages=[{"role": "user", "content": "hi"}],
            max_tokens=4,
            seed=7,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert streamed[-1].usage is not None and streamed[-1].usage.completion_tokens == chat.usage.completion_tokens
    # Embeddings of the real worker through the gateway, metered like chat (prompt tokens only).
    vectors = client.embeddings.create(model="tiny", input=["你好", "hello", "你好"])
    assert [e.index for e in vectors.data] == [0, 1, 2] and len(vectors.data[0].embedding) == 32
    assert vectors.data[0].embedding == vectors.data[2].embedding != vectors.data[1].embedding
    assert vectors.usage.prompt_tokens == len("你好hello你好".encode())  # the bytes tokenizer: a token a byte
    platform.app.state.gateway.flush()
    with platform.db.session() as s:
        (row,) = s.scalars(select(UsageRecord).where(UsageRecord.endpoint == "embeddings")).all()
    assert (row.prompt_tokens, row.completion_tokens, row.counted_by) == (17, 0, "upstream")

    # A crashed replica is restarted in place.
    (first,) = replicas(c)
    os.kill(_pid(platform, first["id"]), signal.SIGKILL)
    wait_until(lambda: replicas(c)[0]["restarts"] == 1, timeout_s=30, every_s=0.2, step=platform.runner.run_pass)
    assert "exited" in replicas(c)[0]["message"]
    converge(platform, c, 1)

    # Scale out, then roll out v2 under load: new replicas first, old ones drained; no request fails.
    c.update_deployment("acme", "tiny", regions={"local": {"min_replicas": 2, "max_replicas": 2}})
    converge(platform, c, 2, v1["id"])
    v2 = c.upload_model("acme", "tiny", tiny_model)
    failures: list[str] = []
    served = [0]
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            try:
                client.completions.create(model="tiny", prompt="x", max_tokens=2)
                served[0] += 1
            except openai.OpenAIError as exc:
                failures.append(repr(exc))

    load = threading.Thread(target=traffic)
    load.start()
    try:
        c.update_deployment("acme", "tiny", version="2")
        converge(platform, c, 2, v2["id"])
    finally:
        stop.set()
        load.join(30)
    assert failures == [] and served[0] > 0
    stopped = [r for r in c.deployment("acme", "tiny")["replicas"] if r["model_version_id"] == v1["id"]]
    assert stopped == []  # the listing shows live replicas only: every v1 replica was drained and stopped

    # Scale in: one replica drains, then stops.
    c.update_deployment("acme", "tiny", regions={"local": {"min_replicas": 1, "max_replicas": 1}})
    platform.runner.run_pass()
    assert sorted(r["state"] for r in replicas(c)) == ["draining", "ready"]
    converge(platform, c, 1, v2["id"])

    c.delete_deployment("acme", "tiny")
    wait_until(lambda: c.deployments("acme") == [], timeout_s=30, every_s=0.2, step=platform.runner.run_pass)
    platform.app.state.gateway.table.reload()
    assert [m.id for m in client.models.list()] == []


def _pid(platform: Any, replica_id: str) -> int:
    from suanli.state.serving import Replica

    with platform.db.session() as s:
        row = s.get(Replica, replica_id)
        assert row is not None and row.pid is not None
        return row.pid
