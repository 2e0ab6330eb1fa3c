"""``/api/v1/tenants/{tenant}/rate-limits``: the tenant's gateway limits (requests and tokens per minute)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from suanli.api.context import CtxDep
from suanli.api.schemas import Body
from suanli.serving import rate_limits
from suanli.serving.gateway.limits import Limits

router = APIRouter(prefix="/api/v1/tenants/{tenant}/rate-limits", tags=["rate-limits"])

PerMinute = Field(default=None, ge=0, le=rate_limits.MAX_PER_MINUTE, description="per minute; 0 = unlimited")


class RateLimitsPut(Body):
    """Every field left out or null keeps the gateway's default."""

    key_rpm: int | None = PerMinute
    key_tpm: int | None = PerMinute
    tenant_rpm: int | None = PerMinute
    tenant_tpm: int | None = PerMinute


class LimitValues(BaseModel):
    key_rpm: int | None
    key_tpm: int | None
    tenant_rpm: int | None
    tenant_tpm: int | None


class RateLimitsOut(BaseModel):
    tenant: str
    limits: LimitValues
    """The tenant's own limits (null: the gateway's default)."""
    effective: LimitValues
    """What this server's gateway enforces."""
    updated_at: datetime | None


def _defaults(request: Request) -> Limits:
    gateway = getattr(request.app.state, "gateway", None)
    return gateway.limiter.limits if gateway is not None else Limits.from_env()


@router.get("", response_model=RateLimitsOut, name="rate_limits.show")
def show_rate_limits(tenant: str, request: Request, ctx: CtxDep) -> RateLimitsOut:
    with ctx.tx() as s:
        return RateLimitsOut.model_validate(rate_limits.show(s, ctx.principal, tenant, _defaults(request)))


@router.put("", response_model=RateLimitsOut, name="rate_limits.set")
def set_rate_limits(tenant: str, body: RateLimitsPut, request: Request, ctx: CtxDep) -> RateLimitsOut:
    """Replace the tenant's limits (platform admins); every gateway applies them within a second."""
    with ctx.tx() as s:
        view = rate_limits.put(s, ctx.principal, tenant, body.model_dump(), _defaults(request))
        return RateLimitsOut.model_validate(view)


@router.delete("", response_model=RateLimitsOut, name="rate_limits.clear")
def clear_rate_limits(tenant: str, request: Request, ctx: CtxDep) -> RateLimitsOut:
    """Drop the tenant's own limits: the gateway's defaults apply again."""
    with ctx.tx() as s:
        return RateLimitsOut.model_validate(rate_limits.clear(s, ctx.principal, tenant, _defaults(request)))
