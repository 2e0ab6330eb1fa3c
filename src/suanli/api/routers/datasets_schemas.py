"""Request and response bodies of the dataset API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from suanli.api.schemas import Body, Out


class DatasetCreate(Body):
    name: str = Field(min_length=1, max_length=63, examples=["zh-news"])
    description: str = Field(default="", max_length=1000)


class DatasetOut(Out):
    id: str
    name: str
    description: str
    created_at: datetime
    version_count: int = 0
    latest_version: int | None = None
    classification: str = "public"


class ShardOut(Out):
    position: int
    name: str
    sha256: str
    size: int
    documents: int
    compression: str


class VersionOut(Out):
    id: str
    number: int
    parent_number: int | None
    recipe: str | None
    report: str | None
    message: str
    total_bytes: int
    total_documents: int
    created_at: datetime


class VersionManifest(VersionOut):
    dataset: str
    shards: list[ShardOut]


class VersionList(Out):
    items: list[VersionOut]


class FileDeclaration(Body):
    name: str = Field(min_length=1, max_length=200, examples=["part-0000.jsonl.zst"])
    size: int = Field(ge=1, le=2**50)
    sha256: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")


class UploadCreate(Body):
    files: list[FileDeclaration] = Field(min_length=1, max_length=1000)
    chunk_size: int = Field(default=8 * 1024 * 1024, ge=1, le=64 * 1024 * 1024)
    parent_version: int | None = Field(default=None, ge=1, le=2**31)
    recipe: str | None = Field(default=None, max_length=200)
    report: str | None = Field(default=None, max_length=1000)
    message: str = Field(default="", max_length=1000)


class UploadFileOut(Out):
    index: int
    name: str
    size: int
    sha256: str
    compression: str
    present: bool
    """Already stored in this dataset (same sha256): no chunks needed."""
    parts: int
    received: list[int]


class UploadOut(Out):
    id: str
    dataset: str
    status: str
    resumed: bool = False
    chunk_size: int
    reserved_bytes: int
    expires_at: datetime
    version: int | None
    files: list[UploadFileOut]


class ChunkOut(Out):
    file_index: int
    number: int
    size: int
    sha256: str


class ReportRef(Out):
    ref: str
    """``reports/<sha256>``: pass it as ``report`` when declaring the upload of the version it describes."""


class StorageOut(Out):
    stored_bytes: int
    reserved_bytes: int
    quota_bytes: int
    """0 means no limit."""


def upload_out(row: Any, dataset: str, received: dict[int, list[int]], resumed: bool = False) -> UploadOut:
    return UploadOut(
        id=row.id, dataset=dataset, status=row.status, resumed=resumed, chunk_size=row.chunk_size,
        reserved_bytes=row.reserved_bytes, expires_at=row.expires_at, version=row.version_number,
        files=[UploadFileOut(**{k: f[k] for k in ("index", "name", "size", "sha256", "compression", "present",
                                                  "parts")}, received=received.get(f["index"], []))
               for f in row.files],
    )
