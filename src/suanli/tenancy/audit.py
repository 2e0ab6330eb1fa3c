"""The append-only audit log: who did what, when, and how it ended."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from suanli.core.ids import new_id
from suanli.state.models import AuditEvent
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


def record(
    session: Session, *, principal: Principal | None, action: str, target: str, status_code: int,
    request_id: str, details: dict[str, Any] | None = None, target_tenant: str | None = None,
) -> AuditEvent:
    """Append one event. ``target_tenant`` (a name or id from the request path) is resolved here."""
    target_tenant_id = tenants.find_id(session, target_tenant) if target_tenant is not None else None
    event = AuditEvent(
        id=new_id("aud"),
        tenant_id=principal.tenant_id if principal else None,
        target_tenant_id=target_tenant_id,
        actor_user_id=principal.user_id if principal else None,
        actor_key_id=principal.key_id if principal else None,
        action=action, target=target[:300], outcome=outcome_of(status_code), status_code=status_code,
        request_id=request_id, details=details or {},
    )
    session.add(event)
    return event


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
