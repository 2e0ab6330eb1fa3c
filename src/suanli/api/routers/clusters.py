"""``/api/v1/clusters``: clusters, their nodes and accelerators; cordon, drain, uncordon, heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy.orm import Session

from suanli.api.context import CtxDep
from suanli.api.schemas import Body, Out
from suanli.training import clusters

router = APIRouter(prefix="/api/v1/clusters", tags=["clusters"])


class ClusterCreate(Body):
    name: str = Field(min_length=1, max_length=63)
    engine: str = Field(max_length=20, description="local, ray, slurm or kubernetes")
    provider: str = Field(default="self", max_length=63)
    region: str = Field(default="local", max_length=63)
    heartbeat_grace_s: float = Field(default=60.0, ge=1, le=86400)
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="where the engine is reached (a Ray address, a slurm.conf path); never secrets: engines read "
                    "credentials from the server's environment")


class ClusterOut(Out):
    id: str
    name: str
    engine: str
    provider: str
    region: str
    heartbeat_grace_s: float
    config: dict[str, Any]
    created_at: datetime


class NodeCreate(Body):
    name: str = Field(min_length=1, max_length=63)
    kind: str = Field(max_length=40)
    count: int = Field(ge=0, le=1024)
    memory_gb: int | None = Field(default=None, ge=0, le=10_000)
    interconnect_domain: str = Field(default="", max_length=63)
    rack: str = Field(default="rack-0", max_length=63)


class NodeOut(Out):
    id: str
    cluster: str
    name: str
    accelerator_kind: str
    accelerator_count: int
    allocated: int
    memory_gb: int
    interconnect_domain: str
    rack: str
    schedulable: str
    healthy: bool
    last_heartbeat_at: datetime | None

    @classmethod
    def of(cls, view: clusters.NodeView) -> NodeOut:
        n = view.node
        return cls(id=n.id, cluster=view.cluster, name=n.name, accelerator_kind=n.accelerator_kind,
                   accelerator_count=n.accelerator_count, allocated=view.allocated, memory_gb=n.memory_gb,
                   interconnect_domain=n.interconnect_domain, rack=n.rack, schedulable=n.schedulable,
                   healthy=n.healthy, last_heartbeat_at=n.last_heartbeat_at)


class ClusterDetail(ClusterOut):
    nodes: list[NodeOut]


@router.post("", status_code=201, response_model=ClusterOut, name="clusters.create")
def create_cluster(body: ClusterCreate, ctx: CtxDep) -> object:
    return ctx.create(body, lambda s: ClusterOut.model_validate(clusters.create(s, ctx.principal, **body.model_dump())))


@router.get("", response_model=list[ClusterOut], name="clusters.list")
def list_clusters(ctx: CtxDep) -> list[ClusterOut]:
    with ctx.tx() as s:
        return [ClusterOut.model_validate(c) for c in clusters.listing(s, ctx.principal)]


@router.get("/{cluster}", response_model=ClusterDetail, name="clusters.show")
def show_cluster(cluster: str, ctx: CtxDep) -> ClusterDetail:
    with ctx.tx() as s:
        c = clusters.resolve(s, ctx.principal, cluster)
        views = clusters.nodes(s, ctx.principal, c.id)
        return ClusterDetail(**ClusterOut.model_validate(c).model_dump(), nodes=[NodeOut.of(v) for v in views])


@router.post("/{cluster}/nodes", status_code=201, response_model=NodeOut, name="nodes.create")
def add_node(cluster: str, body: NodeCreate, ctx: CtxDep) -> object:
    def make(s: Session) -> NodeOut:
        n = clusters.add_node(s, ctx.principal, cluster, **body.model_dump())
        return NodeOut.of(clusters.NodeView(n, clusters.resolve(s, ctx.principal, cluster).name, 0))

    return ctx.create(body, make)


def _node_action(cluster: str, node: str, ctx: CtxDep, action: str) -> NodeOut:
    with ctx.tx() as s:
        if action == "heartbeat":
            n = clusters.heartbeat(s, ctx.principal, cluster, node)
        else:
            n = clusters.set_schedulable(s, ctx.principal, cluster, node, action)
        name = clusters.resolve(s, ctx.principal, cluster).name
        return NodeOut.of(clusters.NodeView(n, name, clusters.allocated(s).get(n.id, 0)))


@router.post("/{cluster}/nodes/{node}/heartbeat", response_model=NodeOut, name="nodes.heartbeat")
def heartbeat(cluster: str, node: str, ctx: CtxDep) -> NodeOut:
    return _node_action(cluster, node, ctx, "heartbeat")


@router.post("/{cluster}/nodes/{node}/cordon", response_model=NodeOut, name="nodes.cordon")
def cordon(cluster: str, node: str, ctx: CtxDep) -> NodeOut:
    return _node_action(cluster, node, ctx, "cordoned")


@router.post("/{cluster}/nodes/{node}/drain", response_model=NodeOut, name="nodes.drain")
def drain(cluster: str, node: str, ctx: CtxDep) -> NodeOut:
    return _node_action(cluster, node, ctx, "draining")


@router.post("/{cluster}/nodes/{node}/uncordon", response_model=NodeOut, name="nodes.uncordon")
def uncordon(cluster: str, node: str, ctx: CtxDep) -> NodeOut:
    return _node_action(cluster, node, ctx, "ready")
