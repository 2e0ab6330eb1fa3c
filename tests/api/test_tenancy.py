"""Tenancy through the REST API: roles, keys, quotas and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.api.helpers import make_tenant

from suanli.client import Client
from suanli.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated


@pytest.fixture
def admin(platform) -> Client:  # type: ignore[no-untyped-def]
    return Client(platform.url, platform.admin_token, retries=0)


def test_admin_key_file_is_private_and_works(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    key_file = platform.home / "admin.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text().strip() == platform.admin_token
    assert admin.me()["role"] == "platform-admin"


def test_tenant_lifecycle_and_controller(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    t = admin.create_tenant("acme", industry="finance", storage_quota_bytes=10**12)
    assert t["status"] == "provisioning"
    assert platform.runner.run_pass() >= 1
    assert admin.tenant("acme")["status"] == "active"
    assert (platform.home / "objects" / "tenants" / t["id"]).is_dir()
    assert admin.update_tenant("acme", display_name="ACME Corp")["display_name"] == "ACME Corp"
    with pytest.raises(Conflict):
        admin.create_tenant("acme")
    with pytest.raises(InvalidInput, match="invalid tenant name"):
        admin.create_tenant("Bad Name")
    with pytest.raises(InvalidInput, match="industry"):
        admin.create_tenant("ok", industry="piracy")


def test_roles(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    actors = make_tenant(admin, platform.url, "acme")
    viewer = actors["viewer"].client(platform.url)
    member = actors["member"].client(platform.url)
    tadmin = actors["tenant-admin"].client(platform.url)
    assert [u["name"] for u in viewer.users("acme")]  # viewers read
    with pytest.raises(Forbidden):
        viewer.create_key("acme")  # but cannot even make their own keys
    own = member.create_key("acme", name="laptop")
    assert own["token"].startswith("sl-")
    with pytest.raises(Forbidden):
        member.create_user("acme", "mallory")
    with pytest.raises(Forbidden):
        tadmin.create_user("acme", "root2", role="platform-admin")
    with pytest.raises(Forbidden):
        tadmin.set_quota("acme", "nvidia-h100", nominal=1000)
    assert tadmin.create_user("acme", "bob", role="member")["role"] == "member"
    with pytest.raises(Forbidden):
        tadmin.create_tenant("other")
    # Members see only their own keys; tenant admins see all of the tenant's.
    assert {k["id"] for k in member.keys("acme")} <= {k["id"] for k in tadmin.keys("acme")}
    assert len(member.keys("acme")) == 2
    with pytest.raises(InvalidInput, match="your own role"):
        tadmin.update_user("acme", actors["tenant-admin"].user, role="member")


def test_key_revocation_and_expiry(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    key = member.create_key("acme", name="short", expires_at=datetime.now(UTC) + timedelta(hours=1))
    short = Client(platform.url, key["token"], retries=0)
    assert short.me()["user"] == actors["member"].user
    member.revoke_key("acme", key["id"])
    with pytest.raises(Unauthenticated, match="revoked"):
        short.me()
    with pytest.raises(InvalidInput, match="future"):
        member.create_key("acme", expires_at=datetime.now(UTC) - timedelta(seconds=1))
    listed = {k["id"]: k for k in admin.keys("acme")}
    assert listed[key["id"]]["revoked_at"] is not None
    assert "token" not in listed[key["id"]] and "secret_hash" not in listed[key["id"]]


def test_bad_keys(platform) -> None:  # type: ignore[no-untyped-def]
    last = platform.admin_token[-1]
    tampered = platform.admin_token[:-1] + ("1" if last == "0" else "0")
    for token in (None, "nonsense", "sl-key_x.y", "sl-.", tampered):
        with pytest.raises(Unauthenticated):
            Client(platform.url, token, retries=0).me()


def test_disabled_user_is_locked_out(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    actors = make_tenant(admin, platform.url, "acme")
    admin.update_user("acme", actors["member"].user, disabled=True)
    with pytest.raises(Unauthenticated, match="disabled"):
        actors["member"].client(platform.url).me()


def test_suspended_tenant_is_locked_out(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    actors = make_tenant(admin, platform.url, "acme")
    admin.update_tenant("acme", status="suspended")
    with pytest.raises(Unauthenticated, match="suspended"):
        actors["viewer"].client(platform.url).me()


def test_quotas(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    actors = make_tenant(admin, platform.url, "acme")
    admin.set_quota("acme", "ascend-910b", nominal=64, borrowing_limit=16)
    admin.set_quota("acme", "ascend-910b", nominal=32, borrowing_limit=0)  # replace, not add
    admin.set_quota("acme", "nvidia-h100", nominal=8)
    q = actors["viewer"].client(platform.url).quotas("acme")
    assert {(a["accelerator_kind"], a["nominal"], a["borrowing_limit"]) for a in q["accelerators"]} == {
        ("ascend-910b", 32, 0), ("nvidia-h100", 8, 0)}
    with pytest.raises(InvalidInput, match="unknown accelerator kind"):
        admin.set_quota("acme", "tpu-v9", nominal=1)
    with pytest.raises(InvalidInput):
        admin.set_quota("acme", "nvidia-h100", nominal=-1)
    admin.request("DELETE", "/api/v1/tenants/acme/quotas/nvidia-h100")
    with pytest.raises(NotFound):
        admin.request("DELETE", "/api/v1/tenants/acme/quotas/nvidia-h100")


def test_audit_records_every_mutating_call(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    with pytest.raises(Forbidden):
        member.create_user("acme", "eve")
    events = admin.audit(tenant="acme")
    denied = [e for e in events if e["outcome"] == "denied"]
    assert denied and denied[0]["action"] == "users.create" and denied[0]["status_code"] == 403
    assert all(e["request_id"] for e in events)
    everything = admin.audit(limit=500)
    actions = [e["action"] for e in everything]
    assert actions.count("keys.create") == 3 and actions.count("users.create") == 4
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    tenant_admin = actors["tenant-admin"].client(platform.url)
    acme = admin.tenant("acme")["id"]
    seen = tenant_admin.audit()
    assert all(acme in (e["tenant_id"], e["target_tenant_id"]) for e in seen)
    assert any(e["tenant_id"] != acme for e in seen)  # the platform admin's work on acme is shown to acme
    with pytest.raises(Forbidden):
        member.audit()
    with pytest.raises(NotFound):
        tenant_admin.audit(tenant="admin")


def test_audit_log_is_append_only_in_the_database(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    admin.create_tenant("acme")
    from sqlalchemy import text

    with pytest.raises(Exception, match="append-only"), platform.db.session() as s:
        s.execute(text("UPDATE audit_events SET outcome = 'success'"))
    with pytest.raises(Exception, match="append-only"), platform.db.session() as s:
        s.execute(text("DELETE FROM audit_events"))


def test_pagination(platform, admin: Client) -> None:  # type: ignore[no-untyped-def]
    for i in range(7):
        admin.create_tenant(f"t{i}")
    first = admin.request("GET", "/api/v1/tenants", params={"limit": 3})
    assert len(first["items"]) == 3 and first["next_cursor"]
    names = [t["name"] for t in admin.paginate("/api/v1/tenants", params={"limit": 3})]
    assert len(names) == len(set(names)) == 8
    r = httpx.get(f"{platform.url}/api/v1/tenants", params={"cursor": "%%%"},
                  headers={"Authorization": f"Bearer {platform.admin_token}"})
    assert r.status_code == 422 and "cursor" in r.json()["error"]["message"]
