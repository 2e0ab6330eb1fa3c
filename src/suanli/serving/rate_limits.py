"""Per-tenant gateway rate limits: stored per tenant, read by every gateway within half a second.

A tenant's row overrides the gateway's configured defaults field by field (null keeps the default,
0 means unlimited). Platform operators set them (``tenants:manage``, like quotas); the tenant's
members may read them. The API's middleware writes the audit event of every change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from suanli.core.errors import InvalidInput
from suanli.serving.gateway.limits import LIMIT_FIELDS, Limits, merged
from suanli.state.models import utcnow
from suanli.state.serving import GatewayRateLimit
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

MAX_PER_MINUTE = 1_000_000_000


def _view(tenant_name: str, row: GatewayRateLimit | None, defaults: Limits) -> dict[str, Any]:
    own = {f: getattr(row, f) if row is not None else None for f in LIMIT_FIELDS}
    effective = merged(defaults, tuple(own[f] for f in LIMIT_FIELDS))  # type: ignore[arg-type]
    return {
        "tenant": tenant_name,
        "limits": own,
        "effective": {f: getattr(effective, f) for f in LIMIT_FIELDS},
        "updated_at": row.updated_at if row is not None else None,
    }


def show(session: Session, principal: Principal, tenant_ref: str, defaults: Limits) -> dict[str, Any]:
    """The tenant's own limits, and the effective ones with ``defaults`` filled in."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    return _view(tenant.name, session.get(GatewayRateLimit, tenant.id), defaults)


def put(
    session: Session, principal: Principal, tenant_ref: str, limits: dict[str, int | None], defaults: Limits
) -> dict[str, Any]:
    """Replace the tenant's limits (a field left out or null keeps the gateway's default)."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.TENANTS_MANAGE)
    unknown = set(limits) - set(LIMIT_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown rate limits {sorted(unknown)}; known: {', '.join(LIMIT_FIELDS)}")
    for name, value in limits.items():
        if value is not None and (isinstance(value, bool) or not 0 <= value <= MAX_PER_MINUTE):
            raise InvalidInput(f"{name} must be between 0 (unlimited) and {MAX_PER_MINUTE}, got {value}")
    row = session.get(GatewayRateLimit, tenant.id)
    if row is None:
        row = GatewayRateLimit(tenant_id=tenant.id)
        session.add(row)
    for name in LIMIT_FIELDS:
        setattr(row, name, limits.get(name))
    row.updated_at = utcnow()
    session.flush()
    return _view(tenant.name, row, defaults)


def clear(session: Session, principal: Principal, tenant_ref: str, defaults: Limits) -> dict[str, Any]:
    """Drop the tenant's own limits: the gateway's defaults apply again."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.TENANTS_MANAGE)
    row = session.get(GatewayRateLimit, tenant.id)
    if row is not None:
        session.delete(row)
        session.flush()
    return _view(tenant.name, None, defaults)
