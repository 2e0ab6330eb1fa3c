"""Who is calling: the authenticated key, its user, tenant and role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from suanli.core.errors import Forbidden, NotFound, Unauthenticated
from suanli.state.models import ApiKey, Tenant, User
from suanli.tenancy.keys import parse_token, secret_matches
from suanli.tenancy.roles import Permission, Role, permits

_LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    user_id: str
    user_name: str
    tenant_id: str
    tenant_name: str
    role: Role
    key_expires_at: datetime | None = None
    """When the key stops working (a cached principal is refused from then on)."""

    @property
    def is_platform_admin(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

    def require(self, permission: Permission) -> None:
        """Raise 403 unless the caller's role grants ``permission``."""
        if not permits(self.role, permission):
            raise Forbidden(f"role {self.role.value!r} may not do this (needs {permission.value!r})")

    def scope(self, tenant_id: str) -> None:
        """Another tenant's objects do not exist for this caller (404, never 403: no existence leak)."""
        if tenant_id != self.tenant_id and not self.is_platform_admin:
            raise NotFound("no such object")


def authenticate(session: Session, token: str | None, now: datetime) -> Principal:
    """The principal behind a bearer token, or 401 saying what is wrong with the key."""
    if not token:
        raise Unauthenticated("missing API key: send 'Authorization: Bearer sl-...'")
    key_id, secret = parse_token(token)
    row = session.execute(
        select(ApiKey, User, Tenant)
        .join(User, User.id == ApiKey.user_id)
        .join(Tenant, Tenant.id == ApiKey.tenant_id)
        .where(ApiKey.id == key_id)
    ).one_or_none()
    if row is None or not secret_matches(secret, row[0].secret_hash):
        raise Unauthenticated("invalid API key")
    key, user, tenant = row
    if key.revoked_at is not None:
        raise Unauthenticated("API key revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthenticated("API key expired")
    if user.disabled:
        raise Unauthenticated("user disabled")
    if tenant.status == "suspended":
        raise Unauthenticated(f"tenant {tenant.name!r} is suspended")
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        # Coarse on purpose: one write a minute per key, not one per request.
        session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return Principal(
        key_id=key.id,
        user_id=user.id,
        user_name=user.name,
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        role=Role(user.role),
        key_expires_at=key.expires_at,
    )
