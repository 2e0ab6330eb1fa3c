"""The append-only audit log: who did what, when, and how it ended."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from suanli.core.ids import new_id
from suanli.state.models import AuditEvent, utcnow
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission


def outcome_of(status_code: int) -> str:
    if status_code < 400:
        return "success"
    if status_code in (401, 403):
        return "denied"
    if status_code < 500:
        return "rejected"
    return "error"


_INSERT = insert(AuditEvent.__table__)  # type: ignore[arg-type]


def record(
    session: Session, *, principal: Principal | None, action: str, target: str, status_code: int,
    request_id: str, details: dict[str, Any] | None = None, target_tenant: str | None = None,
) -> str:
    """Append one event and answer its id. ``target_tenant`` (a name or id from the request path) is resolved here.

    One precompiled insert, not an ORM flush: every write request of the API passes here.
    """
    if target_tenant is None:
        target_tenant_id = None
    elif principal is not None and target_tenant in (principal.tenant_id, principal.tenant_name):
        target_tenant_id = principal.tenant_id  # the caller's own tenant (names never change): no query
    else:
        target_tenant_id = tenants.find_id(session, target_tenant)
    event_id = new_id("aud")
    session.connection().execute(_INSERT, {  # Core, not the ORM layer: a plain row
        "id": event_id, "at": utcnow(),
        "tenant_id": principal.tenant_id if principal else None,
        "target_tenant_id": target_tenant_id,
        "actor_user_id": principal.user_id if principal else None,
        "actor_key_id": principal.key_id if principal else None,
        "action": action, "target": target[:300], "outcome": outcome_of(status_code), "status_code": status_code,
        "request_id": request_id, "details": details or {},
    })
    return event_id


def listing(
    session: Session, principal: Principal, tenant_ref: str | None, before: str | None, limit: int
) -> Sequence[AuditEvent]:
    """Newest first. Platform admins see every tenant (or one); tenant admins their own tenant."""
    principal.require(Permission.AUDIT_READ)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    tenant_id = None
    if tenant_ref is not None:
        tenant_id = tenants.resolve(session, principal, tenant_ref).id
    elif not principal.is_platform_admin:
        tenant_id = principal.tenant_id
    if tenant_id is not None:  # what the tenant's people did, and what was done to the tenant
        query = query.where(or_(AuditEvent.tenant_id == tenant_id, AuditEvent.target_tenant_id == tenant_id))
    if before:
        query = query.where(AuditEvent.id < before)
    return session.scalars(query).all()
