"""From database rows to the scheduling core's :class:`~suanli.scheduling.Snapshot`, and back.

Core node names are node ids (unique across clusters); racks and interconnect domains are prefixed with
the cluster id, so the core never puts two clusters' nodes in one rack or fabric.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.governance.service import enforcement, quotes
from suanli.scheduling import Cluster, Demand, Job, Node, Placement, RunningJob, Snapshot, TenantQuota
from suanli.state.models import AcceleratorQuota
from suanli.state.training import ACTIVE_STATES, LOCAL_CLUSTER, WAITING_STATES, ComputeCluster, ComputeNode, TrainingJob


def ts(value: datetime | None) -> float | None:
    """Seconds since the epoch: the core's clock."""
    return None if value is None else value.timestamp()


def at(seconds: float | None) -> datetime | None:
    """The inverse of :func:`ts`."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def placement_of(row: dict[str, Any]) -> Placement:
    return Placement(row["kind"], tuple((str(n), tuple(int(d) for d in devs)) for n, devs in row["devices"]))


def placement_json(p: Placement) -> dict[str, Any]:
    return {"kind": p.kind, "devices": [[n, list(d)] for n, d in p.devices]}


def job_of(row: TrainingJob) -> Job:
    """The core's view of a job row."""
    return Job(
        id=row.id, tenant=row.tenant_id,
        demand=Demand(row.accelerators, kind=row.accelerator_kind, min_memory_gb=row.min_memory_gb,
                      nodes=row.node_count),
        priority=row.priority, submitted_at=row.created_at.timestamp(), attained_service=row.attained_service,
        time_limit_s=row.max_runtime_s, preemptions=row.preemptions, queued_at=ts(row.queued_at),
    )


@dataclass(frozen=True, slots=True)
class Waiting:
    """What a pass needs to know of a waiting job's stored explanation, to write only what changed."""

    reason: str | None
    estimated_start: datetime | None
    position: int | None


@dataclass(frozen=True, slots=True)
class World:
    """One pass's inputs: the snapshot, and the rows behind it."""

    snapshot: Snapshot
    nodes: dict[str, ComputeNode]
    clusters: dict[str, ComputeCluster]
    active: dict[str, TrainingJob]
    waiting: dict[str, Waiting]
    held_back: dict[str, int]
    """Nodes per accelerator kind left out of the pass: cordoned, draining or unhealthy."""
    permits: enforcement.JobPermits = field(default_factory=enforcement.JobPermits)
    """Placement policy over the waiting jobs; its ``blocked`` jobs (every cluster forbidden) are left out of
    the pass, their reason to be stored and audited when it changed."""
    tenants: dict[str, str] = field(default_factory=dict)
    """The tenant of each waiting job."""


_WAITING_COLUMNS = (
    TrainingJob.id, TrainingJob.tenant_id, TrainingJob.accelerators, TrainingJob.accelerator_kind,
    TrainingJob.min_memory_gb, TrainingJob.node_count, TrainingJob.priority, TrainingJob.created_at,
    TrainingJob.attained_service, TrainingJob.max_runtime_s, TrainingJob.preemptions, TrainingJob.queued_at,
    TrainingJob.pending_reason, TrainingJob.estimated_start_at, TrainingJob.queue_position,
)


def build(session: Session, engines: Collection[str], now: datetime, own_local: Collection[str] = ()) -> World:
    """The snapshot of every schedulable node of clusters whose engine this server runs (reads only).

    Of the ``local`` cluster only this box's nodes (``own_local``) count: with several servers on one
    PostgreSQL, each launches local work on its own box only.

    Waiting jobs are read as plain columns, not ORM objects: with thousands queued, the pass (which holds
    SQLite's write lock) is dominated by loading them.
    """
    clusters = {c.id: c for c in session.scalars(select(ComputeCluster)) if c.engine in engines}
    usable: dict[str, ComputeNode] = {}
    held_back: dict[str, int] = {}
    for n in session.scalars(select(ComputeNode).order_by(ComputeNode.cluster_id, ComputeNode.rack, ComputeNode.name)):
        if n.cluster_id not in clusters or n.accelerator_count == 0:
            continue
        if clusters[n.cluster_id].name == LOCAL_CLUSTER and n.name not in own_local:
            continue
        if n.healthy and n.schedulable == "ready":
            usable[n.id] = n
        else:
            held_back[n.accelerator_kind] = held_back.get(n.accelerator_kind, 0) + 1
    # Each cluster is a site (no gang spans two); cheaper clusters are lower tiers, filled first (fill_order).
    tier = fill_order(session, clusters, usable.values(), now)
    core_nodes = tuple(
        Node(n.id, n.accelerator_kind, n.accelerator_count, rack=f"{n.cluster_id}/{n.rack}",
             nvlink_domain=f"{n.cluster_id}/{n.interconnect_domain}" if n.interconnect_domain else "",
             site=n.cluster_id, tier=tier[(n.cluster_id, n.accelerator_kind)])
        for n in usable.values()
    )
    memory = {n.accelerator_kind: n.memory_gb for n in usable.values() if n.memory_gb}
    active = {r.id: r for r in session.scalars(select(TrainingJob).where(TrainingJob.state.in_(ACTIVE_STATES)))}
    running: list[RunningJob] = []
    for r in active.values():
        if r.placement is not None and _fits(r.placement, usable):
            started = ts(r.started_at or r.admitted_at) or now.timestamp()
            stopping = ts(r.stop_requested_at or now) if r.stop_reason else None
            running.append(RunningJob(job_of(r), placement_of(r.placement), started, stopping))
    pending: list[Job] = []
    waiting: dict[str, Waiting] = {}
    # Placement policy is a hard filter before scheduling: forbidden clusters' nodes are out of a job's reach.
    permits = enforcement.job_permits(session, {c.id: c.name for c in clusters.values()}, now)
    off: dict[frozenset[str], frozenset[str]] = {}
    for forbidden in permits.forbidden.values():
        if forbidden not in off:
            off[forbidden] = frozenset(n.id for n in usable.values() if n.cluster_id in forbidden)
    query = select(*_WAITING_COLUMNS).where(TrainingJob.state.in_(WAITING_STATES)).order_by(TrainingJob.id)
    tenants: dict[str, str] = {}
    for (job_id, tenant, count, kind, memory_gb, nodes, priority, created, attained, limit, preemptions, queued,
         reason, estimate, position) in session.execute(query):
        waiting[job_id] = Waiting(reason, estimate, position)
        tenants[job_id] = tenant
        if job_id in permits.blocked:
            continue
        banned = permits.forbidden.get(job_id)
        pending.append(Job(
            id=job_id, tenant=tenant, demand=Demand(count, kind=kind, min_memory_gb=memory_gb, nodes=nodes),
            priority=priority, submitted_at=created.timestamp(), attained_service=attained, time_limit_s=limit,
            preemptions=preemptions, queued_at=ts(queued),
            excluded_nodes=off[banned] if banned is not None else frozenset(),
        ))
    snapshot = Snapshot(Cluster(core_nodes, memory), tuple(running), tuple(pending), quotas(session))
    return World(snapshot, usable, clusters, active, waiting, held_back, permits, tenants)


def fill_order(session: Session, clusters: dict[str, ComputeCluster], nodes: Iterable[ComputeNode],
               now: datetime) -> dict[tuple[str, str], int]:
    """The price tier of each (cluster, kind) of ``nodes``: the scheduler fills lower tiers first.

    Neutral placement (governance): among the clusters policy permits, the cheaper device-hour (after
    resale, per unit of performance) is taken first, whoever owns it; unpriced clusters come last. With
    one cluster there is nothing to choose, and the catalog is not read.
    """
    kinds = {(n.cluster_id, n.accelerator_kind) for n in nodes}
    if len({c for c, _ in kinds}) < 2:
        return dict.fromkeys(kinds, 0)
    return quotes.cluster_tiers(session, {c: clusters[c].name for c, _ in kinds}, kinds, now)


def _fits(placement: dict[str, Any], usable: dict[str, ComputeNode]) -> bool:
    # Work on a cordoned, lost or shrunk node is left out of the pass (the core has no unschedulable node).
    for node_id, devices in placement.get("devices", []):
        n = usable.get(node_id)
        if n is None or any(d >= n.accelerator_count for d in devices):
            return False
    return True


def quotas(session: Session) -> dict[str, TenantQuota]:
    """Every tenant's accelerator quotas, as the core reads them."""
    nominal: dict[str, dict[str, int]] = {}
    borrow: dict[str, dict[str, int]] = {}
    for q in session.scalars(select(AcceleratorQuota)):
        nominal.setdefault(q.tenant_id, {})[q.accelerator_kind] = q.nominal
        borrow.setdefault(q.tenant_id, {})[q.accelerator_kind] = q.borrowing_limit
    return {t: TenantQuota(t, nominal[t], borrow[t]) for t in nominal}


def node_names(placement: Placement, nodes: dict[str, ComputeNode]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """A placement with node names instead of ids."""
    return tuple((nodes[n].name, d) for n, d in placement.devices)
