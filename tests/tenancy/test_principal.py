"""Authentication rules, with time passed in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from suanli.core.errors import Forbidden, NotFound, Unauthenticated
from suanli.state.db import Database
from suanli.state.models import ApiKey, Tenant, User, utcnow
from suanli.tenancy import api_keys
from suanli.tenancy.bootstrap import ensure_admin
from suanli.tenancy.keys import format_token, parse_token
from suanli.tenancy.principal import authenticate
from suanli.tenancy.roles import Permission


def test_token_round_trip_and_malformed_tokens() -> None:
    assert parse_token(format_token("key_abc", "s3cret")) == ("key_abc", "s3cret")
    for bad in ("", "key_abc.s3cret", "sl-", "sl-key_abc", "sl-.x", "sl-key_abc."):
        with pytest.raises(Unauthenticated, match="malformed"):
            parse_token(bad)


def test_expiry_is_judged_against_the_time_given(db: Database, tmp_path: Path) -> None:
    ensure_admin(db, tmp_path / "admin.key")
    now = utcnow()
    with db.session() as s:
        tenant = s.scalars(select(Tenant)).one()
        user = s.scalars(select(User)).one()
        _, token = api_keys.issue(s, tenant, user, name="short", expires_at=now + timedelta(hours=1))
    with db.session() as s:
        assert authenticate(s, token, now).is_platform_admin
    with db.session() as s, pytest.raises(Unauthenticated, match="expired"):
        authenticate(s, token, now + timedelta(hours=1, seconds=1))


def test_last_used_is_recorded_coarsely(db: Database, tmp_path: Path) -> None:
    token = ensure_admin(db, tmp_path / "admin.key")
    now = utcnow()
    for offset in (0, 10, 20):
        with db.session() as s:
            authenticate(s, token, now + timedelta(seconds=offset))
    with db.session() as s:
        key = s.scalars(select(ApiKey)).one()
        assert key.last_used_at is not None and abs((key.last_used_at - now).total_seconds()) < 1


def test_scope_hides_other_tenants_and_require_names_the_permission(db: Database, tmp_path: Path) -> None:
    token = ensure_admin(db, tmp_path / "admin.key")
    with db.session() as s:
        admin = authenticate(s, token, utcnow())
    admin.scope("ten_other")  # platform admins see every tenant
    viewer = type(admin)(key_id="k", user_id="u", user_name="v", tenant_id="ten_a", tenant_name="a",
                         role=type(admin.role)("viewer"))
    with pytest.raises(NotFound):
        viewer.scope("ten_b")
    with pytest.raises(Forbidden, match="work:submit"):
        viewer.require(Permission.WORK_SUBMIT)
