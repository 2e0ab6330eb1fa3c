"""``/api/v1/tenants/{tenant}/deployments``: served models, their scaling and their replicas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field

from suanli.api import pagination
from suanli.api.context import CtxDep
from suanli.api.pagination import Cursor, Limit, Page
from suanli.api.schemas import Body, Out
from suanli.governance.service import enforcement
from suanli.serving.deployments import service

router = APIRouter(prefix="/api/v1/tenants/{tenant}/deployments", tags=["deployments"])


class RegionBounds(Body):
    min_replicas: int = Field(default=0, ge=0, le=64)
    max_replicas: int = Field(default=1, ge=1, le=64)


RegionName = Annotated[str, Field(min_length=1, max_length=63)]


class DeploymentCreate(Body):
    name: str = Field(min_length=1, max_length=63)
    model: str | None = Field(default=None, max_length=63, description="registry model (name or id); none for external")
    version: str = Field(default="latest", max_length=40, description="version number, id, or 'latest'")
    engine: str = Field(default="transformers", max_length=20, description="transformers, vllm or external")
    engine_options: dict[str, Any] = Field(default_factory=dict, description="external: {url, model, api_key_env}")
    regions: dict[RegionName, RegionBounds] = Field(
        default_factory=lambda: {"local": RegionBounds(min_replicas=1, max_replicas=1)}, min_length=1, max_length=32
    )
    policy: str = Field(default="suanli", max_length=20, description="autoscaling policy: suanli, kpa, static-peak")
    slots_per_replica: int = Field(default=4, ge=1, le=4096, description="concurrent sequences one replica serves")
    accelerator_kind: str | None = Field(default=None, max_length=40)
    accelerators_per_replica: int = Field(default=0, ge=0, le=64)
    scale_to_zero_after_s: int = Field(default=300, ge=10, le=86_400)
    classification: str | None = Field(default=None, max_length=20,
                                       description="data classification: public, internal, important or core")


class DeploymentUpdate(Body):
    regions: dict[RegionName, RegionBounds] | None = Field(default=None, max_length=32)
    version: str | None = Field(default=None, max_length=40, description="roll out this version of the model")
    policy: str | None = Field(default=None, max_length=20)
    scale_to_zero_after_s: int | None = Field(default=None, ge=10, le=86_400)


class ReplicaOut(Out):
    id: str
    region: str
    model_version_id: str | None
    state: str
    url: str
    restarts: int
    message: str
    started_at: datetime
    ready_at: datetime | None


class DeploymentOut(Out):
    id: str
    tenant_id: str
    name: str
    model_id: str | None
    model_version_id: str | None
    engine: str
    engine_options: dict[str, Any]
    regions: dict[str, Any]
    policy: str
    slots_per_replica: int
    accelerator_kind: str | None
    accelerators_per_replica: int
    scale_to_zero_after_s: int
    status: str
    autoscaling: dict[str, Any]
    generation: int
    observed_generation: int
    created_at: datetime
    updated_at: datetime
    replicas: list[ReplicaOut] = Field(default_factory=list)
    classification: str = "public"


def _out(s: Any, dep: Any, with_replicas: bool = True) -> DeploymentOut:
    out = DeploymentOut.model_validate(dep)
    out.classification = enforcement.classification_of(s, dep.id).label
    if with_replicas:
        out.replicas = [ReplicaOut.model_validate(r) for r in service.replicas(s, dep)]
    return out


@router.post("", status_code=201, response_model=DeploymentOut, name="deployments.create")
def create_deployment(tenant: str, body: DeploymentCreate, ctx: CtxDep, request: Request) -> object:
    def make(s: Any) -> DeploymentOut:
        fields = body.model_dump()
        fields["regions"] = {k: v.model_dump() for k, v in body.regions.items()}
        return _out(s, service.create(s, ctx.principal, tenant, **fields), with_replicas=False)

    response = ctx.create(body, make)
    request.app.state.poke_controllers()
    return response


@router.get("", response_model=Page[DeploymentOut], name="deployments.list")
def list_deployments(tenant: str, ctx: CtxDep, limit: Limit = 50, cursor: Cursor = None) -> Page[DeploymentOut]:
    with ctx.tx() as s:
        rows = service.listing(s, ctx.principal, tenant, pagination.decode(cursor), limit + 1)
        return pagination.page(rows, limit, lambda d: _out(s, d), lambda d: d.id)


@router.get("/{deployment}", response_model=DeploymentOut, name="deployments.show")
def show_deployment(tenant: str, deployment: str, ctx: CtxDep) -> DeploymentOut:
    with ctx.tx() as s:
        return _out(s, service.get(s, ctx.principal, tenant, deployment))


@router.patch("/{deployment}", response_model=DeploymentOut, name="deployments.update")
def update_deployment(
    tenant: str, deployment: str, body: DeploymentUpdate, ctx: CtxDep, request: Request
) -> DeploymentOut:
    regions = {k: v.model_dump() for k, v in body.regions.items()} if body.regions is not None else None
    with ctx.tx() as s:
        out = _out(
            s,
            service.update(
                s,
                ctx.principal,
                tenant,
                deployment,
                regions=regions,
                version=body.version,
                policy=body.policy,
                scale_to_zero_after_s=body.scale_to_zero_after_s,
            ),
        )
    request.app.state.poke_controllers()
    return out


@router.delete("/{deployment}", response_model=DeploymentOut, name="deployments.delete")
def delete_deployment(tenant: str, deployment: str, ctx: CtxDep, request: Request) -> DeploymentOut:
    with ctx.tx() as s:
        out = _out(s, service.delete(s, ctx.principal, tenant, deployment))
    request.app.state.poke_controllers()
    return out
