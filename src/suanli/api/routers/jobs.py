"""``/api/v1/tenants/{tenant}/jobs`` and ``/api/v1/queue``: training jobs and the scheduler's queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.schemas import Body, Out
from suanli.core.errors import Unavailable
from suanli.governance.classification import DataClass
from suanli.governance.service import lineage
from suanli.state.training import TrainingJob
from suanli.training import checkpoints, jobs
from suanli.training.controller import JobController

router = APIRouter(tags=["jobs"])
PREFIX = "/api/v1/tenants/{tenant}/jobs"


class JobSubmit(Body):
    name: str = Field(default="", max_length=100)
    command: list[Annotated[str, Field(max_length=8192)]] | None = Field(
        default=None, max_length=256, description="argv of the job; or give a script")
    script: str | None = Field(default=None, max_length=256 * 1024, description="a /bin/sh script")
    accelerators: int = Field(default=1, ge=1, le=100_000, description="devices in all")
    kind: str | None = Field(default=None, max_length=40, description="accelerator kind; none: any kind")
    min_memory_gb: int | None = Field(default=None, ge=1, le=10_000, description="with no kind: any kind this big")
    nodes: int | None = Field(default=None, ge=1, le=10_000, description="spread evenly over exactly this many nodes")
    priority_class: str = Field(default="normal", max_length=20, description="low, normal or high")
    max_runtime_s: float | None = Field(default=None, gt=0, le=366 * 86400)
    env: dict[Annotated[str, Field(max_length=128)], Annotated[str, Field(max_length=8192)]] = Field(
        default_factory=dict, max_length=128)
    checkpoint_dir: str | None = Field(default=None, max_length=400, description="relative to the tenant's area")
    restart_policy: str = Field(default="never", max_length=20, description="never or on-failure(N)")
    datasets: list[Annotated[str, Field(max_length=80)]] = Field(
        default_factory=list, max_length=16,
        description="dataset versions of the tenant mounted read-only: NAME@VERSION, or NAME for the latest")
    classification: str | None = Field(default=None, max_length=20,
                                       description="data classification: public, internal, important or core")
    output_model: str | None = Field(default=None, max_length=63,
                                     description="register $SUANLI_OUTPUT_DIR as the next version of this model")


class JobOut(Out):
    id: str
    tenant_id: str
    user_id: str
    name: str
    state: str
    command: list[str]
    env: dict[str, str]
    accelerators: int
    accelerator_kind: str | None
    min_memory_gb: int | None
    node_count: int | None
    priority_class: str
    max_runtime_s: float | None
    checkpoint_dir: str | None
    datasets: list[str]
    restart_policy: str
    restart_count: int
    preemptions: int
    placement: dict[str, Any] | None
    pending_reason: str | None
    estimated_start_at: datetime | None
    queue_position: int | None
    exit_code: int | None
    message: str
    stop_reason: str | None
    created_at: datetime
    admitted_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    output_model: str | None = None
    output_version_id: str | None = None
    output_error: str | None = None
    classification: str = "public"

    @classmethod
    def of(cls, job: TrainingJob, classification: DataClass = DataClass.PUBLIC) -> JobOut:
        return cls.model_validate({**{c: getattr(job, c) for c in cls.model_fields if hasattr(job, c)},
                                   "restart_policy": jobs.restart_policy(job.max_restarts),
                                   "datasets": [f"{m['name']}@{m['number']}" for m in job.datasets or []],
                                   "classification": classification.label})


def _labelled(s: Session, rows: Sequence[TrainingJob]) -> Callable[[TrainingJob], JobOut]:
    """Render jobs with their classifications, read in one query for all ``rows``."""
    classes = lineage.classifications(s, (j.id for j in rows))
    return lambda j: JobOut.of(j, classes.get(j.id, DataClass.PUBLIC))


class JobBatch(Body):
    jobs: list[JobSubmit] = Field(min_length=1, max_length=1000, description="queued all or none")


class JobBatchOut(BaseModel):
    ids: list[str]


class EventOut(Out):
    at: datetime
    state: str
    message: str


class LogChunk(BaseModel):
    offset: int
    next_offset: int
    data: str


@router.post(PREFIX, status_code=201, response_model=JobOut, name="jobs.submit")
def submit_job(tenant: str, body: JobSubmit, ctx: CtxDep) -> object:
    def make(s: Session) -> JobOut:
        job, classification = jobs.submit_classified(s, ctx.principal, tenant, jobs.JobRequest(**body.model_dump()))
        return JobOut.of(job, classification)

    # No poke: the next tick (every second) schedules it. Poking on every submission kept every controller
    # of the server passing back to back under load (a fifth of the submit rate; see docs/jobs.md).
    return ctx.create(body, make)


@router.post("/api/v1/tenants/{tenant}/job-batches", status_code=201, response_model=JobBatchOut,
             name="jobs.submit_batch")
def submit_batch(tenant: str, body: JobBatch, ctx: CtxDep) -> object:
    def make(s: Session) -> JobBatchOut:
        reqs = [jobs.JobRequest(**j.model_dump()) for j in body.jobs]
        return JobBatchOut(ids=[j.id for j in jobs.submit_many(s, ctx.principal, tenant, reqs)])

    return ctx.create(body, make)


@router.get(PREFIX, response_model=Page[JobOut], name="jobs.list")
def list_jobs(tenant: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None,
              state: Annotated[str | None, Query(max_length=20, pattern="^[a-z]+$")] = None) -> Page[JobOut]:
    with ctx.tx() as s:
        rows = jobs.listing(s, ctx.principal, tenant, pagination.decode(cursor), limit + 1, state)
        return pagination.page(rows, limit, _labelled(s, rows), lambda j: j.id)


@router.get(PREFIX + "/{job}", response_model=JobOut, name="jobs.show")
def show_job(tenant: str, job: str, ctx: CtxDep) -> JobOut:
    with ctx.tx() as s:
        row = jobs.get(s, ctx.principal, tenant, job)
        return _labelled(s, [row])(row)


@router.get(PREFIX + "/{job}/events", response_model=list[EventOut], name="jobs.events")
def job_events(tenant: str, job: str, ctx: CtxDep) -> list[EventOut]:
    with ctx.tx() as s:
        return [EventOut.model_validate(e) for e in jobs.events(s, ctx.principal, tenant, job)]


@router.get(PREFIX + "/{job}/logs", response_model=LogChunk, name="jobs.logs")
def job_logs(tenant: str, job: str, ctx: CtxDep, request: Request,
             offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
             limit: Annotated[int, Query(ge=1, le=1 << 20)] = 1 << 16) -> LogChunk:
    controller = _controller(request, "logs")
    with ctx.tx() as s:
        data = controller.logs(s, jobs.get(s, ctx.principal, tenant, job), offset, limit)
    return LogChunk(offset=offset, next_offset=offset + len(data), data=data.decode("utf-8", "replace"))


class CheckpointsDeleted(Out):
    job_id: str
    files: int
    bytes: int


def _controller(request: Request, what: str) -> JobController:
    runner = request.app.state.runner
    found = next((c for c in (runner.controllers if runner else []) if isinstance(c, JobController)), None)
    if found is None:
        raise Unavailable(f"this server runs no job controller, so it has no job {what}")
    return found


@router.delete(PREFIX + "/{job}/checkpoints", response_model=CheckpointsDeleted, name="jobs.checkpoints.delete")
def delete_checkpoints(tenant: str, job: str, ctx: CtxDep, request: Request) -> CheckpointsDeleted:
    """Delete a finished job's checkpoints (billed by the GB-hour while they stay); 409 while it may resume."""
    home = _controller(request, "checkpoints").home
    with ctx.tx() as s:
        freed = checkpoints.delete(s, ctx.principal, tenant, job, home)
    return CheckpointsDeleted(job_id=freed.job_id, files=freed.files, bytes=freed.bytes)


@router.post(PREFIX + "/{job}/cancel", response_model=JobOut, name="jobs.cancel")
def cancel_job(tenant: str, job: str, ctx: CtxDep, request: Request) -> JobOut:
    with ctx.tx() as s:
        row = jobs.cancel(s, ctx.principal, tenant, job)
        out = _labelled(s, [row])(row)
    request.app.state.poke_controllers()
    return out


@router.get("/api/v1/queue", response_model=list[JobOut], name="queue.list")
def queue(ctx: CtxDep, tenant: Annotated[str | None, Query(max_length=63, pattern="^[A-Za-z0-9_-]+$")] = None,
          limit: Limit = 100) -> list[JobOut]:
    with ctx.tx() as s:
        rows = jobs.queue(s, ctx.principal, tenant, limit)
        render = _labelled(s, rows)
        return [render(j) for j in rows]
