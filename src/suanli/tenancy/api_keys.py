"""API keys: issued to a user, shown once, revocable, optionally expiring."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.core.errors import Forbidden, InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.state.models import ApiKey, Tenant, User
from suanli.tenancy import tenants, users
from suanli.tenancy.key_cache import credentials_changed
from suanli.tenancy.keys import format_token, hash_secret, new_secret
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission


def _may_manage(principal: Principal, owner: User) -> None:
    if owner.id == principal.user_id:
        principal.require(Permission.KEYS_OWN)
    else:
        principal.require(Permission.USERS_MANAGE)


def issue(
    session: Session, tenant: Tenant, user: User, *, name: str, expires_at: datetime | None
) -> tuple[ApiKey, str]:
    """A new key for ``user`` and its token (the only time the token exists in clear)."""
    secret = new_secret()
    key = ApiKey(
        id=new_id("key"), tenant_id=tenant.id, user_id=user.id, name=name,
        secret_hash=hash_secret(secret), expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return key, format_token(key.id, secret)


def create(
    session: Session, principal: Principal, tenant_ref: str, *, user_ref: str | None, name: str,
    expires_at: datetime | None, now: datetime,
) -> tuple[ApiKey, str]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    owner = users.resolve(session, principal, tenant, user_ref or principal.user_id)
    _may_manage(principal, owner)
    if owner.disabled:
        raise InvalidInput(f"user {owner.name!r} is disabled")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("expires_at must be in the future")
    return issue(session, tenant, owner, name=name, expires_at=expires_at)


def listing(
    session: Session, principal: Principal, tenant_ref: str, after: str | None, limit: int
) -> Sequence[ApiKey]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = select(ApiKey).where(ApiKey.tenant_id == tenant.id).order_by(ApiKey.id).limit(limit)
    if not principal.is_platform_admin and principal.role.value not in ("tenant-admin",):
        query = query.where(ApiKey.user_id == principal.user_id)  # members see only their own keys
    if after:
        query = query.where(ApiKey.id > after)
    return session.scalars(query).all()


def revoke(session: Session, principal: Principal, tenant_ref: str, key_id: str, now: datetime) -> ApiKey:
    tenant = tenants.resolve(session, principal, tenant_ref)
    key = session.get(ApiKey, key_id)
    if key is None or key.tenant_id != tenant.id:
        raise NotFound(f"no key {key_id!r} in tenant {tenant.name!r}")
    owner = session.get(User, key.user_id)
    assert owner is not None
    try:
        _may_manage(principal, owner)
    except Forbidden:
        raise NotFound(f"no key {key_id!r} in tenant {tenant.name!r}") from None
    if key.revoked_at is None:
        key.revoked_at = now
        credentials_changed(session)
    return key
