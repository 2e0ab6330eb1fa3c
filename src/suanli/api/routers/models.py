"""``/api/v1/tenants/{tenant}/models``: the model registry, with chunked per-file uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from pydantic import Field

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.schemas import Body, Out
from suanli.serving.registry import service
from suanli.serving.registry.location import objects_dir_of
from suanli.serving.registry.storage import MAX_CHUNK_BYTES

router = APIRouter(prefix="/api/v1/tenants/{tenant}/models", tags=["models"])


class ModelCreate(Body):
    name: str = Field(min_length=1, max_length=63)
    description: str = Field(default="", max_length=500)


class ModelOut(Out):
    id: str
    tenant_id: str
    name: str
    description: str
    created_at: datetime


class VersionCreate(Body):
    training_job_id: str | None = Field(default=None, max_length=100, description="lineage: the job that trained it")
    dataset_version: str | None = Field(default=None, max_length=200, description="lineage: the data it saw")


class VersionFinalize(Body):
    files: dict[str, Annotated[int, Field(ge=0)]] | None = Field(
        default=None, max_length=10_000, description="path to size: refuse to finalise unless exactly these arrived"
    )


class VersionOut(Out):
    id: str
    model_id: str
    number: int
    status: str
    size_bytes: int
    files: dict[str, Any]
    architecture: str
    parameters: int
    tokenizer: str
    context_length: int
    training_job_id: str | None
    dataset_version: str | None
    created_at: datetime
    ready_at: datetime | None


class ChunkOut(Out):
    path: str
    size: int


@router.post("", status_code=201, response_model=ModelOut, name="models.create")
def create_model(tenant: str, body: ModelCreate, ctx: CtxDep) -> object:
    return ctx.create(
        body, lambda s: ModelOut.model_validate(service.create_model(s, ctx.principal, tenant, **body.model_dump()))
    )


@router.get("", response_model=Page[ModelOut], name="models.list")
def list_models(tenant: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None) -> Page[ModelOut]:
    with ctx.tx() as s:
        rows = service.list_models(s, ctx.principal, tenant, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, ModelOut.model_validate, lambda m: m.id)


@router.get("/{model}", response_model=ModelOut, name="models.show")
def show_model(tenant: str, model: str, ctx: CtxDep) -> ModelOut:
    with ctx.tx() as s:
        return ModelOut.model_validate(service.get_model(s, ctx.principal, tenant, model))


@router.post("/{model}/versions", status_code=201, response_model=VersionOut, name="models.versions.create")
def create_version(tenant: str, model: str, body: VersionCreate, ctx: CtxDep, request: Request) -> object:
    objects = objects_dir_of(request.app.state)
    return ctx.create(
        body,
        lambda s: VersionOut.model_validate(
            service.create_version(s, ctx.principal, tenant, model, objects, **body.model_dump())
        ),
    )


@router.get("/{model}/versions", response_model=Page[VersionOut], name="models.versions.list")
def list_versions(tenant: str, model: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None) -> Page[VersionOut]:
    with ctx.tx() as s:
        rows = service.list_versions(s, ctx.principal, tenant, model, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, VersionOut.model_validate, lambda v: v.id)


@router.get("/{model}/versions/{version}", response_model=VersionOut, name="models.versions.show")
def show_version(tenant: str, model: str, version: str, ctx: CtxDep) -> VersionOut:
    with ctx.tx() as s:
        return VersionOut.model_validate(service.get_version(s, ctx.principal, tenant, model, version))


@router.put(
    "/{model}/versions/{version}/files/{path:path}",
    response_model=ChunkOut,
    name="models.versions.upload",
    description=f"Append the raw request body (at most {MAX_CHUNK_BYTES} bytes) to a file of an uploading "
    "version at `offset`; a wrong offset answers 409 with the size to resume from.",
)
async def upload_chunk(
    tenant: str,
    model: str,
    version: str,
    path: str,
    request: Request,
    ctx: CtxDep,
    offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> ChunkOut:
    data = await request.body()
    objects = objects_dir_of(request.app.state)

    def write() -> ChunkOut:
        with ctx.tx() as s:
            return ChunkOut.model_validate(
                service.upload_chunk(
                    s, ctx.principal, tenant, model, version, objects, path=path, offset=offset, data=data
                )
            )

    return await anyio.to_thread.run_sync(write)


@router.post("/{model}/versions/{version}/finalize", response_model=VersionOut, name="models.versions.finalize")
def finalize_version(
    tenant: str, model: str, version: str, body: VersionFinalize, ctx: CtxDep, request: Request
) -> VersionOut:
    objects = objects_dir_of(request.app.state)
    with ctx.tx() as s:
        return VersionOut.model_validate(
            service.finalize(s, ctx.principal, tenant, model, version, objects, expected=body.files)
        )
