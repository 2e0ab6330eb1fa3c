"""``/api/v1/tenants/{tenant}/quotes`` and the recorded placement decisions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.routers.governance import Moment
from suanli.api.schemas import Body, Out
from suanli.governance.service import quotes
from suanli.state.models import utcnow

router = APIRouter(prefix="/api/v1/tenants/{tenant}", tags=["quotes"])

Quantity = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 15, decimal_places=6, allow_inf_nan=False)]


class AcceleratorDemand(Body):
    kinds: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=20)
    count: int | None = Field(default=None, ge=0, le=100_000, description="default: 1 when kinds are given")


class QuoteRequest(Body):
    """A job or deployment spec: what it runs on and how sensitive its data is."""

    name: str = Field(default="workload", min_length=1, max_length=200)
    kind: str = Field(default="training", description="training, inference, batch or storage")
    classification: str = Field(default="public", description="public, internal, important or core")
    accelerators: AcceleratorDemand = Field(default_factory=AcceleratorDemand)
    cpu_cores: int = Field(default=0, ge=0, le=1_000_000)
    storage_gb: Quantity = Decimal(0)
    model: str | None = Field(default=None, max_length=200)
    tokens_in_per_hour: Quantity = Decimal(0)
    tokens_out_per_hour: Quantity = Decimal(0)
    at: Moment | None = Field(default=None, description="quote under the rules and prices in force then; default now")


class DecisionOut(Out):
    id: str
    purpose: str
    workload: str
    chosen_pool: str | None
    policy_version: int | None
    explanation: str
    at: datetime


class QuoteOut(BaseModel):
    model_config = {"extra": "allow"}
    decision_id: str
    chosen: str | None
    offers: list[dict[str, Any]]
    excluded: list[dict[str, Any]]


@router.post("/quotes", response_model=QuoteOut, name="quotes.create")
def create_quote(tenant: str, body: QuoteRequest, ctx: CtxDep) -> dict[str, Any]:
    """Every permitted offer (with resale layers) and every excluded pool with its rule and version."""
    with ctx.tx() as s:
        spec = body.model_dump(exclude={"at"})
        return quotes.quote_for(s, ctx.principal, tenant, spec, body.at or utcnow())


@router.get("/placement-decisions", response_model=Page[DecisionOut], name="placements.list")
def list_decisions(tenant: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None) -> Page[DecisionOut]:
    """Recorded quotes and placements, newest first, with their explanations."""
    with ctx.tx() as s:
        rows = quotes.decisions(s, ctx.principal, tenant, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, DecisionOut.model_validate, lambda d: d.id)
