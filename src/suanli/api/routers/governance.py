"""``/api/v1/providers``, ``/api/v1/pools``, ``/api/v1/policy`` and ``/api/v1/usage``: the platform's side.

Platform admins edit the catalog, upload rules and record usage; any caller may read the catalog.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from suanli.api.context import CtxDep
from suanli.api.schemas import Body, Out
from suanli.governance.metering import UsageRecord
from suanli.governance.periods import within_years
from suanli.governance.pricing import Sku
from suanli.governance.service import catalog, ledger, policies
from suanli.state.models import utcnow
from suanli.tenancy.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["governance"])


Moment = Annotated[AwareDatetime, AfterValidator(within_years)]
"""A time with its zone (``2026-11-25T10:00:00+08:00``); a time without one is refused."""
Amount = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 20, decimal_places=12, allow_inf_nan=False)]
"""A non-negative decimal, sent as a string (``"16.00"``) to stay exact."""
Slug = Annotated[str, Field(min_length=1, max_length=63)]


class ProviderCreate(Body):
    id: Slug = Field(examples=["telecom-cloud"])
    name: str = Field(default="", max_length=200)
    ownership: str = Field(max_length=20, description="state-owned, private or self-hosted")


class ProviderOut(Out):
    id: str
    name: str
    ownership: str
    created_at: datetime


class ResaleIn(Body):
    reseller: Slug
    markup: Amount = Field(description="0.05 is 5%")


class PoolCreate(Body):
    id: Slug = Field(examples=["sh-telecom"])
    provider: Slug
    region: Slug
    jurisdiction: Slug = Field(description="where data would reside: CN-SH, CN, HK...")
    cluster_id: str | None = Field(default=None, max_length=63, description="the training plane's cluster")
    certifications: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=20)
    accelerators: dict[Annotated[str, Field(max_length=40)], Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict, description="accelerator kind to the count offered")
    resale: list[ResaleIn] = Field(default_factory=list, max_length=10, description="operator side first")


class LayerOut(BaseModel):
    reseller: str
    markup: str


class PoolOut(BaseModel):
    id: str
    provider: str
    cluster_id: str | None
    region: str
    jurisdiction: str
    certifications: list[str]
    accelerators: dict[str, int]
    resale: list[LayerOut]
    created_at: datetime


class PriceCreate(Body):
    sku: str = Field(min_length=1, max_length=200, examples=["accelerator-hour/ascend-910b"])
    unit_price: Amount = Field(description="CNY per priced unit")
    effective: Moment | None = Field(default=None, description="from when; default now; never in the past")


class PriceOut(Out):
    id: str
    pool_id: str
    sku: str
    unit_price: Decimal
    effective: datetime
    author: str
    created_at: datetime


class PolicyUpload(Body):
    text: str = Field(min_length=1, max_length=policies.MAX_TEXT, description="the rules YAML")
    note: str = Field(default="", max_length=500)


class PolicyOut(Out):
    version: int
    author: str
    note: str
    rule_count: int
    uploaded_at: datetime


class PolicyText(PolicyOut):
    text: str


class UsageIn(Body):
    key: str = Field(min_length=1, max_length=300, description="idempotency key chosen by the observer")
    tenant: Slug = Field(description="tenant name or id")
    user: str = Field(min_length=1, max_length=63)
    subject: str = Field(min_length=1, max_length=200, description="the job, deployment or dataset")
    pool: Slug
    sku: str = Field(min_length=1, max_length=200)
    units: Amount
    start: Moment
    end: Moment | None = Field(default=None, description="default: start (token usage is an instant)")


class UsageBatch(Body):
    records: list[UsageIn] = Field(min_length=1, max_length=ledger.MAX_BATCH)


class RecordedOut(BaseModel):
    recorded: int
    duplicates: int


def _pool_out(s: Any, row: Any) -> PoolOut:
    layers = [LayerOut(reseller=layer.reseller_id, markup=str(layer.markup)) for layer in catalog.resale_of(s, row.id)]
    return PoolOut(id=row.id, provider=row.provider_id, cluster_id=row.cluster_id, region=row.region,
                   jurisdiction=row.jurisdiction, certifications=list(row.certifications),
                   accelerators=dict(row.accelerators), resale=layers, created_at=row.created_at)


@router.post("/providers", status_code=201, response_model=ProviderOut, name="providers.create")
def create_provider(body: ProviderCreate, ctx: CtxDep) -> object:
    return ctx.create(body, lambda s: ProviderOut.model_validate(
        catalog.create_provider(s, ctx.principal, **body.model_dump())))


@router.get("/providers", response_model=list[ProviderOut], name="providers.list")
def list_providers(ctx: CtxDep) -> list[ProviderOut]:
    with ctx.tx() as s:
        return [ProviderOut.model_validate(p) for p in catalog.list_providers(s, ctx.principal)]


@router.post("/pools", status_code=201, response_model=PoolOut, name="pools.create")
def create_pool(body: PoolCreate, ctx: CtxDep) -> object:
    def make(s: Any) -> PoolOut:
        fields = body.model_dump(exclude={"resale"})
        row = catalog.create_pool(s, ctx.principal, **fields, resale=[(r.reseller, r.markup) for r in body.resale])
        return _pool_out(s, row)

    return ctx.create(body, make)


@router.get("/pools", response_model=list[PoolOut], name="pools.list")
def list_pools(ctx: CtxDep) -> list[PoolOut]:
    with ctx.tx() as s:
        return [_pool_out(s, p) for p in catalog.list_pools(s, ctx.principal)]


@router.get("/pools/{pool}", response_model=PoolOut, name="pools.show")
def show_pool(pool: str, ctx: CtxDep) -> PoolOut:
    with ctx.tx() as s:
        return _pool_out(s, catalog.get_pool(s, ctx.principal, pool))


@router.post("/pools/{pool}/prices", status_code=201, response_model=PriceOut, name="prices.create")
def create_price(pool: str, body: PriceCreate, ctx: CtxDep) -> object:
    return ctx.create(body, lambda s: PriceOut.model_validate(
        catalog.add_price(s, ctx.principal, pool, **body.model_dump(), now=utcnow())))


@router.get("/pools/{pool}/prices", response_model=list[PriceOut], name="prices.list")
def list_prices(pool: str, ctx: CtxDep) -> list[PriceOut]:
    with ctx.tx() as s:
        return [PriceOut.model_validate(p) for p in catalog.list_prices(s, ctx.principal, pool)]


@router.post("/policy/versions", status_code=201, response_model=PolicyOut, name="policy.upload")
def upload_policy(body: PolicyUpload, ctx: CtxDep) -> object:
    return ctx.create(body, lambda s: PolicyOut.model_validate(
        policies.upload(s, ctx.principal, body.text, utcnow(), body.note)))


@router.get("/policy/versions", response_model=list[PolicyOut], name="policy.list")
def list_policies(ctx: CtxDep) -> list[PolicyOut]:
    with ctx.tx() as s:
        return [PolicyOut.model_validate(d) for d in policies.documents(s, ctx.principal)]


@router.get("/policy/versions/{version}", response_model=PolicyText, name="policy.show")
def show_policy(version: Annotated[int, Path(ge=1, le=2**31 - 1)], ctx: CtxDep) -> PolicyText:
    with ctx.tx() as s:
        return PolicyText.model_validate(policies.document(s, ctx.principal, version))


@router.post("/usage", response_model=RecordedOut, name="usage.record")
def record_usage(body: UsageBatch, ctx: CtxDep, request: Request) -> RecordedOut:
    """Record usage (platform admins: metering agents, the planes' own keys). Replays count once."""
    ctx.principal.require(Permission.TENANTS_MANAGE)
    with ctx.tx() as s:
        ids = ledger.tenant_ids(s, {r.tenant for r in body.records})
        records = [
            UsageRecord(key=r.key, tenant=ids[r.tenant], user=r.user, subject=r.subject, pool=r.pool,
                        sku=Sku.parse(r.sku), units=r.units, start=r.start, end=r.end or r.start)
            for r in body.records
        ]
        result = ledger.record_usage(s, records)
    request.app.state.poke_controllers()
    return RecordedOut(recorded=result.recorded, duplicates=result.duplicates)
