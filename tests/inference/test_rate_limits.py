"""Per-tenant gateway rate limits: edited through the REST API and the CLI, enforced live by the gateway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from tests.api.helpers import make_tenant
from tests.conftest import free_port
from tests.inference.conftest import wait_until
from tests.inference.upstream import Upstream
from tests.polling import until

from suanli.client import Client
from suanli.core.errors import NotFound
from suanli.serving.gateway.limits import Count, Limits, RateLimiter, merged


def test_a_tenants_limits_override_the_defaults_field_by_field() -> None:
    defaults = Limits(600, 200_000, 3_000, 1_000_000)
    assert merged(defaults, None) == defaults
    assert merged(defaults, (5, None, 0, None)) == Limits(5, 200_000, 0, 1_000_000)
    limiter = RateLimiter(defaults)
    limiter.override({"t1": (1, None, None, None)})
    assert limiter.check("k", "t1", 0.0).allowed and not limiter.check("k", "t1", 0.1).allowed
    assert limiter.check("k2", "t2", 0.2).allowed and limiter.check("k2", "t2", 0.3).allowed  # others: defaults
    limiter.override({})  # dropped: the defaults apply again, the window keeps its count
    assert limiter.check("k", "t1", 0.4).allowed


def test_gateways_add_up_each_others_counts() -> None:
    """Two limiters that exchange counts keep one limit between them, across a minute's turn too."""
    limits = Limits(key_rpm=3, key_tpm=0, tenant_rpm=0, tenant_tpm=0)
    here, there = RateLimiter(limits), RateLimiter(limits)
    now = 600.0  # the start of minute 10
    assert here.check("k", "t", now).allowed and here.check("k", "t", now).allowed
    sent = here.counted()
    assert sent == [Count("requests", "k:k", 10, 2)]
    assert here.counted() == []  # nothing new since
    here.unsent(sent)  # the write failed: sent again next time
    assert here.counted() == sent
    there.absorb(sent, now)
    assert there.check("k", "t", now).allowed
    refused = there.check("k", "t", now)
    assert not refused.allowed and refused.retry_after_s > 0
    assert there.check("other", "t", now).allowed  # another key has its own window
    # A minute later the others' count is the previous bucket's, weighted by what is left of it.
    there.absorb(sent, now + 60)  # the exchange still sees minute 10's rows
    assert there.limits_for("t").key_rpm == 3
    assert not there.check("k", "t", now + 61).allowed  # 2 + 1 of minute 10, 59/60 of them still count
    assert there.check("k", "t", now + 100).allowed
    there.absorb([], now + 100)  # the rows aged out: only the own count is left
    assert there.counted() == [Count("requests", "k:k", 11, 1), Count("requests", "k:k", 10, 1),
                                        Count("requests", "k:other", 10, 1)]


def test_two_gateway_processes_keep_one_limit(platform: Any) -> None:
    """The server's gateway and a ``suanli gateway`` process on the same database: 4 requests a minute
    for the key, wherever they arrive."""
    admin = Client(platform.url, platform.admin_token, retries=0)
    alpha = make_tenant(admin, platform.url, "alpha")
    platform.runner.run_pass()
    member = alpha["member"]
    admin.set_rate_limits("alpha", key_rpm=4, key_tpm=0, tenant_rpm=0, tenant_tpm=0)
    port = free_port()
    edge_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SUANLI_DATABASE_URL": platform.db.url, "SUANLI_HOME": str(platform.home)}
    with Upstream(free_port()) as upstream:
        member.client(platform.url).deploy(
            "alpha", "chat", engine="external", engine_options={"url": upstream.url + "/v1", "model": "up"},
            regions={"local": {"min_replicas": 1, "max_replicas": 1}},
        )
        platform.runner.run_pass()
        platform.app.state.gateway.reload()
        edge = subprocess.Popen([sys.executable, "-m", "suanli.cli", "gateway", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            headers = {"Authorization": f"Bearer {member.token}"}
            wait_until(lambda: _answers(edge_url + "/v1/models", headers), 60)

            def call(url: str) -> httpx.Response:
                return httpx.post(f"{url}/v1/completions", json={"model": "chat", "prompt": "x"}, headers=headers,
                                  timeout=30)

            assert [call(platform.url).status_code for _ in range(2)] == [200, 200]
            _until_counted(platform, 2)
            time.sleep(3.0)  # the edge reads the shared counts every half second: six rounds
            answers = [call(edge_url) for _ in range(3)]
            assert [a.status_code for a in answers] == [200, 200, 429], [a.text for a in answers]
            assert answers[1].headers["x-ratelimit-remaining-requests"] == "0"
            _until_counted(platform, 4, edge=True)
            assert call(platform.url).status_code == 429  # the edge's two count here too
        finally:
            edge.terminate()
            _, err = edge.communicate(timeout=30)
        assert b"Traceback" not in err, err.decode()[-2000:]


def _answers(url: str, headers: dict[str, str]) -> bool:
    try:
        return httpx.get(url, headers=headers, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _until_counted(platform: Any, amount: int, edge: bool = False) -> None:
    seen: list[Any] = []
    try:
        until(lambda: _counted(platform, amount, edge, seen), 20)
    except AssertionError:
        raise AssertionError(f"shared counts (rows, seen by the server, time): {seen}") from None


def _counted(platform: Any, amount: int, edge: bool, seen: list[Any]) -> bool:
    """Whether the gateways' shared counts show ``amount`` requests of API keys in the last two minutes
    (a minute may turn during the test); ``edge``: and the server's gateway has read the other's two.
    What was seen goes to ``seen``."""
    from sqlalchemy import select

    from suanli.state.serving import GatewayWindow

    with platform.db.read_session() as s:
        rows = s.execute(select(GatewayWindow.gateway, GatewayWindow.scope, GatewayWindow.minute,
                                GatewayWindow.amount).where(GatewayWindow.kind == "requests")).all()
    total = sum(n for _, scope, minute, n in rows
                if scope.startswith("k:") and minute >= int(time.time() // 60) - 1)
    windows = platform.app.state.gateway.limiter._requests.items()
    elsewhere = sum(w.elsewhere[1] + w.elsewhere[2] for scope, w in windows if scope.startswith("k:"))
    seen[:] = [rows, elsewhere, time.time()]  # for the failure message
    return total == amount and (not edge or elsewhere == 2)


def test_limits_are_edited_through_the_api_and_enforced_live(platform: Any) -> None:
    admin = Client(platform.url, platform.admin_token, retries=0)
    alpha, beta = make_tenant(admin, platform.url, "alpha"), make_tenant(admin, platform.url, "beta")
    platform.runner.run_pass()
    member = alpha["member"]
    gateway = platform.app.state.gateway
    gateway.limiter = RateLimiter(Limits(key_rpm=100, key_tpm=0, tenant_rpm=100, tenant_tpm=0))
    shown = member.client(platform.url).rate_limits("alpha")
    assert shown["limits"] == {"key_rpm": None, "key_tpm": None, "tenant_rpm": None, "tenant_tpm": None}
    assert shown["effective"]["key_rpm"] == 100

    with Upstream(free_port()) as upstream:
        member.client(platform.url).deploy(
            "alpha", "chat", engine="external", engine_options={"url": upstream.url + "/v1", "model": "up"},
            regions={"local": {"min_replicas": 1, "max_replicas": 1}},
        )
        platform.runner.run_pass()
        gateway.reload()
        body = {"model": "chat", "prompt": "x"}
        headers = {"Authorization": f"Bearer {member.token}"}

        def call() -> httpx.Response:
            return httpx.post(f"{platform.url}/v1/completions", json=body, headers=headers)

        assert call().headers["x-ratelimit-limit-requests"] == "100"
        view = admin.set_rate_limits("alpha", key_rpm=2, tenant_tpm=10_000)
        assert view["limits"]["key_rpm"] == 2 and view["limits"]["key_tpm"] is None
        assert view["effective"] == {"key_rpm": 2, "key_tpm": 0, "tenant_rpm": 100, "tenant_tpm": 10_000}
        # No restart: the gateway's background reload picks the row up within half a second.
        wait_until(lambda: gateway.limiter.limits_for(member_tenant_id(platform, member)).key_rpm == 2, 10)
        second = call()  # the first request of this minute already counts against the new limit
        assert second.status_code == 200 and second.headers["x-ratelimit-remaining-requests"] == "0"
        assert second.headers["x-ratelimit-limit-tokens"] == "10000"
        refused = call()
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limit_exceeded"
        admin.set_rate_limits("alpha", key_rpm=0)  # unlimited: admitted again, at once
        wait_until(lambda: call().status_code == 200, 10)
        assert admin.clear_rate_limits("alpha")["limits"]["key_rpm"] is None

    # Tenant-scoped: another tenant's member sees 404; a member may read but not write; nonsense is a 422.
    other = beta["member"].client(platform.url)
    for attempt in (lambda: other.rate_limits("alpha"), lambda: other.set_rate_limits("alpha", key_rpm=1)):
        with pytest.raises(NotFound):
            attempt()
    url = f"{platform.url}/api/v1/tenants/alpha/rate-limits"
    assert httpx.put(url, json={"key_rpm": 1}, headers=headers).status_code == 403
    root = {"Authorization": f"Bearer {platform.admin_token}"}
    for bad in ({"key_rpm": -1}, {"key_rpm": "many"}, {"key_rpm": 10**12}, {"rpm": 5}, {"key_rpm": 1.5}):
        r = httpx.put(url, json=bad, headers=root)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input", (bad, r.text)
    assert httpx.put(f"{platform.url}/api/v1/tenants/nobody/rate-limits", json={}, headers=root).status_code == 404
    assert admin.rate_limits("alpha")["limits"]["key_rpm"] is None  # the refused writes changed nothing
    actions = [e["action"] for e in admin.audit(limit=200)]
    assert actions.count("rate_limits.set") >= 2 and "rate_limits.clear" in actions


def member_tenant_id(platform: Any, member: Any) -> str:
    return str(member.client(platform.url).me()["tenant_id"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_rate_limit_commands(platform: Any) -> None:
    env = {**os.environ, "SUANLI_URL": platform.url, "SUANLI_TOKEN": platform.admin_token, "COLUMNS": "200"}

    def suanli(*args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "suanli.cli", *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if "--json" in args else done.stdout

    suanli("tenant", "create", "acme")
    set_ = suanli("rate-limit", "set", "-t", "acme", "--key-rpm", "30", "--tenant-tpm", "0", "--json")
    assert set_["limits"] == {"key_rpm": 30, "key_tpm": None, "tenant_rpm": None, "tenant_tpm": 0}
    again = suanli("rate-limit", "set", "-t", "acme", "--key-rpm", "-1", "--key-tpm", "500", "--json")
    assert again["limits"] == {"key_rpm": None, "key_tpm": 500, "tenant_rpm": None, "tenant_tpm": 0}  # others kept
    assert "unlimited" in suanli("rate-limit", "show", "-t", "acme")
    assert suanli("rate-limit", "clear", "-t", "acme", "--json")["limits"]["key_tpm"] is None
