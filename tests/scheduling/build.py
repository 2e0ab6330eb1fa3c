"""Small builders shared by the scheduling tests."""

from __future__ import annotations

from suanli.scheduling import Cluster, Demand, Job, Node, Placement, RunningJob


def cluster(nodes: int, per: int = 8, kind: str = "nvidia-h100", nodes_per_rack: int = 4,
            prefix: str = "n") -> Cluster:
    """``nodes`` nodes of ``per`` devices of ``kind``, ``nodes_per_rack`` to a rack."""
    return Cluster(tuple(Node(f"{prefix}{i}", kind, per, rack=f"{prefix}r{i // nodes_per_rack}")
                         for i in range(nodes)))


def job(jid: str, count: int, tenant: str = "t", *, kind: str | None = None, priority: int = 0,
        submitted_at: float = 0.0, **kw: object) -> Job:
    """A job asking for ``count`` devices."""
    return Job(jid, tenant, Demand(count, kind=kind), priority=priority, submitted_at=submitted_at, **kw)  # type: ignore[arg-type]


def running(j: Job, kind: str, *where: tuple[str, tuple[int, ...]], started_at: float = 0.0) -> RunningJob:
    """``j`` running on the given (node, devices) pairs."""
    return RunningJob(j, Placement(kind, tuple(where)), started_at)
