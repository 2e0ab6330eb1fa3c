"""Tables of the inference plane: the model registry, deployments and their replicas, gateway usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from suanli.state.models import Base, Claimable, utcnow


class ServedModel(Base):
    """A named model of a tenant; its content lives in immutable versions."""

    __tablename__ = "served_models"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str | None] = mapped_column(String(40), default=None)
    """Who created the model (by hand, or by submitting the job whose output made it): its storage bills them."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(Base):
    """One immutable Hugging Face model folder: ``uploading`` until finalised, then ``ready`` for good."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("served_models.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="uploading")
    object_prefix: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """``{relative path: {"size": n, "sha256": hex}}`` once ready."""
    architecture: Mapped[str] = mapped_column(String(100), default="")
    parameters: Mapped[int] = mapped_column(BigInteger, default=0)
    tokenizer: Mapped[str] = mapped_column(String(200), default="")
    context_length: Mapped[int] = mapped_column(Integer, default=0)
    training_job_id: Mapped[str | None] = mapped_column(String(100), default=None)
    dataset_version: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(default=None)


class Deployment(Claimable, Base):
    """Desired state of a served model: version, engine, per-region replica bounds, autoscaling policy."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    model_id: Mapped[str | None] = mapped_column(ForeignKey("served_models.id"), default=None)
    model_version_id: Mapped[str | None] = mapped_column(ForeignKey("model_versions.id"), default=None)
    engine: Mapped[str] = mapped_column(String(20))
    engine_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    accelerator_kind: Mapped[str | None] = mapped_column(String(40), default=None)
    accelerators_per_replica: Mapped[int] = mapped_column(Integer, default=0)
    regions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """``{region: {"min_replicas": a, "max_replicas": b}}``."""
    policy: Mapped[str] = mapped_column(String(20), default="suanli")
    slots_per_replica: Mapped[int] = mapped_column(Integer, default=4)
    scale_to_zero_after_s: Mapped[int] = mapped_column(Integer, default=300)
    """Idle time before the last replica of a region with min_replicas 0 is released."""
    status: Mapped[str] = mapped_column(String(20), default="active")
    autoscaling: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Per region: the policy's memory and its last recommendation (so a restarted controller goes on)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Replica(Base):
    """One worker process (or external endpoint) of a deployment, as the controller last saw it."""

    __tablename__ = "deployment_replicas"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    region: Mapped[str] = mapped_column(String(63))
    model_version_id: Mapped[str | None] = mapped_column(String(40), default=None)
    state: Mapped[str] = mapped_column(String(20), default="starting")
    """starting, ready, draining, stopped, failed."""
    url: Mapped[str] = mapped_column(String(300), default="")
    pid: Mapped[int | None] = mapped_column(Integer, default=None)
    restarts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(default=None)
    drain_since: Mapped[datetime | None] = mapped_column(default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)


class LoadSample(Base):
    """What a gateway saw of one deployment's region during one tick: the autoscaler's input."""

    __tablename__ = "serving_load_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(String(40), index=True)
    region: Mapped[str] = mapped_column(String(63))
    at: Mapped[datetime] = mapped_column(index=True)
    concurrency: Mapped[float] = mapped_column(Float, default=0.0)
    queue_depth: Mapped[int] = mapped_column(Integer, default=0)
    request_rate: Mapped[float] = mapped_column(Float, default=0.0)
    token_rate: Mapped[float] = mapped_column(Float, default=0.0)
    prompt_token_rate: Mapped[float] = mapped_column(Float, default=0.0)
    ttft_p90_s: Mapped[float | None] = mapped_column(Float, default=None)


class UsageRecord(Base):
    """Tokens of one gateway request, for the governance plane to bill. ``request_id`` is unique."""

    __tablename__ = "usage_records"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(80), unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    key_id: Mapped[str] = mapped_column(String(40))
    deployment_id: Mapped[str] = mapped_column(String(40), index=True)
    model: Mapped[str] = mapped_column(String(200))
    model_version_id: Mapped[str | None] = mapped_column(String(40), default=None)
    replica_id: Mapped[str | None] = mapped_column(String(40), default=None)
    endpoint: Mapped[str] = mapped_column(String(40))
    streamed: Mapped[bool] = mapped_column(default=False)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    counted_by: Mapped[str] = mapped_column(String(20), default="upstream")
    """``upstream`` (the engine reported usage) or ``gateway`` (estimated locally)."""
    status_code: Mapped[int] = mapped_column(Integer, default=200)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)


class GatewayWindow(Base):
    """What one gateway process admitted for one scope in one minute: the gateways sharing this database
    add up each other's counts, so that together they keep a tenant's limits (rows older than the
    previous minute are deleted)."""

    __tablename__ = "gateway_windows"

    gateway: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    """``requests`` or ``tokens``."""
    scope: Mapped[str] = mapped_column(String(50), primary_key=True)
    """``k:<API key id>`` or ``t:<tenant id>``."""
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    """Unix time // 60."""
    amount: Mapped[int] = mapped_column(BigInteger)


class GatewayRateLimit(Base):
    """A tenant's gateway limits per minute; a null column keeps the gateway's configured default."""

    __tablename__ = "gateway_rate_limits"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    key_rpm: Mapped[int | None] = mapped_column(Integer, default=None)
    """Requests per minute of each API key of the tenant (0 = unlimited)."""
    key_tpm: Mapped[int | None] = mapped_column(Integer, default=None)
    tenant_rpm: Mapped[int | None] = mapped_column(Integer, default=None)
    """Requests per minute of all the tenant's keys together."""
    tenant_tpm: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
