"""``/api/v1/tenants/{tenant}/quotas``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from suanli.api.context import CtxDep
from suanli.api.schemas import QuotaOut, QuotaPut, QuotasOut
from suanli.tenancy import quotas, tenants

router = APIRouter(prefix="/api/v1/tenants/{tenant}/quotas", tags=["quotas"])


@router.get("", response_model=QuotasOut, name="quotas.show")
def show_quotas(tenant: str, ctx: CtxDep) -> QuotasOut:
    with ctx.tx() as s:
        row = tenants.resolve(s, ctx.principal, tenant)
        return QuotasOut(
            tenant=row.name,
            storage_quota_bytes=row.storage_quota_bytes,
            accelerators=[QuotaOut.model_validate(q) for q in quotas.listing(s, ctx.principal, tenant)],
        )


@router.put("/{kind}", response_model=QuotaOut, name="quotas.set")
def set_quota(tenant: str, kind: str, body: QuotaPut, ctx: CtxDep) -> QuotaOut:
    """Set the quota of one accelerator kind (platform admins). PUT is idempotent by nature."""
    with ctx.tx() as s:
        return QuotaOut.model_validate(quotas.put(s, ctx.principal, tenant, kind, **body.model_dump()))


@router.delete("/{kind}", status_code=204, name="quotas.delete")
def delete_quota(tenant: str, kind: str, ctx: CtxDep) -> Response:
    with ctx.tx() as s:
        quotas.delete(s, ctx.principal, tenant, kind)
    return Response(status_code=204)
