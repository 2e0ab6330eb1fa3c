"""Tables of the data plane: datasets, their immutable versions and shards, and upload sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from suanli.state.models import Base, Claimable, utcnow


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    description: Mapped[str] = mapped_column(String(1000), default="")
    created_by: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetVersion(Base):
    """An immutable version: written once, at commit, with its whole manifest."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    number: Mapped[int] = mapped_column(Integer)
    parent_number: Mapped[int | None] = mapped_column(Integer, default=None)
    recipe: Mapped[str | None] = mapped_column(String(200), default=None)
    report: Mapped[str | None] = mapped_column(String(1000), default=None)
    """A reference to the curation report that produced this version (an object key or URL)."""
    message: Mapped[str] = mapped_column(String(1000), default="")
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    total_documents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetShard(Base):
    """One file of a version. Shards are content-addressed: the object key holds the sha256."""

    __tablename__ = "dataset_shards"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("dataset_versions.id"), index=True)
    dataset_id: Mapped[str] = mapped_column(String(40), index=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    documents: Mapped[int] = mapped_column(BigInteger)
    compression: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(500))


class UploadSession(Claimable, Base):
    """An upload in progress. Its version exists only after commit; the GC controller expires it."""

    __tablename__ = "upload_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    """``open``, then ``committed``, ``aborted`` or ``expired``."""
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    """sha256 of the declared files and lineage: the same upload again resumes this session."""
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    chunk_size: Mapped[int] = mapped_column(BigInteger)
    reserved_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    """Bytes counted against the tenant's storage quota while the upload is open."""
    parent_number: Mapped[int | None] = mapped_column(Integer, default=None)
    recipe: Mapped[str | None] = mapped_column(String(200), default=None)
    report: Mapped[str | None] = mapped_column(String(1000), default=None)
    message: Mapped[str] = mapped_column(String(1000), default="")
    version_number: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class UploadPart(Base):
    """A chunk received and stored, with its checksum (what a resumed upload need not send again)."""

    __tablename__ = "upload_parts"
    __table_args__ = (UniqueConstraint("session_id", "file_index", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("upload_sessions.id"), index=True)
    file_index: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str] = mapped_column(String(100))


class CurationJob(Claimable, Base):
    """A server-side curation: version ``source_number`` of a dataset through a recipe into a new version.

    ``status`` moves ``queued`` -> ``running`` -> ``succeeded`` | ``failed`` | ``cancelled``; the curation
    controller runs it. ``runner`` names the server process whose thread works on it and ``heartbeat_at``
    when that thread last wrote progress: a silent runner's job is taken over and resumed.
    """

    __tablename__ = "curation_jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    source_number: Mapped[int] = mapped_column(Integer)
    recipe: Mapped[str] = mapped_column(String(200))
    workers: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(200), default="")
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    report: Mapped[str | None] = mapped_column(String(1000), default=None)
    result_number: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str] = mapped_column(String(2000), default="")
    runner: Mapped[str | None] = mapped_column(String(64), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
