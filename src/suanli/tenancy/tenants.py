"""Tenants: created and edited by the platform operator, seen by their own members."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.state.models import Tenant
from suanli.tenancy.key_cache import credentials_changed
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
INDUSTRIES = ("finance", "government", "healthcare", "education", "energy", "manufacturing", "internet", "other")


def check_name(name: str, what: str) -> None:
    """Names are DNS labels, so they can name Kubernetes objects and URLs as they are."""
    if not NAME_RE.match(name):
        raise InvalidInput(
            f"invalid {what} name {name!r}: use 1-63 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit"
        )


def check_industry(industry: str) -> None:
    if industry not in INDUSTRIES:
        raise InvalidInput(f"unknown industry {industry!r}", details={"allowed": list(INDUSTRIES)})


def find(session: Session, ref: str) -> Tenant | None:
    """The tenant called ``ref`` (name or id), whoever asks; None if there is none."""
    return session.scalars(select(Tenant).where(or_(Tenant.id == ref, Tenant.name == ref))).first()


def find_id(session: Session, ref: str) -> str | None:
    """The id of tenant ``ref`` (name or id) in one small query, or None."""
    return session.scalars(select(Tenant.id).where(or_(Tenant.id == ref, Tenant.name == ref))).first()


def resolve(session: Session, principal: Principal, ref: str) -> Tenant:
    """The tenant called ``ref`` (name or id) as this caller may see it; 404 otherwise."""
    tenant = find(session, ref)
    if tenant is None:
        raise NotFound(f"no tenant {ref!r}")
    principal.scope(tenant.id)
    return tenant


def resolve_id(session: Session, principal: Principal, ref: str) -> str:
    """:func:`resolve` for callers that need only the id (hot paths such as job submission)."""
    if ref in (principal.tenant_id, principal.tenant_name):
        return principal.tenant_id  # the caller's own tenant, just verified (names never change): no query
    tenant_id = find_id(session, ref)
    if tenant_id is None:
        raise NotFound(f"no tenant {ref!r}")
    principal.scope(tenant_id)
    return tenant_id


def create(
    session: Session, principal: Principal, *, name: str, display_name: str = "", industry: str = "other",
    storage_quota_bytes: int = 0,
) -> Tenant:
    principal.require(Permission.TENANTS_MANAGE)
    check_name(name, "tenant")
    check_industry(industry)
    if storage_quota_bytes < 0:
        raise InvalidInput("storage_quota_bytes must be >= 0")
    tenant = Tenant(
        id=new_id("ten"), name=name, display_name=display_name or name, industry=industry,
        storage_quota_bytes=storage_quota_bytes, status="provisioning",
    )
    session.add(tenant)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"tenant {name!r} already exists") from None
    return tenant


def listing(session: Session, principal: Principal, after: str | None, limit: int) -> Sequence[Tenant]:
    query = select(Tenant).order_by(Tenant.id).limit(limit)
    if not principal.is_platform_admin:
        query = query.where(Tenant.id == principal.tenant_id)
    if after:
        query = query.where(Tenant.id > after)
    return session.scalars(query).all()


def update(
    session: Session, principal: Principal, ref: str, *, display_name: str | None = None,
    industry: str | None = None, storage_quota_bytes: int | None = None, status: str | None = None,
) -> Tenant:
    tenant = resolve(session, principal, ref)
    principal.require(Permission.TENANTS_MANAGE)
    if display_name is not None:
        tenant.display_name = display_name
    if industry is not None:
        check_industry(industry)
        tenant.industry = industry
    if storage_quota_bytes is not None:
        if storage_quota_bytes < 0:
            raise InvalidInput("storage_quota_bytes must be >= 0")
        tenant.storage_quota_bytes = storage_quota_bytes
    if status is not None:
        if status not in ("active", "suspended"):
            raise InvalidInput("status must be 'active' or 'suspended'")
        if tenant.name == "admin" and status == "suspended":
            raise InvalidInput("the admin tenant cannot be suspended")
        tenant.status = status
        credentials_changed(session)  # a suspended tenant's cached keys stop working
    tenant.generation += 1
    return tenant
