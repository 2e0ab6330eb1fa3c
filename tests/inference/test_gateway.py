"""The /v1 gateway against mock upstreams: keys, errors, limits, retries, the wait queue, metering."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import select, update
from tests.api.helpers import Actor, make_tenant
from tests.conftest import free_port
from tests.inference.conftest import wait_until
from tests.inference.upstream import Upstream

from suanli.client import Client
from suanli.serving.gateway import Limits
from suanli.serving.gateway.limits import RateLimiter
from suanli.state.serving import Replica, UsageRecord


@pytest.fixture
def upstream() -> Any:
    with Upstream(free_port()) as u:
        yield u


@pytest.fixture
def tenants(platform) -> dict[str, dict[str, Actor]]:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token, retries=0)
    out = {name: make_tenant(admin, platform.url, name) for name in ("alpha", "beta")}
    platform.runner.run_pass()
    return out


def external(
    platform,
    member: Actor,
    upstream: Upstream,
    name: str = "chat",
    replicas: int = 1,  # type: ignore[no-untyped-def]
    low: int | None = None,
) -> dict[str, Any]:
    """An external deployment of ``member``'s tenant on the mock upstream, converged and visible."""
    c = member.client(platform.url)
    d = c.deploy(
        member.tenant,
        name,
        engine="external",
        engine_options={"url": upstream.url + "/v1", "model": "up"},
        regions={"local": {"min_replicas": replicas if low is None else low, "max_replicas": replicas}},
    )
    platform.runner.run_pass()
    platform.app.state.gateway.table.reload()
    return d


def usage_rows(platform) -> list[UsageRecord]:  # type: ignore[no-untyped-def]
    platform.app.state.gateway.flush()
    with platform.db.session() as s:
        return list(s.scalars(select(UsageRecord).order_by(UsageRecord.at)).all())


def test_openai_client_streamed_and_not_with_metering(platform, tenants, upstream) -> None:  # type: ignore[no-untyped-def]
    member = tenants["alpha"]["member"]
    external(platform, member, upstream)
    client = openai.OpenAI(base_url=f"{platform.url}/v1", api_key=member.token, max_retries=0)
    chat = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}])
    assert chat.choices[0].message.content == "tok" * 5
    assert upstream.seen[-1]["model"] == "up"  # the external engine's own model name
    chunks = list(
        client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}], stream=True)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "tok" * 5
    assert all(c.usage is None for c in chunks)  # not asked for: the gateway asked upstream and kept it
    assert upstream.seen[-1]["stream_options"] == {"include_usage": True}
    with_usage = list(
        client.completions.create(model="chat", prompt="x", stream=True, stream_options={"include_usage": True})
    )
    assert with_usage[-1].usage is not None and with_usage[-1].usage.completion_tokens == 5
    assert [m.id for m in client.models.list()] == ["chat"]
    rows = usage_rows(platform)
    assert [(r.endpoint, r.streamed, r.prompt_tokens, r.completion_tokens, r.counted_by) for r in rows] == [
        ("chat.completions", False, 7, 5, "upstream"),
        ("chat.completions", True, 7, 5, "upstream"),
        ("completions", True, 7, 5, "upstream"),
    ]
    me = member.client(platform.url).me()
    assert {r.tenant_id for r in rows} == {me["tenant_id"]} and {r.key_id for r in rows} == {me["key_id"]}
    assert len({r.request_id for r in rows}) == 3


def test_tokens_are_counted_locally_when_the_upstream_reports_none(platform, tenants) -> None:  # type: ignore[no-untyped-def]
    member = tenants["alpha"]["member"]
    with Upstream(free_port(), usage=False, tokens=3) as quiet:
        external(platform, member, quiet)
        client = openai.OpenAI(base_url=f"{platform.url}/v1", api_key=member.token, max_retries=0)
        list(
            client.chat.completions.create(
                model="chat", messages=[{"role": "user", "content": "12345678"}], stream=True
            )
        )
    (row,) = usage_rows(platform)
    assert (row.counted_by, row.prompt_tokens, row.completion_tokens) == ("gateway", 2, 3)


def test_embeddings_through_the_gateway_are_metered(platform, tenants) -> None:  # type: ignore[no-untyped-def]
    member = tenants["alpha"]["member"]
    client = openai.OpenAI(base_url=f"{platform.url}/v1", api_key=member.token, max_retries=0)
    with Upstream(free_port()) as reporting:
        external(platform, member, reporting)
        answer = client.embeddings.create(model="chat", input=["a", "b"], encoding_format="float")
        assert [e.embedding for e in answer.data] == [[1.0, 0.0], [1.0, 0.0]]
        assert reporting.seen[-1]["model"] == "up" and "stream_options" not in reporting.seen[-1]
    with Upstream(free_port(), usage=False) as quiet:
        external(platform, member, quiet, name="quiet")
        client.embeddings.create(model="quiet", input="12345678", encoding_format="float")
    rows = usage_rows(platform)
    assert [(r.model, r.endpoint, r.streamed, r.prompt_tokens, r.completion_tokens, r.counted_by) for r in rows] == [
        ("chat", "embeddings", False, 7, 0, "upstream"),
        ("quiet", "embeddings", False, 2, 0, "gateway"),
    ]
    beta = openai.OpenAI(base_url=f"{platform.url}/v1", api_key=tenants["beta"]["member"].token, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        beta.embeddings.create(model="chat", input="x")


def test_errors_are_openai_shaped(platform, tenants, upstream) -> None:  # type: ignore[no-untyped-def]
    external(platform, tenants["alpha"]["member"], upstream)
    url = f"{platform.url}/v1/chat/completions"
    body = {"model": "chat", "messages": [{"role": "user", "content": "x"}]}
    r = httpx.post(url, json=body)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = httpx.post(url, json=body, headers={"Authorization": "Bearer sl-nope"})
    assert r.status_code == 401 and set(r.json()["error"]) == {"message", "type", "param", "code"}
    beta = openai.OpenAI(base_url=f"{platform.url}/v1", api_key=tenants["beta"]["member"].token, max_retries=0)
    with pytest.raises(openai.NotFoundError) as missing:
        beta.chat.completions.create(**body)  # type: ignore[call-overload]
    assert missing.value.code == "model_not_found"  # alpha's model does not exist for beta
    assert beta.models.list().data == []
    alpha = {"Authorization": f"Bearer {tenants['alpha']['member'].token}"}
    assert httpx.post(url, content=b"{not json", headers=alpha).json()["error"]["code"] == "invalid_json"
    assert httpx.post(url, json={"messages": []}, headers=alpha).json()["error"]["param"] == "model"
    assert httpx.get(url, headers=alpha).status_code == 405
    assert httpx.post(f"{platform.url}/v1/nothing", json=body, headers=alpha).status_code == 404
    assert httpx.get(f"{platform.url}/v1/embeddings", headers=alpha).status_code == 405


def test_rate_limits_answer_429_with_headers(platform, tenants, upstream) -> None:  # type: ignore[no-untyped-def]
    member = tenants["alpha"]["member"]
    external(platform, member, upstream)
    gateway = platform.app.state.gateway
    gateway.limiter = RateLimiter(Limits(key_rpm=2, key_tpm=1000, tenant_rpm=100, tenant_tpm=0))
    body = {"model": "chat", "messages": [{"role": "user", "content": "x"}]}
    headers = {"Authorization": f"Bearer {member.token}"}
    first = httpx.post(f"{platform.url}/v1/chat/completions", json=body, headers=headers)
    assert first.status_code == 200
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert first.headers["x-ratelimit-limit-tokens"] == "1000"
    httpx.post(f"{platform.url}/v1/chat/completions", json=body, headers=headers)
    third = httpx.post(f"{platform.url}/v1/chat/completions", json=body, headers=headers)
    assert third.status_code == 429 and third.json()["error"]["code"] == "rate_limit_exceeded"
    assert int(third.headers["retry-after"]) >= 1 and third.headers["x-ratelimit-remaining-requests"] == "0"
    # Another key of the same tenant has its own request budget.
    other = Client(platform.url, platform.admin_token).create_key("alpha", user=tenants["alpha"]["viewer"].user)
    r = httpx.post(
        f"{platform.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {other['token']}"}
    )
    assert r.status_code == 200
    assert len(usage_rows(platform)) == 3  # refused requests are not metered


def test_a_dead_replica_is_retried_elsewhere_before_the_first_byte(platform, tenants, upstream) -> None:  # type: ignore[no-untyped-def]
    member = tenants["alpha"]["member"]
    d = external(platform, member, upstream, replicas=2)
    with platform.db.session() as s:
        first = s.scalars(select(Replica).where(Replica.deployment_id == d["id"]).order_by(Replica.id)).first()
        assert first is not None
        s.execute(update(Replica).where(Replica.id == first.id).values(url=f"http://127.0.0.1:{free_port()}"))
    platform.app.state.gateway.table.reload()
    client = openai.OpenAI(base_url=f"{platform.url}/v1", api_key=member.token, max_retries=0)
    for _ in range(6):
        assert client.completions.create(model="chat", prompt="x").choices[0].text == "tok" * 5
    assert len(upstream.seen) == 6
    assert {r.replica_id for r in usage_rows(platform)} != {first.id}


def test_requests_wait_while_a_deployment_scales_from_zero(platform, tenants, upstream) -> None:  # type: ignore[no-untyped-def]
    member = tenants["alpha"]["member"]
    d = external(platform, member, upstream, replicas=1, low=0)
    assert Client(platform.url, member.token).deployment("alpha", "chat")["replicas"] == []
    client = openai.OpenAI(base_url=f"{platform.url}/v1", api_key=member.token, max_retries=0)
    answers: list[str] = []
    waiting = threading.Thread(
        target=lambda: answers.append(client.completions.create(model="chat", prompt="x").choices[0].text or "")
    )
    waiting.start()
    # The queued request is a load sample: the autoscaler core asks for a replica, the controller starts it.
    wait_until(lambda: not waiting.is_alive(), timeout_s=30, every_s=0.2, step=platform.runner.run_pass)
    assert answers == ["tok" * 5]
    shown = Client(platform.url, member.token).deployment("alpha", "chat")
    assert [r["state"] for r in shown["replicas"]] == ["ready"]
    assert shown["autoscaling"]["local"]["desired"] == 1
    assert d["regions"]["local"]["min_replicas"] == 0


def test_a_full_wait_queue_sheds_load_with_503(platform, tenants, upstream) -> None:  # type: ignore[no-untyped-def]
    member = tenants["alpha"]["member"]
    external(platform, member, upstream, replicas=1, low=0)
    gateway = platform.app.state.gateway
    gateway.config = dataclasses.replace(gateway.config, queue_capacity=0)
    r = httpx.post(
        f"{platform.url}/v1/completions",
        json={"model": "chat", "prompt": "x"},
        headers={"Authorization": f"Bearer {member.token}"},
    )
    assert r.status_code == 503 and r.json()["error"]["code"] == "overloaded" and r.headers["retry-after"]
