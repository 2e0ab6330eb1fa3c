"""Jobs of a tenant: submit, list, show, cancel, and their event history.

The service only records what the user wants; the job controller (:mod:`suanli.training.controller`)
decides admission through the scheduling core and runs the work on an engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from suanli.core.accelerators import kind_of
from suanli.core.errors import Conflict, InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.governance.classification import DataClass
from suanli.governance.service import enforcement, lineage
from suanli.governance.service.budgets import require_budget
from suanli.scheduling import Demand
from suanli.state.models import utcnow
from suanli.state.training import EVENTS_TABLE, FINAL_STATES, JOBS_TABLE, WAITING_STATES, JobEvent, TrainingJob
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission
from suanli.training import mounts

PRIORITY_CLASSES: dict[str, int] = {"low": 0, "normal": 10, "high": 20}
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
RESTART_POLICY = re.compile(r"^(never|on-failure(?:\((\d{1,3})\))?)$")
MAX_ARGS = 256
MAX_ARG_CHARS = 8192
MAX_ENV = 128


@dataclass(frozen=True, slots=True)
class JobRequest:
    """What a user asks to run. ``command`` or ``script`` (a shell script), not both."""

    command: Sequence[str] | None = None
    script: str | None = None
    name: str = ""
    accelerators: int = 1
    kind: str | None = None
    min_memory_gb: int | None = None
    nodes: int | None = None
    priority_class: str = "normal"
    max_runtime_s: float | None = None
    env: Mapping[str, str] | None = None
    checkpoint_dir: str | None = None
    restart_policy: str = "never"
    datasets: Sequence[str] = ()
    """Dataset versions to mount read-only: ``name@N``, or ``name`` for the latest (see :mod:`.mounts`)."""
    classification: str | None = None
    """Data classification (public, internal, important, core): placement policy reads it."""
    output_model: str | None = None
    """A model of the tenant's registry (made if missing): what the job writes to ``$SUANLI_OUTPUT_DIR`` becomes
    its next version when the job succeeds, with the job and its first dataset version as lineage."""


def printable(text: str) -> bool:
    """No control characters (names, labels): they break terminals, logs and PostgreSQL text (NUL)."""
    return not any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


def max_restarts(policy: str) -> int:
    """``never`` -> 0, ``on-failure`` -> 3, ``on-failure(N)`` -> N."""
    m = RESTART_POLICY.match(policy)
    if not m:
        raise InvalidInput(f"invalid restart policy {policy!r}: use 'never' or 'on-failure(N)'")
    if m.group(1) == "never":
        return 0
    return int(m.group(2)) if m.group(2) else 3


def restart_policy(limit: int) -> str:
    """The restart policy that :func:`max_restarts` reads as ``limit``."""
    return "never" if limit == 0 else f"on-failure({limit})"


def _command(req: JobRequest) -> list[str]:
    if (req.command is None) == (req.script is None):
        raise InvalidInput("give either a command or a script")
    if req.script is not None:
        if not req.script.strip():
            raise InvalidInput("the script is empty")
        if len(req.script) > 256 * 1024 or "\x00" in req.script:
            raise InvalidInput("the script is larger than 256 KiB or has a NUL byte")
        return ["/bin/sh", "-c", req.script]
    cmd = list(req.command or [])
    if not cmd or not cmd[0]:
        raise InvalidInput("the command is empty")
    if len(cmd) > MAX_ARGS or any(len(a) > MAX_ARG_CHARS or "\x00" in a for a in cmd):
        raise InvalidInput(f"the command has more than {MAX_ARGS} arguments, one over {MAX_ARG_CHARS} characters, "
                           "or a NUL byte")
    return cmd


def _env(env: Mapping[str, str] | None) -> dict[str, str]:
    out = dict(env or {})
    if len(out) > MAX_ENV:
        raise InvalidInput(f"at most {MAX_ENV} environment variables")
    for k, v in out.items():
        if not ENV_NAME.match(k):
            raise InvalidInput(f"invalid environment variable name {k!r}")
        if k.startswith("SUANLI_") or k.endswith("_VISIBLE_DEVICES"):
            raise InvalidInput(f"{k} is set by suanli, not by the job")
        if not isinstance(v, str) or len(v) > MAX_ARG_CHARS or "\x00" in v:
            raise InvalidInput(f"invalid value for environment variable {k}")
    return out


def _checkpoint_dir(path: str | None) -> str | None:
    if path is None or path == "":
        return None
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or len(path) > 400 or "\x00" in path:
        raise InvalidInput("checkpoint_dir is a relative path inside the tenant's checkpoint area, without '..'")
    return str(p)


def validate(req: JobRequest) -> TrainingJob:
    """A new job row from a request, or 422 saying what is wrong."""
    command = _command(req)
    if req.kind is not None:
        kind_of(req.kind)
    if req.min_memory_gb is not None and not 0 < req.min_memory_gb <= 10_000:
        raise InvalidInput("min_memory_gb must be between 1 and 10000")
    if not 0 < req.accelerators <= 100_000:
        raise InvalidInput("accelerators must be between 1 and 100000")
    if req.nodes is not None and not 0 < req.nodes <= 10_000:
        raise InvalidInput("nodes must be between 1 and 10000")
    Demand(req.accelerators, kind=req.kind, min_memory_gb=req.min_memory_gb, nodes=req.nodes)
    if req.priority_class not in PRIORITY_CLASSES:
        raise InvalidInput(f"unknown priority class {req.priority_class!r}",
                           details={"allowed": list(PRIORITY_CLASSES)})
    if req.max_runtime_s is not None and not 0 < req.max_runtime_s <= 366 * 86400:
        raise InvalidInput("max_runtime_s must be between 0 and one year")
    if len(req.name) > 100 or not printable(req.name):
        raise InvalidInput("the job name is longer than 100 characters or has control characters")
    if req.output_model is not None:
        tenants.check_name(req.output_model, "output model")
    return TrainingJob(
        output_model=req.output_model, name=req.name, command=command, env=_env(req.env), accelerator_kind=req.kind,
        min_memory_gb=req.min_memory_gb, accelerators=req.accelerators, node_count=req.nodes,
        priority_class=req.priority_class, priority=PRIORITY_CLASSES[req.priority_class],
        max_runtime_s=req.max_runtime_s, checkpoint_dir=_checkpoint_dir(req.checkpoint_dir),
        max_restarts=max_restarts(req.restart_policy),
    )


_INSERT_JOB = insert(JOBS_TABLE)
_INSERT_EVENT = insert(EVENTS_TABLE)


def submit(session: Session, principal: Principal, tenant_ref: str, req: JobRequest) -> TrainingJob:
    """Queue a job for the tenant (members and admins); answers the new job (not attached to ``session``)."""
    return submit_many(session, principal, tenant_ref, [req])[0]


def submit_classified(session: Session, principal: Principal, tenant_ref: str,
                      req: JobRequest) -> tuple[TrainingJob, DataClass]:
    """:func:`submit`, with the classification the job got (so the answer needs no query to read it back)."""
    made, labels = _queue(session, principal, tenant_ref, [req])
    return made[0], labels[0]


def submit_many(session: Session, principal: Principal, tenant_ref: str,
                reqs: Sequence[JobRequest]) -> list[TrainingJob]:
    """Queue several jobs at once, all or none (a job array); a bad one is named by its index."""
    return _queue(session, principal, tenant_ref, reqs)[0]


def _queue(session: Session, principal: Principal, tenant_ref: str,
           reqs: Sequence[JobRequest]) -> tuple[list[TrainingJob], list[DataClass]]:
    """The jobs queued and their classifications, in order.

    This is the hot path of the submit benchmark: executemany Core inserts with precompiled statements,
    not ORM flushes.
    """
    tenant_id = tenants.resolve_id(session, principal, tenant_ref)
    principal.require(Permission.WORK_SUBMIT)
    now = utcnow()
    require_budget(session, tenant_id, now)  # a budget's hard stop refuses new jobs, with its reason
    made: list[TrainingJob] = []
    labels: list[DataClass] = []
    for i, req in enumerate(reqs):
        try:
            job = validate(req)
            job.datasets = mounts.resolve(session, principal, tenant_id, req.datasets) if req.datasets else []
            # At least as classified as the most classified dataset it mounts (lineage).
            labels.append(lineage.job_class(session, enforcement.parse_class(req.classification), job.datasets))
        except InvalidInput as exc:
            raise InvalidInput(f"job {i}: {exc.message}" if len(reqs) > 1 else exc.message, exc.details) from None
        job.id, job.tenant_id, job.user_id = new_id("job"), tenant_id, principal.user_id
        job.state, job.created_at, job.queued_at = "pending", now, now
        job.pending_reason, job.message = "waiting for the next scheduling pass", ""
        job.restart_count = job.preemptions = 0
        job.attained_service, job.stop_grace_s = 0.0, 30.0
        job.generation, job.observed_generation = 1, 0
        job.claimed_by = job.lease_token = job.lease_expires_at = None
        made.append(job)
    conn = session.connection()  # one compiled statement each, parameters apart: no per-value coercion
    columns = JOBS_TABLE.columns
    conn.execute(_INSERT_JOB, [{c.name: getattr(j, c.key) for c in columns} for j in made])
    conn.execute(_INSERT_EVENT, [{"job_id": j.id, "at": now, "state": "pending", "message": "submitted"}
                                 for j in made])
    enforcement.label(session, ((j.id, tenant_id, cls) for j, cls in zip(made, labels, strict=True)))
    return made, labels


def listing(session: Session, principal: Principal, tenant_ref: str, after: str | None, limit: int,
            state: str | None = None) -> Sequence[TrainingJob]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = select(TrainingJob).where(TrainingJob.tenant_id == tenant.id).order_by(TrainingJob.id).limit(limit)
    if after:
        query = query.where(TrainingJob.id > after)
    if state:
        query = query.where(TrainingJob.state == state)
    return session.scalars(query).all()


def get(session: Session, principal: Principal, tenant_ref: str, job_id: str) -> TrainingJob:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    job = session.get(TrainingJob, job_id)
    if job is None or job.tenant_id != tenant.id:
        raise NotFound(f"no job {job_id!r} in tenant {tenant.name!r}")
    return job


def events(session: Session, principal: Principal, tenant_ref: str, job_id: str) -> Sequence[JobEvent]:
    job = get(session, principal, tenant_ref, job_id)
    return session.scalars(select(JobEvent).where(JobEvent.job_id == job.id).order_by(JobEvent.id)).all()


def queue(session: Session, principal: Principal, tenant_ref: str | None, limit: int) -> Sequence[TrainingJob]:
    """Waiting jobs in the last pass's order: the caller's tenant, or any (or all) for platform admins."""
    principal.require(Permission.READ)
    query = select(TrainingJob).where(TrainingJob.state.in_(WAITING_STATES))
    if tenant_ref is not None:
        query = query.where(TrainingJob.tenant_id == tenants.resolve(session, principal, tenant_ref).id)
    elif not principal.is_platform_admin:
        query = query.where(TrainingJob.tenant_id == principal.tenant_id)
    order = (TrainingJob.queue_position.is_(None), TrainingJob.queue_position, TrainingJob.id)
    return session.scalars(query.order_by(*order).limit(limit)).all()


def record(session: Session, job: TrainingJob, state: str, message: str, now: datetime) -> None:
    """Move ``job`` to ``state`` (if it changes) and append the event."""
    job.state = state
    session.add(JobEvent(job_id=job.id, at=now, state=state, message=message))


def cancel(session: Session, principal: Principal, tenant_ref: str, job_id: str) -> TrainingJob:
    """Cancel a job: at once while it waits; a running one is stopped by the controller (SIGTERM, grace, KILL)."""
    job = get(session, principal, tenant_ref, job_id)
    principal.require(Permission.WORK_SUBMIT)
    if job.state in FINAL_STATES:
        raise Conflict(f"job {job.id} already {job.state}")
    now = utcnow()
    if job.state in WAITING_STATES:
        job.finished_at = now
        job.pending_reason = None
        job.estimated_start_at = job.queue_position = None
        record(session, job, "cancelled", f"cancelled by {principal.user_name}", now)
    elif job.stop_reason != "cancel":
        job.stop_reason = "cancel"
        job.stop_requested_at = None  # the controller sends the signal and stamps the time
        job.generation += 1
        session.add(JobEvent(job_id=job.id, at=now, state=job.state,
                             message=f"cancel requested by {principal.user_name}"))
    return job
