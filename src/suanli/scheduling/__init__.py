"""Multi-tenant admission and placement: a pure, deterministic scheduling core.

No database, no network, no clock: the live job controller and ``suanli sim`` build a :class:`Snapshot`
(cluster inventory, tenant quotas, running and pending jobs) and call :func:`schedule` with a
:class:`Policy` and the current time; they get :class:`Decisions` back (admit, preempt, keep pending with
a reason and an estimated start) and carry them out themselves.

    from suanli.scheduling import Cluster, Demand, Job, Node, Snapshot, policy_named, schedule

    cluster = Cluster(tuple(Node(f"n{i}", "nvidia-h100", 8, rack=f"r{i // 4}") for i in range(8)))
    job = Job("j1", tenant="acme", demand=Demand(16, kind="nvidia-h100"))
    decisions = schedule(Snapshot(cluster, pending=(job,)), policy_named("suanli"), now=0.0)
"""

from suanli.scheduling.model import (
    Admit,
    Cluster,
    Decisions,
    Demand,
    Job,
    Node,
    Pending,
    Placement,
    Preempt,
    RunningJob,
    Snapshot,
    TenantQuota,
)
from suanli.scheduling.policies import (
    POLICIES,
    Fifo,
    Policy,
    RankContext,
    SjfOracle,
    Suanli,
    Tiresias,
    policy_named,
)
from suanli.scheduling.schedule import schedule

__all__ = [
    "POLICIES",
    "Admit",
    "Cluster",
    "Decisions",
    "Demand",
    "Fifo",
    "Job",
    "Node",
    "Pending",
    "Placement",
    "Policy",
    "Preempt",
    "RankContext",
    "RunningJob",
    "SjfOracle",
    "Snapshot",
    "Suanli",
    "TenantQuota",
    "Tiresias",
    "policy_named",
    "schedule",
]
