"""``/api/v1/tenants/{tenant}/...``: usage, invoices, budgets and alerts, data residency and dataset labels."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.schemas import Body, Out
from suanli.governance.classification import DataClass
from suanli.governance.service import budgets, catalog, ledger, lineage

router = APIRouter(prefix="/api/v1/tenants/{tenant}", tags=["billing"])

Month = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="billing month, China time", examples=["2026-11"])]


class ResidencyPut(Body):
    jurisdiction: str = Field(min_length=1, max_length=63, examples=["CN-SH"])


class ResidencyOut(Out):
    jurisdiction: str
    updated_at: datetime


class ClassificationPut(Body):
    classification: str = Field(min_length=1, max_length=20, description="public, internal, important or core")


class ClassificationOut(BaseModel):
    dataset: str
    classification: str
    raised: list[str] = Field(description="ids of the jobs, models and deployments derived from it, raised with it")


class BudgetPut(Body):
    limit: Decimal = Field(gt=0, lt=Decimal(10) ** 15, decimal_places=2, allow_inf_nan=False,
                           description="CNY for the month")
    hard_stop: bool = Field(default=False, description="refuse new jobs and deployments once spent")
    running: str = Field(default="leave", pattern="^(leave|drain)$", description="hard stop: running work")
    webhook_url: str | None = Field(default=None, max_length=500, description="POSTed each alert (retried)")


class AlertOut(Out):
    id: str
    month: str
    threshold: int
    spent: Decimal
    limit: Decimal
    message: str
    at: datetime
    delivery: str
    attempts: int
    last_error: str | None


class BudgetDecision(BaseModel):
    refuse_new: bool
    reason: str
    running: str


@router.put("/residency", response_model=ResidencyOut, name="residency.set")
def set_residency(tenant: str, body: ResidencyPut, ctx: CtxDep) -> ResidencyOut:
    """Where the tenant's data must reside (platform admins); residency rules compare pools with it."""
    with ctx.tx() as s:
        return ResidencyOut.model_validate(catalog.set_residency(s, ctx.principal, tenant, body.jurisdiction))


@router.get("/residency", response_model=ResidencyOut, name="residency.show")
def show_residency(tenant: str, ctx: CtxDep) -> ResidencyOut:
    with ctx.tx() as s:
        return ResidencyOut.model_validate(catalog.residency(s, ctx.principal, tenant))


@router.put("/datasets/{dataset}/classification", response_model=ClassificationOut, name="datasets.classify")
def classify_dataset(tenant: str, dataset: Annotated[str, Path(max_length=63)], body: ClassificationPut,
                     ctx: CtxDep) -> ClassificationOut:
    """Label a dataset (raised, never lowered: 409); what derives from it along lineage is raised with it."""
    with ctx.tx() as s:
        row, raised = lineage.classify_dataset(s, ctx.principal, tenant, dataset, body.classification)
        return ClassificationOut(dataset=row.name, classification=DataClass.parse(body.classification).label,
                                 raised=raised)


@router.get("/usage/{month}", response_model=dict[str, Any], name="usage.show")
def show_usage(tenant: str, month: Month, ctx: CtxDep) -> dict[str, Any]:
    """Usage of the month: totals per SKU, per day and SKU, per hour and SKU (native units)."""
    with ctx.tx() as s:
        return ledger.usage_report(s, ctx.principal, tenant, month)


@router.get("/invoices/{month}", response_model=dict[str, Any], name="invoices.show")
def show_invoice(tenant: str, month: Month, ctx: CtxDep) -> dict[str, Any]:
    """The month's invoice: lines per job/deployment, user, pool, SKU and price; showback by user."""
    with ctx.tx() as s:
        return ledger.invoice_for(s, ctx.principal, tenant, month)


@router.put("/budgets/{month}", response_model=dict[str, Any], name="budgets.set")
def set_budget(tenant: str, month: Month, body: BudgetPut, ctx: CtxDep) -> dict[str, Any]:
    with ctx.tx() as s:
        budgets.set_budget(s, ctx.principal, tenant, month, **body.model_dump())
    ctx.request.app.state.poke_controllers()
    with ctx.tx() as s:
        return budgets.budget_report(s, ctx.principal, tenant, month)


@router.get("/budgets/{month}", response_model=dict[str, Any], name="budgets.show")
def show_budget(tenant: str, month: Month, ctx: CtxDep) -> dict[str, Any]:
    """The budget, what is spent, the thresholds fired and whether new work is refused."""
    with ctx.tx() as s:
        return budgets.budget_report(s, ctx.principal, tenant, month)


@router.get("/budget-alerts", response_model=Page[AlertOut], name="budgets.alerts")
def list_alerts(
    tenant: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> Page[AlertOut]:
    with ctx.tx() as s:
        rows = budgets.alerts(s, ctx.principal, tenant, month, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, AlertOut.model_validate, lambda a: a.id)
