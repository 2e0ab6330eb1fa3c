"""``/api/v1/tenants/{tenant}/datasets``: datasets, immutable versions, chunked uploads, downloads.

Chunks are raw bytes (``application/octet-stream``) with their sha256 in ``X-Content-SHA256``; they
may be up to 64 MiB (the JSON body limit does not apply to the chunk route, see api/middleware.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse, StreamingResponse

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.routers.datasets_schemas import (
    ChunkOut,
    DatasetCreate,
    DatasetOut,
    ReportRef,
    ShardOut,
    StorageOut,
    UploadCreate,
    UploadOut,
    VersionList,
    VersionManifest,
    VersionOut,
    upload_out,
)
from suanli.api.stores import objects
from suanli.core.errors import InvalidInput, NotFound
from suanli.data.datasets import catalog, reports, uploads
from suanli.data.datasets.manifest import MAX_CHUNK_SIZE, DeclaredFile
from suanli.data.datasets.uploads import Lineage
from suanli.governance.service import enforcement
from suanli.state.models import utcnow
from suanli.tenancy import tenants
from suanli.tenancy.roles import Permission

router = APIRouter(prefix="/api/v1/tenants/{tenant}", tags=["datasets"])
VersionRef = Annotated[str, Path(max_length=20, description="A version number, or 'latest'")]
_RANGE = re.compile(r"^bytes=(\d{1,18})-$")
CHUNK_BODY_LIMIT = (
    "PUT", re.compile(r"^/api/v1/tenants/[^/]+/datasets/[^/]+/uploads/[^/]+/files/\d+/chunks/\d+$"), MAX_CHUNK_SIZE
)
"""Upload chunks are raw bytes up to ``MAX_CHUNK_SIZE`` (64 MiB), not JSON bodies: the API's edge is told so."""


def _number(ref: str) -> int | None:
    if ref == "latest":
        return None
    if not (ref.isascii() and ref.isdigit()) or not 1 <= int(ref) <= 2**31:
        raise InvalidInput(f"version must be a number or 'latest', not {ref!r}")
    return int(ref)


def _dataset_out(s: Any, row: Any) -> DatasetOut:
    return DatasetOut.model_validate({**DatasetOut.model_validate(row).model_dump(), **catalog.summary(s, row),
                                      "classification": enforcement.classification_of(s, row.id).label})


@router.post("/datasets", status_code=201, response_model=DatasetOut, name="datasets.create")
def create_dataset(tenant: str, body: DatasetCreate, ctx: CtxDep) -> object:
    """Create an empty dataset; its versions come from uploads."""
    return ctx.create(body, lambda s: _dataset_out(s, catalog.create(s, ctx.principal, tenant, **body.model_dump())))


@router.get("/datasets", response_model=Page[DatasetOut], name="datasets.list")
def list_datasets(tenant: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None) -> Page[DatasetOut]:
    with ctx.tx() as s:
        rows = catalog.listing(s, ctx.principal, tenant, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, lambda r: _dataset_out(s, r), lambda r: r.id)


@router.get("/datasets/{dataset}", response_model=DatasetOut, name="datasets.show")
def show_dataset(tenant: str, dataset: str, ctx: CtxDep) -> DatasetOut:
    with ctx.tx() as s:
        return _dataset_out(s, catalog.resolve(s, ctx.principal, tenant, dataset))


@router.delete("/datasets/{dataset}", response_model=DatasetOut, name="datasets.delete")
def delete_dataset(tenant: str, dataset: str, ctx: CtxDep, request: Request) -> DatasetOut:
    """Delete a dataset, every version and every open upload, and their objects."""
    store = objects(request)
    with ctx.tx() as s:
        row = catalog.resolve(s, ctx.principal, tenant, dataset)
        out, out_tenant = _dataset_out(s, row), row.tenant_id
        keys, pending = catalog.delete_dataset(s, ctx.principal, tenant, dataset)
    for key, upload_id in pending:
        store.abort_upload(key, upload_id)
        store.delete(key)
    for key in keys:
        store.delete(key)
    for obj in store.list(f"tenants/{out_tenant}/datasets/{out.id}/reports/"):
        store.delete(obj.key)
    return out


@router.get("/datasets/{dataset}/versions", response_model=VersionList, name="datasets.versions.list")
def list_versions(tenant: str, dataset: str, ctx: CtxDep) -> VersionList:
    with ctx.tx() as s:
        rows = catalog.versions(s, ctx.principal, tenant, dataset)
        return VersionList(items=[VersionOut.model_validate(r) for r in rows])


@router.get("/datasets/{dataset}/versions/{version}", response_model=VersionManifest, name="datasets.versions.show")
def show_version(tenant: str, dataset: str, version: VersionRef, ctx: CtxDep) -> VersionManifest:
    """A version's manifest: its shards with sizes, sha256 and document counts, totals and lineage."""
    with ctx.tx() as s:
        ds, row, shards = catalog.version(s, ctx.principal, tenant, dataset, _number(version))
        return VersionManifest(**VersionOut.model_validate(row).model_dump(), dataset=ds.name,
                               shards=[ShardOut.model_validate(sh) for sh in shards])


@router.delete("/datasets/{dataset}/versions/{version}", response_model=VersionOut,
               name="datasets.versions.delete")
def delete_version(tenant: str, dataset: str, version: VersionRef, ctx: CtxDep, request: Request) -> VersionOut:
    """Delete a version; 409 while a later version names it as its parent."""
    number = _number(version)
    if number is None:
        raise InvalidInput("name the version to delete by its number")
    store = objects(request)
    with ctx.tx() as s:
        _, row, _ = catalog.version(s, ctx.principal, tenant, dataset, number)
        out = VersionOut.model_validate(row)
        keys = catalog.delete_version(s, ctx.principal, tenant, dataset, number)
    for key in keys:
        store.delete(key)
    return out


@router.get(
    "/datasets/{dataset}/versions/{version}/shards/{position}", name="datasets.shards.download",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The shard's bytes"},
               206: {"content": {"application/octet-stream": {}}, "description": "From the requested offset"}},
)
def download_shard(
    tenant: str, dataset: str, version: VersionRef, position: Annotated[int, Path(ge=0, le=100_000)],
    ctx: CtxDep, request: Request, range_: Annotated[str | None, Header(alias="Range", max_length=100)] = None,
) -> StreamingResponse:
    """Stream one shard as stored (compressed shards stay compressed). ``Range: bytes=N-`` resumes."""
    store = objects(request)
    with ctx.tx() as s:
        _, row, shards = catalog.version(s, ctx.principal, tenant, dataset, _number(version))
        if position >= len(shards):
            raise NotFound(f"version {row.number} has {len(shards)} shards")
        shard = shards[position]
    start = 0
    if range_:
        m = _RANGE.match(range_.strip())
        if not m or int(m.group(1)) > shard.size:
            raise InvalidInput("only 'Range: bytes=N-' with N at most the shard's size is supported")
        start = int(m.group(1))
    body: Iterator[bytes] = store.get(shard.key, start=start) if start < shard.size else iter(())
    headers = {"Content-Length": str(shard.size - start), "X-Content-SHA256": shard.sha256,
               "Content-Disposition": f'attachment; filename="{shard.name}"', "Accept-Ranges": "bytes"}
    if start:
        headers["Content-Range"] = f"bytes {start}-{shard.size - 1}/{shard.size}"
    return StreamingResponse(body, status_code=206 if start else 200, media_type="application/octet-stream",
                             headers=headers)


@router.post("/datasets/{dataset}/uploads", status_code=201, response_model=UploadOut,
             responses={200: {"model": UploadOut, "description": "An open upload of the same files, resumed"}},
             name="datasets.uploads.create")
def create_upload(tenant: str, dataset: str, body: UploadCreate, ctx: CtxDep, request: Request) -> JSONResponse:
    """Declare a new version's files; answers which chunks to send (200 when resuming an open upload)."""
    store = objects(request)
    files = [DeclaredFile(f.name, f.size, f.sha256) for f in body.files]
    lineage = Lineage(body.parent_version, body.recipe, body.report, body.message)
    row, resumed = uploads.begin(ctx.db, ctx.principal, store, tenant, dataset, files=files,
                                 chunk_size=body.chunk_size, lineage=lineage, now=utcnow())
    with ctx.tx() as s:
        ds = catalog.resolve(s, ctx.principal, tenant, dataset)
        out = upload_out(row, ds.name, uploads.received(s, row), resumed)
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if resumed else 201)


@router.get("/datasets/{dataset}/uploads/{upload}", response_model=UploadOut, name="datasets.uploads.show")
def show_upload(tenant: str, dataset: str, upload: str, ctx: CtxDep) -> UploadOut:
    """An upload's state: which chunks of which files the server holds."""
    with ctx.tx() as s:
        row = uploads.show(s, ctx.principal, tenant, dataset, upload)
        ds = catalog.resolve(s, ctx.principal, tenant, dataset)
        return upload_out(row, ds.name, uploads.received(s, row))


@router.put(
    "/datasets/{dataset}/uploads/{upload}/files/{index}/chunks/{number}", response_model=ChunkOut,
    name="datasets.uploads.chunk",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def put_chunk(
    tenant: str, dataset: str, upload: str, index: Annotated[int, Path(ge=0, le=1000)],
    number: Annotated[int, Path(ge=1, le=10_000)], ctx: CtxDep, request: Request,
    sha256: Annotated[str | None, Header(alias="X-Content-SHA256", max_length=64)] = None,
) -> ChunkOut:
    """Store one chunk; its size must match the plan and its sha256 the header (else nothing is kept)."""
    data = await request.body()
    store = objects(request)
    part = await anyio.to_thread.run_sync(lambda: uploads.put_chunk(
        ctx.db, ctx.principal, store, tenant, dataset, upload, index=index, number=number, data=data,
        sha256=sha256, now=utcnow()))
    return ChunkOut.model_validate(part)


@router.post("/datasets/{dataset}/uploads/{upload}/commit", response_model=VersionOut,
             name="datasets.uploads.commit")
def commit_upload(tenant: str, dataset: str, upload: str, ctx: CtxDep, request: Request) -> VersionOut:
    """Verify every file (sha256, JSON Lines, document count) and create the version."""
    row = uploads.commit(ctx.db, ctx.principal, objects(request), tenant, dataset, upload, now=utcnow())
    return VersionOut.model_validate(row)


@router.delete("/datasets/{dataset}/uploads/{upload}", status_code=204, name="datasets.uploads.abort")
def abort_upload(tenant: str, dataset: str, upload: str, ctx: CtxDep, request: Request) -> None:
    uploads.abort(ctx.db, ctx.principal, objects(request), tenant, dataset, upload)


@router.post("/datasets/{dataset}/reports", status_code=201, response_model=ReportRef, name="datasets.reports.create")
def create_report(tenant: str, dataset: str, body: dict[str, Any], ctx: CtxDep, request: Request) -> ReportRef:
    """Store a curation report (a JSON object, at most 1 MiB); name it as ``report`` of the upload it describes."""
    with ctx.tx() as s:
        row = catalog.resolve(s, ctx.principal, tenant, dataset)
        ctx.principal.require(Permission.WORK_SUBMIT)
    return ReportRef(ref=reports.store_report(objects(request), row, body))


@router.get("/datasets/{dataset}/reports/{report}", response_model=dict[str, Any], name="datasets.reports.show")
def show_report(tenant: str, dataset: str, report: Annotated[str, Path(max_length=64)], ctx: CtxDep,
                request: Request) -> dict[str, Any]:
    """A stored curation report (``report`` is the sha256 part of the version's ``reports/<sha256>``)."""
    with ctx.tx() as s:
        row = catalog.resolve(s, ctx.principal, tenant, dataset)
    return reports.load_report(objects(request), row, f"reports/{report}")


@router.get("/storage", response_model=StorageOut, name="datasets.storage")
def storage(tenant: str, ctx: CtxDep) -> StorageOut:
    """The tenant's stored and reserved bytes against its storage quota (0: no limit)."""
    with ctx.tx() as s:
        row = tenants.resolve(s, ctx.principal, tenant)
        ctx.principal.require(Permission.READ)
        return StorageOut(**catalog.usage(s, row))


# Curation jobs live under a dataset: their routes are part of this router.
from suanli.api.routers import curations  # noqa: E402

router.include_router(curations.router)
