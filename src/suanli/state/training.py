"""Tables of the training plane: clusters, their nodes, jobs and job events, and the scheduler lease."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, cast

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from suanli.state.models import Base, Claimable, utcnow

JOB_STATES = ("pending", "admitted", "starting", "running", "succeeded", "failed", "preempted", "cancelled")
WAITING_STATES = ("pending", "preempted")
ACTIVE_STATES = ("admitted", "starting", "running")
FINAL_STATES = ("succeeded", "failed", "cancelled")
LOCAL_CLUSTER = "local"
"""The cluster each server creates from its own box at its first scheduling pass."""
ENGINE_JOB_DIRS = ("jobs", "slurm-jobs")
"""Folders of the server's home where engines keep one folder per job (the local engine's, Slurm's default)."""


def named_checkpoint_dir(tenant_id: str, checkpoint_dir: str) -> str:
    """Where a job that names ``checkpoint_dir`` keeps its checkpoints, relative to the server's home."""
    return (PurePosixPath("checkpoints", tenant_id) / checkpoint_dir).as_posix()


def checkpoint_dirs(job_id: str, tenant_id: str, checkpoint_dir: str | None) -> list[str]:
    """A job's checkpoint folders relative to the server's home: the one it names, else its engine's."""
    if checkpoint_dir is not None:
        return [named_checkpoint_dir(tenant_id, checkpoint_dir)]
    return [f"{root}/{job_id}/checkpoints" for root in ENGINE_JOB_DIRS]


class ComputeCluster(Base):
    """A cluster bound to one engine (``local``, ``ray``, ``slurm``, ``kubernetes``), provider and region."""

    __tablename__ = "clusters"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    engine: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(63), default="self")
    region: Mapped[str] = mapped_column(String(63), default="local")
    heartbeat_grace_s: Mapped[float] = mapped_column(Float, default=60.0)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComputeNode(Base):
    """One machine of a cluster: ``accelerator_count`` devices of one kind, its fabric domain and rack."""

    __tablename__ = "cluster_nodes"
    __table_args__ = (UniqueConstraint("cluster_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    accelerator_kind: Mapped[str] = mapped_column(String(40))
    accelerator_count: Mapped[int] = mapped_column(Integer, default=0)
    memory_gb: Mapped[int] = mapped_column(Integer, default=0)
    interconnect_domain: Mapped[str] = mapped_column(String(63), default="")
    rack: Mapped[str] = mapped_column(String(63), default="rack-0")
    schedulable: Mapped[str] = mapped_column(String(20), default="ready")
    """``ready``, ``cordoned`` (no new work) or ``draining`` (no new work, running work is requeued)."""
    healthy: Mapped[bool] = mapped_column(default=True)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingJob(Claimable, Base):
    """A job: what it runs, what it asks for, where it was placed and where it stands."""

    __tablename__ = "training_jobs"
    __table_args__ = (Index("ix_training_jobs_state", "state"), Index("ix_training_jobs_tenant", "tenant_id", "id"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="pending")
    command: Mapped[list[str]] = mapped_column(JSON)
    env: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    accelerator_kind: Mapped[str | None] = mapped_column(String(40), default=None)
    min_memory_gb: Mapped[int | None] = mapped_column(Integer, default=None)
    accelerators: Mapped[int] = mapped_column(Integer, default=1)
    node_count: Mapped[int | None] = mapped_column(Integer, default=None)
    priority_class: Mapped[str] = mapped_column(String(20), default="normal")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    max_runtime_s: Mapped[float | None] = mapped_column(Float, default=None)
    checkpoint_dir: Mapped[str | None] = mapped_column(String(500), default=None)
    datasets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Dataset versions mounted read-only: name, dataset_id, version_id, number (see training.mounts)."""
    max_restarts: Mapped[int] = mapped_column(Integer, default=0)
    """``never`` is 0; ``on-failure(N)`` is N."""
    restart_count: Mapped[int] = mapped_column(Integer, default=0)
    preemptions: Mapped[int] = mapped_column(Integer, default=0)
    attained_service: Mapped[float] = mapped_column(Float, default=0.0)
    cluster_id: Mapped[str | None] = mapped_column(String(40), default=None)
    placement: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    engine_handle: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    pending_reason: Mapped[str | None] = mapped_column(Text, default=None)
    estimated_start_at: Mapped[datetime | None] = mapped_column(default=None)
    queue_position: Mapped[int | None] = mapped_column(Integer, default=None)
    """Place in the last scheduling pass's order of waiting jobs (0 first), all tenants together."""
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    stop_reason: Mapped[str | None] = mapped_column(String(20), default=None)
    """Why the engine was told to stop the job: ``cancel``, ``preempt``, ``timeout`` or ``node-lost``."""
    stop_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    stop_grace_s: Mapped[float] = mapped_column(Float, default=30.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(default=None)
    admitted_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    output_model: Mapped[str | None] = mapped_column(String(63), default=None)
    """A registry model of the tenant: the folder the job writes to ``$SUANLI_OUTPUT_DIR`` becomes its next version."""
    output_version_id: Mapped[str | None] = mapped_column(String(40), default=None)
    """The model version registered from the output, once the job succeeded."""
    output_error: Mapped[str | None] = mapped_column(Text, default=None)
    """Why the output could not be registered (the job itself still succeeded)."""


class JobEvent(Base):
    """One step in a job's history: a state change, a decision, a restart, a stop request."""

    __tablename__ = "training_job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("training_jobs.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")


class SchedulerLease(Claimable, Base):
    """The singleton row the job controller claims, so that one server at a time runs the scheduling pass."""

    __tablename__ = "training_scheduler"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_pass_at: Mapped[datetime | None] = mapped_column(default=None)


JOBS_TABLE = cast(Table, TrainingJob.__table__)
"""The jobs table for Core statements (the submit and explain hot paths)."""
EVENTS_TABLE = cast(Table, JobEvent.__table__)
