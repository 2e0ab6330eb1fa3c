"""``/api/v1/tenants``."""

from __future__ import annotations

from fastapi import APIRouter

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.schemas import TenantCreate, TenantOut, TenantUpdate
from suanli.tenancy import tenants

router = APIRouter(prefix="/api/v1/tenants", tags=["tenants"])


@router.post("", status_code=201, response_model=TenantOut, name="tenants.create")
def create_tenant(body: TenantCreate, ctx: CtxDep) -> object:
    """Create a tenant (platform admins). It is ``provisioning`` until its controller makes it ``active``."""
    response = ctx.create(
        body, lambda s: TenantOut.model_validate(tenants.create(s, ctx.principal, **body.model_dump()))
    )
    ctx.request.app.state.poke_controllers()
    return response


@router.get("", response_model=Page[TenantOut], name="tenants.list")
def list_tenants(ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None) -> Page[TenantOut]:
    with ctx.tx() as s:
        rows = tenants.listing(s, ctx.principal, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, TenantOut.model_validate, lambda t: t.id)


@router.get("/{tenant}", response_model=TenantOut, name="tenants.show")
def show_tenant(tenant: str, ctx: CtxDep) -> TenantOut:
    with ctx.tx() as s:
        return TenantOut.model_validate(tenants.resolve(s, ctx.principal, tenant))


@router.patch("/{tenant}", response_model=TenantOut, name="tenants.update")
def update_tenant(tenant: str, body: TenantUpdate, ctx: CtxDep) -> TenantOut:
    with ctx.tx() as s:
        row = tenants.update(s, ctx.principal, tenant, **body.model_dump(exclude_unset=True))
        return TenantOut.model_validate(row)
