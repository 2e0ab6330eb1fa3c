"""Inventory: clusters bound to an engine, their nodes and accelerators, heartbeats, cordon and drain.

Platform admins manage clusters and nodes; every tenant may read them (capacity is public to the
platform's tenants; which jobs hold the devices is not shown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.accelerators import kind_of
from suanli.core.errors import Conflict, InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.engines.base import NodeReport
from suanli.engines.connect import check_config
from suanli.state.models import utcnow
from suanli.state.training import ACTIVE_STATES, ComputeCluster, ComputeNode, TrainingJob
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission
from suanli.tenancy.tenants import check_name
from suanli.training.jobs import printable

ENGINES = ("local", "ray", "slurm", "kubernetes")
SCHEDULABLE = ("ready", "cordoned", "draining")


@dataclass(frozen=True, slots=True)
class NodeView:
    """A node with the devices that running jobs hold on it."""

    node: ComputeNode
    cluster: str
    allocated: int


def create(session: Session, principal: Principal, *, name: str, engine: str, provider: str = "self",
           region: str = "local", heartbeat_grace_s: float = 60.0,
           config: Mapping[str, Any] | None = None) -> ComputeCluster:
    principal.require(Permission.TENANTS_MANAGE)
    check_name(name, "cluster")
    if engine not in ENGINES:
        raise InvalidInput(f"unknown engine {engine!r}", details={"allowed": list(ENGINES)})
    if not 1 <= heartbeat_grace_s <= 86400:
        raise InvalidInput("heartbeat_grace_s must be between 1 and 86400")
    _labels(provider=provider, region=region)
    checked = check_config(engine, config or {})
    cluster = ComputeCluster(id=new_id("clu"), name=name, engine=engine, provider=provider or "self",
                             region=region or "local", heartbeat_grace_s=heartbeat_grace_s, config=checked,
                             created_at=utcnow())
    session.add(cluster)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"cluster {name!r} already exists") from None
    return cluster


def _labels(**values: str) -> None:
    for field, value in values.items():
        if len(value) > 63 or not printable(value):
            raise InvalidInput(f"{field} must be at most 63 characters without control characters")


def listing(session: Session, principal: Principal) -> Sequence[ComputeCluster]:
    principal.require(Permission.READ)
    return session.scalars(select(ComputeCluster).order_by(ComputeCluster.name)).all()


def resolve(session: Session, principal: Principal, ref: str) -> ComputeCluster:
    principal.require(Permission.READ)
    cluster = session.scalars(
        select(ComputeCluster).where((ComputeCluster.name == ref) | (ComputeCluster.id == ref))
    ).first()
    if cluster is None:
        raise NotFound(f"no cluster {ref!r}")
    return cluster


def nodes(session: Session, principal: Principal, cluster_ref: str | None = None) -> list[NodeView]:
    """Nodes (of one cluster, or all) with their allocated device counts."""
    principal.require(Permission.READ)
    query = select(ComputeNode, ComputeCluster.name).join(ComputeCluster, ComputeCluster.id == ComputeNode.cluster_id)
    if cluster_ref is not None:
        query = query.where(ComputeNode.cluster_id == resolve(session, principal, cluster_ref).id)
    held = allocated(session)
    return [NodeView(n, c, held.get(n.id, 0))
            for n, c in session.execute(query.order_by(ComputeCluster.name, ComputeNode.name)).all()]


def allocated(session: Session) -> dict[str, int]:
    """Devices held by active jobs, per node id."""
    out: dict[str, int] = {}
    for (placement,) in session.execute(select(TrainingJob.placement).where(TrainingJob.state.in_(ACTIVE_STATES))):
        for node_id, devices in (placement or {}).get("devices", []):
            out[node_id] = out.get(node_id, 0) + len(devices)
    return out


def add_node(session: Session, principal: Principal, cluster_ref: str, *, name: str, kind: str, count: int,
             memory_gb: int | None = None, interconnect_domain: str = "", rack: str = "rack-0") -> ComputeNode:
    principal.require(Permission.TENANTS_MANAGE)
    cluster = resolve(session, principal, cluster_ref)
    check_name(name, "node")
    known = kind_of(kind)
    if not 0 <= count <= 1024:
        raise InvalidInput("count must be between 0 and 1024")
    if memory_gb is not None and not 0 <= memory_gb <= 10_000:
        raise InvalidInput("memory_gb must be between 0 and 10000")
    _labels(interconnect_domain=interconnect_domain, rack=rack)
    node = ComputeNode(id=new_id("nod"), cluster_id=cluster.id, name=name, accelerator_kind=kind,
                       accelerator_count=count, memory_gb=memory_gb if memory_gb is not None else known.memory_gb,
                       interconnect_domain=interconnect_domain, rack=rack or "rack-0", schedulable="ready",
                       healthy=True, last_heartbeat_at=utcnow(), created_at=utcnow())
    session.add(node)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"node {name!r} already exists in cluster {cluster.name!r}") from None
    return node


def node(session: Session, principal: Principal, cluster_ref: str, name: str) -> ComputeNode:
    cluster = resolve(session, principal, cluster_ref)
    found = session.scalars(
        select(ComputeNode).where(ComputeNode.cluster_id == cluster.id, ComputeNode.name == name)
    ).first()
    if found is None:
        raise NotFound(f"no node {name!r} in cluster {cluster.name!r}")
    return found


def heartbeat(session: Session, principal: Principal, cluster_ref: str, name: str) -> ComputeNode:
    """A node agent says it is alive; a node that had been lost becomes healthy again."""
    principal.require(Permission.TENANTS_MANAGE)
    n = node(session, principal, cluster_ref, name)
    n.last_heartbeat_at = utcnow()
    n.healthy = True
    return n


def set_schedulable(session: Session, principal: Principal, cluster_ref: str, name: str, value: str) -> ComputeNode:
    """``cordoned``: no new work; ``draining``: also requeue its running work; ``ready``: back in service."""
    principal.require(Permission.TENANTS_MANAGE)
    if value not in SCHEDULABLE:
        raise InvalidInput(f"unknown node state {value!r}", details={"allowed": list(SCHEDULABLE)})
    n = node(session, principal, cluster_ref, name)
    n.schedulable = value
    return n


def sync_engine_nodes(session: Session, cluster_name: str, engine: str, reports: Sequence[NodeReport],
                      now: datetime, host: str | None = None) -> ComputeCluster:
    """Create or refresh a cluster from its engine's inventory (the local box at every pass) and heartbeat it.

    ``host`` names this box's nodes (``host`` and ``host-<kind>``): only those are zeroed when no longer
    reported, so several servers can share the ``local`` cluster of one PostgreSQL.
    """
    cluster = session.scalars(select(ComputeCluster).where(ComputeCluster.name == cluster_name)).first()
    if cluster is None:
        cluster = ComputeCluster(id=new_id("clu"), name=cluster_name, engine=engine, provider="self", region="local",
                                 heartbeat_grace_s=60.0, config={}, created_at=now)
        session.add(cluster)
        session.flush()
    existing = {n.name: n for n in session.scalars(select(ComputeNode).where(ComputeNode.cluster_id == cluster.id))}
    for r in reports:
        n = existing.get(r.name)
        if n is None:
            n = ComputeNode(id=new_id("nod"), cluster_id=cluster.id, name=r.name, schedulable="ready",
                            created_at=now)
            session.add(n)
        n.accelerator_kind, n.accelerator_count, n.memory_gb = r.kind, r.count, r.memory_gb
        n.interconnect_domain, n.rack = r.interconnect_domain, r.rack
        n.healthy, n.last_heartbeat_at = r.healthy, now  # an engine may report a node down (Slurm DOWN)
    reported = {r.name for r in reports}
    for name, n in existing.items():
        mine = host is None or name == host or name.startswith(f"{host}-")
        if mine and name not in reported and n.accelerator_count:
            n.accelerator_count = 0  # the box no longer has these devices (a fake declaration was removed)
    return cluster
