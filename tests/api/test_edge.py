"""The lean edge: cached key checks that still stop at once, and the audit event written with the work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.helpers import make_tenant

from suanli.client import Client
from suanli.core.errors import Forbidden, Unauthenticated
from suanli.state.db import Database
from suanli.tenancy.key_cache import VerifiedKeys


@pytest.fixture
def admin(platform: Any) -> Iterator[Client]:
    with Client(platform.url, platform.admin_token, retries=0) as c:
        yield c


def test_withdrawn_credentials_stop_at_once_though_the_key_was_cached(platform: Any, admin: Client) -> None:
    actors = make_tenant(admin, platform.url, "acme")
    member, viewer, tadmin = (actors[r].client(platform.url) for r in ("member", "viewer", "tenant-admin"))
    for c in (member, viewer, tadmin):
        assert c.me()["tenant"] == "acme"  # the keys are now in this server's cache
    assert len(platform.app.state.keys) >= 3

    member.submit_job("acme", command=["true"])
    admin.update_user("acme", actors["member"].user, role="viewer")  # a downgrade counts at once
    with pytest.raises(Forbidden):
        member.submit_job("acme", command=["true"])
    admin.update_user("acme", actors["member"].user, disabled=True)
    with pytest.raises(Unauthenticated, match="disabled"):
        member.me()

    key = tadmin.create_key("acme", name="spare")
    spare = Client(platform.url, key["token"], retries=0)
    gateway = httpx.Client(base_url=f"{platform.url}/v1", headers={"Authorization": f"Bearer {key['token']}"})
    assert spare.me()["tenant"] == "acme"
    assert gateway.get("/models").status_code == 200  # the OpenAI-compatible edge caches it too
    tadmin.revoke_key("acme", key["id"])
    with pytest.raises(Unauthenticated, match="revoked"):
        spare.me()
    assert gateway.get("/models").status_code == 401

    admin.update_tenant("acme", status="suspended")
    for c in (viewer, tadmin):
        with pytest.raises(Unauthenticated, match="suspended"):
            c.me()
    admin.update_tenant("acme", status="active")
    assert viewer.me()["tenant"] == "acme"


def test_another_server_on_the_same_database_sees_a_revocation_within_its_ttl(
    platform: Any, admin: Client, db: Database, tmp_path: Path,
) -> None:
    other = type(platform)(db, tmp_path / "other")
    other.app.state.keys = VerifiedKeys(ttl_s=0)  # the bound is the time-to-live: 0 makes it "at once"
    other.start()
    try:
        actors = make_tenant(admin, platform.url, "acme")
        token = actors["member"].token
        here, there = Client(platform.url, token, retries=0), Client(other.url, token, retries=0)
        assert here.me()["tenant"] == there.me()["tenant"] == "acme"
        admin.revoke_key("acme", here.me()["key_id"])  # on the first server
        for c in (here, there):
            with pytest.raises(Unauthenticated, match="revoked"):
                c.me()
    finally:
        other.stop()


def test_a_create_writes_one_audit_event_with_its_work(platform: Any, admin: Client) -> None:
    actors = make_tenant(admin, platform.url, "acme")
    token = actors["member"].token
    url = f"{platform.url}/api/v1/tenants/acme/jobs"
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        made = http.post(url, json={"command": ["true"]}, headers={"Idempotency-Key": "k1"})
        replayed = http.post(url, json={"command": ["true"]}, headers={"Idempotency-Key": "k1"})
        refused = http.post(url, json={"command": ["true"], "kind": "no-such-kind"})
        plain = http.post(url, json={"script": "echo hi"})
    assert made.status_code == plain.status_code == replayed.status_code == 201
    assert replayed.headers["Idempotent-Replayed"] == "true" and replayed.json()["id"] == made.json()["id"]
    assert refused.status_code == 422
    events = {e["request_id"]: e for e in admin.audit(tenant="acme", limit=500)}
    by_request = [events.get(r.headers["x-request-id"]) for r in (made, replayed, refused, plain)]
    assert [(e["action"], e["outcome"], e["status_code"]) for e in by_request if e] == [
        ("jobs.submit", "success", 201), ("jobs.submit", "success", 201), ("jobs.submit", "rejected", 422),
        ("jobs.submit", "success", 201)]
    tenant_id = admin.tenant("acme")["id"]
    for e in by_request:
        assert e is not None and e["tenant_id"] == e["target_tenant_id"] == tenant_id
        assert e["target"] == "/api/v1/tenants/acme/jobs" and e["details"]["method"] == "POST"
    assert [e["details"].get("error") for e in by_request if e] == [  # a refusal's event says why
        None, None, {"code": "invalid_input", "message": "unknown accelerator kind 'no-such-kind'"}, None]
    ids = [e["request_id"] for e in admin.audit(tenant="acme", limit=500)]
    assert len(ids) == len(set(ids))  # one event per request, never two
