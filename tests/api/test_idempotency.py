"""``Idempotency-Key``: a retried create never creates twice, even when retries race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from suanli.client import Client


@pytest.fixture
def http(platform):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=platform.url, headers={"Authorization": f"Bearer {platform.admin_token}"}) as c:
        yield c


def test_replay_returns_the_first_answer(http: httpx.Client, platform) -> None:  # type: ignore[no-untyped-def]
    first = http.post("/api/v1/tenants", json={"name": "acme"}, headers={"Idempotency-Key": "k1"})
    again = http.post("/api/v1/tenants", json={"name": "acme"}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert len(Client(platform.url, platform.admin_token).tenants()) == 2


def test_same_key_different_request_is_refused(http: httpx.Client) -> None:
    http.post("/api/v1/tenants", json={"name": "acme"}, headers={"Idempotency-Key": "k1"})
    r = http.post("/api/v1/tenants", json={"name": "other"}, headers={"Idempotency-Key": "k1"})
    assert r.status_code == 409 and "different request" in r.json()["error"]["message"]


def test_failed_creates_are_not_stored(http: httpx.Client) -> None:
    bad = http.post("/api/v1/tenants", json={"name": "Bad Name"}, headers={"Idempotency-Key": "k2"})
    assert bad.status_code == 422
    good = http.post("/api/v1/tenants", json={"name": "good"}, headers={"Idempotency-Key": "k2"})
    assert good.status_code == 201


def test_key_tokens_are_not_kept_for_replays(http: httpx.Client) -> None:
    first = http.post("/api/v1/tenants/admin/keys", json={"name": "ci"}, headers={"Idempotency-Key": "k3"})
    again = http.post("/api/v1/tenants/admin/keys", json={"name": "ci"}, headers={"Idempotency-Key": "k3"})
    assert first.json()["token"].startswith("sl-")
    assert again.json()["token"] is None and again.json()["id"] == first.json()["id"]


def test_racing_retries_create_once(platform) -> None:  # type: ignore[no-untyped-def]
    def post(_: int) -> httpx.Response:
        return httpx.post(f"{platform.url}/api/v1/tenants", json={"name": "race"},
                          headers={"Authorization": f"Bearer {platform.admin_token}", "Idempotency-Key": "same"})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(16)))
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    assert [t["name"] for t in Client(platform.url, platform.admin_token).tenants()].count("race") == 1
