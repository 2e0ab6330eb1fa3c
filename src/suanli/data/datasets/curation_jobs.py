"""Curation as a platform job: submit, show, list and cancel (the controller runs them).

``submit`` checks what can be checked at once (the dataset and version exist, the recipe is known, the
caller may submit work) and queues a row; :mod:`suanli.data.datasets.curation_controller` does the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.data.datasets import catalog
from suanli.governance.service.storage_policy import require_dataset_storage
from suanli.state.data import CurationJob
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

ACTIVE = ("queued", "running")
MAX_WORKERS = 64


def submit(
    session: Session, principal: Principal, tenant_ref: str, ref: str, *, recipe: str, version: int | None,
    workers: int, now: datetime,
) -> CurationJob:
    """Queue a curation of ``version`` (``None``: the latest) of dataset ``ref`` with ``recipe``."""
    from suanli.data.recipe import builtin_names, load

    dataset, source, _ = catalog.version(session, principal, tenant_ref, ref, version)
    principal.require(Permission.WORK_SUBMIT)
    if not 1 <= workers <= MAX_WORKERS:
        raise InvalidInput(f"workers must be between 1 and {MAX_WORKERS}, not {workers}")
    if recipe not in builtin_names():  # a path would read the server's files
        raise InvalidInput(f"recipe must be a built-in one ({', '.join(builtin_names())}), not {recipe!r}")
    chosen = load(recipe)
    # Its output is stored as the dataset's next version (and checked again then): say so now, not after the run.
    require_dataset_storage(session, dataset, f"the curated version of version {source.number}", now)
    job = CurationJob(
        id=new_id("cur"), tenant_id=dataset.tenant_id, dataset_id=dataset.id, source_number=source.number,
        recipe=chosen.name, workers=workers, status="queued", stage="queued", progress={}, attempts=0,
        cancel_requested=False, error="", created_by=principal.user_id, created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def show(session: Session, principal: Principal, tenant_ref: str, ref: str, job_id: str) -> CurationJob:
    """One curation job of dataset ``ref`` (404 for another tenant's)."""
    dataset = catalog.resolve(session, principal, tenant_ref, ref)
    job = session.get(CurationJob, job_id)
    if job is None or job.dataset_id != dataset.id:
        raise NotFound(f"no curation {job_id!r} of dataset {dataset.name!r}")
    return job


def listing(session: Session, principal: Principal, tenant_ref: str, ref: str) -> Sequence[CurationJob]:
    """The dataset's curation jobs, newest first."""
    dataset = catalog.resolve(session, principal, tenant_ref, ref)
    return session.scalars(
        select(CurationJob).where(CurationJob.dataset_id == dataset.id).order_by(CurationJob.created_at.desc())
    ).all()


def cancel(session: Session, principal: Principal, tenant_ref: str, ref: str, job_id: str) -> CurationJob:
    """Ask the controller to stop a queued or running job (a finished job answers 409)."""
    job = show(session, principal, tenant_ref, ref, job_id)
    principal.require(Permission.WORK_SUBMIT)
    if job.status not in ACTIVE:
        raise Conflict(f"curation {job.id} already {job.status}")
    if not job.cancel_requested:
        job.cancel_requested = True
        job.generation += 1
    return job
