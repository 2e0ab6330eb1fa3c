"""``/api/v1/tenants/{tenant}/datasets/{dataset}/curations``: curation as a platform job.

``POST`` queues version N (default: the latest) through a built-in recipe; the server's curation
controller exports it, curates it, stores the report and commits version N+1 with its lineage.
``GET .../curations/{id}`` shows stage and progress; ``GET .../curations/{id}/report`` the stored report
(per-step documents and bytes in and out, counters, samples of removed documents).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import Field

from suanli.api.context import CtxDep
from suanli.api.schemas import Body, Out
from suanli.api.stores import objects
from suanli.core.errors import Conflict
from suanli.data.datasets import catalog, curation_jobs, reports
from suanli.state.data import CurationJob
from suanli.state.models import utcnow

router = APIRouter(prefix="/datasets/{dataset}")
"""Included by the datasets router (under ``/api/v1/tenants/{tenant}``)."""
JobRef = Annotated[str, Path(max_length=40)]


class CurationCreate(Body):
    recipe: str = Field(min_length=1, max_length=200, examples=["zh-web"])
    version: int | None = Field(default=None, ge=1, le=2**31, description="Source version; default the latest")
    workers: int = Field(default=1, ge=1, le=curation_jobs.MAX_WORKERS)


class CurationOut(Out):
    id: str
    dataset: str
    source_version: int
    recipe: str
    workers: int
    status: str
    """``queued``, ``running``, ``succeeded``, ``failed`` or ``cancelled``."""
    stage: str
    progress: dict[str, Any]
    attempts: int
    cancel_requested: bool
    report: str | None
    result_version: int | None
    error: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class CurationList(Out):
    items: list[CurationOut]


def _out(job: CurationJob, dataset: str) -> CurationOut:
    return CurationOut(
        id=job.id, dataset=dataset, source_version=job.source_number, recipe=job.recipe, workers=job.workers,
        status=job.status, stage=job.stage, progress=dict(job.progress or {}), attempts=job.attempts,
        cancel_requested=job.cancel_requested, report=job.report, result_version=job.result_number,
        error=job.error, created_by=job.created_by, created_at=job.created_at, started_at=job.started_at,
        finished_at=job.finished_at,
    )


@router.post("/curations", status_code=201, response_model=CurationOut, name="datasets.curations.create")
def create_curation(tenant: str, dataset: str, body: CurationCreate, ctx: CtxDep, request: Request) -> object:
    """Curate a version with a built-in recipe into a new version (runs on the server)."""
    def make(s: Any) -> CurationOut:
        job = curation_jobs.submit(s, ctx.principal, tenant, dataset, recipe=body.recipe, version=body.version,
                                   workers=body.workers, now=utcnow())
        return _out(job, catalog.resolve(s, ctx.principal, tenant, dataset).name)

    answer = ctx.create(body, make)
    request.app.state.poke_controllers()
    return answer


@router.get("/curations", response_model=CurationList, name="datasets.curations.list")
def list_curations(tenant: str, dataset: str, ctx: CtxDep) -> CurationList:
    with ctx.tx() as s:
        name = catalog.resolve(s, ctx.principal, tenant, dataset).name
        return CurationList(items=[_out(j, name) for j in curation_jobs.listing(s, ctx.principal, tenant, dataset)])


@router.get("/curations/{job}", response_model=CurationOut, name="datasets.curations.show")
def show_curation(tenant: str, dataset: str, job: JobRef, ctx: CtxDep) -> CurationOut:
    with ctx.tx() as s:
        row = curation_jobs.show(s, ctx.principal, tenant, dataset, job)
        return _out(row, catalog.resolve(s, ctx.principal, tenant, dataset).name)


@router.get("/curations/{job}/report", response_model=dict[str, Any], name="datasets.curations.report")
def curation_report(tenant: str, dataset: str, job: JobRef, ctx: CtxDep, request: Request) -> dict[str, Any]:
    """The stored report of a finished curation: ``steps`` (per operator: ``docs_in``, ``docs_out``,
    ``bytes_in``, ``bytes_out``, ``changed``, ``counters``, ``removed`` reasons, ``samples``), totals."""
    with ctx.tx() as s:
        row = curation_jobs.show(s, ctx.principal, tenant, dataset, job)
        ds = catalog.resolve(s, ctx.principal, tenant, dataset)
        ref = row.report
        status = row.status
    if not ref:
        raise Conflict(f"curation {job} is {status}: its report is stored when it succeeds")

    return reports.load_report(objects(request), ds, ref)


@router.post("/curations/{job}/cancel", response_model=CurationOut, name="datasets.curations.cancel")
def cancel_curation(tenant: str, dataset: str, job: JobRef, ctx: CtxDep, request: Request) -> CurationOut:
    """Stop a queued or running curation; its partial work is discarded."""
    with ctx.tx() as s:
        row = curation_jobs.cancel(s, ctx.principal, tenant, dataset, job)
        out = _out(row, catalog.resolve(s, ctx.principal, tenant, dataset).name)
    request.app.state.poke_controllers()
    return out
