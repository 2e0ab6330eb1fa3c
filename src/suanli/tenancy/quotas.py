"""Quotas per tenant and accelerator kind: a guaranteed (nominal) amount and a borrowing limit.

Semantics follow Kueue: a tenant may use up to ``nominal + borrowing_limit`` devices of a kind
when others leave capacity idle, and borrowed devices are reclaimed when their owner needs them.
The planes enforce quotas through the scheduling core; this module stores and edits them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.core.accelerators import kind_of
from suanli.core.errors import InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.state.models import AcceleratorQuota, utcnow
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

MAX_DEVICES = 1_000_000


def _find(session: Session, tenant_id: str, kind: str) -> AcceleratorQuota | None:
    query = select(AcceleratorQuota).where(AcceleratorQuota.tenant_id == tenant_id)
    return session.scalars(query.where(AcceleratorQuota.accelerator_kind == kind)).first()


def listing(session: Session, principal: Principal, tenant_ref: str) -> Sequence[AcceleratorQuota]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = select(AcceleratorQuota).where(AcceleratorQuota.tenant_id == tenant.id)
    return session.scalars(query.order_by(AcceleratorQuota.accelerator_kind)).all()


def put(
    session: Session, principal: Principal, tenant_ref: str, kind: str, *, nominal: int, borrowing_limit: int
) -> AcceleratorQuota:
    """Set (create or replace) the quota of one accelerator kind."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.TENANTS_MANAGE)
    kind_of(kind)
    for field, value in (("nominal", nominal), ("borrowing_limit", borrowing_limit)):
        if not 0 <= value <= MAX_DEVICES:
            raise InvalidInput(f"{field} must be between 0 and {MAX_DEVICES}, got {value}")
    quota = _find(session, tenant.id, kind)
    if quota is None:
        quota = AcceleratorQuota(id=new_id("quo"), tenant_id=tenant.id, accelerator_kind=kind)
        session.add(quota)
    quota.nominal = nominal
    quota.borrowing_limit = borrowing_limit
    quota.updated_at = utcnow()
    session.flush()
    return quota


def delete(session: Session, principal: Principal, tenant_ref: str, kind: str) -> None:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.TENANTS_MANAGE)
    quota = _find(session, tenant.id, kind)
    if quota is None:
        raise NotFound(f"tenant {tenant.name!r} has no quota for {kind!r}")
    session.delete(quota)
