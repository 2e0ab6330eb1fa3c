"""The plain data that goes into and comes out of a scheduling pass.

Everything here is immutable (frozen dataclasses, and ``Pending`` a named tuple) so that a snapshot can be
shared between the live controller, the simulator and the tests without anyone mutating it behind the
scheduler's back. Time is seconds as a float (any epoch: the caller decides); device counts are ints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from suanli.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Node:
    """One machine: ``devices`` accelerators of one ``kind``, in an NVLink/HCCS domain and a rack.

    ``nvlink_domain`` defaults to the node itself (devices on one node share a fast fabric); a multi-node
    NVLink system (GB200 NVL72, an HCCS super-pod) names the same domain on several nodes.
    ``site`` is the cluster the node belongs to when one scheduler serves several (a gang never spans two
    sites: their engines, networks and file systems are apart). ``tier`` is the order in which sites are
    filled, lowest first (the live side gives cheaper clusters lower tiers); one-node jobs weigh it before
    best fit, gangs take the lowest-tier site that holds them.
    """

    name: str
    kind: str
    devices: int
    rack: str = "rack-0"
    nvlink_domain: str = ""
    site: str = ""
    tier: int = 0

    def __post_init__(self) -> None:
        if self.devices < 0:
            raise InvalidInput(f"node {self.name!r} has a negative device count")

    @property
    def domain(self) -> str:
        """The node's NVLink domain (the node's own name when it shares none)."""
        return self.nvlink_domain or self.name


@dataclass(frozen=True, slots=True)
class Cluster:
    """The inventory: the nodes, in topology order (nodes of one rack next to each other).

    ``kind_memory_gb`` gives the memory of each accelerator kind for "any kind with at least N GB"
    demands; kinds missing from it are looked up in the shipped accelerator table.
    """

    nodes: tuple[Node, ...]
    kind_memory_gb: Mapping[str, int] = field(default_factory=dict)
    #: Devices per kind (stored: every pass asks).
    _capacity: dict[str, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [n.name for n in self.nodes]
        if len(set(names)) != len(names):
            raise InvalidInput("node names in a cluster must be unique")
        out: dict[str, int] = {}
        for n in self.nodes:
            out[n.kind] = out.get(n.kind, 0) + n.devices
        object.__setattr__(self, "_capacity", out)

    def capacity(self) -> dict[str, int]:
        """Devices per accelerator kind."""
        return dict(self._capacity)


@dataclass(frozen=True, slots=True)
class Demand:
    """What a job asks for: ``count`` devices, of one ``kind`` or of any kind with ``min_memory_gb``.

    ``nodes`` pins the gang to exactly that many nodes with ``count / nodes`` devices on each. When it is
    left out, a job that fits on one node runs on one node and a larger one takes whole nodes (the
    fewest possible), which is the machine model of the published GPU-cluster simulators.
    """

    count: int
    kind: str | None = None
    min_memory_gb: int | None = None
    nodes: int | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise InvalidInput(f"a job must ask for at least one device, not {self.count}")
        if self.nodes is not None and (self.nodes < 1 or self.count % self.nodes):
            raise InvalidInput(f"{self.count} devices cannot be spread evenly over {self.nodes} nodes")


@dataclass(frozen=True, slots=True)
class Job:
    """A job that wants devices: its tenant, priority (higher first), demand and history.

    ``attained_service`` is the device-seconds the job has already run (before its current start, for a
    running job); least-attained-service policies use it, and it is what a requeued job carries.
    ``time_limit_s`` is the user's wall-time limit (Slurm's ``--time``): backfill and start estimates use
    it. ``duration_hint_s`` is the true duration, known only to oracle policies in a simulation.
    ``excluded_nodes`` names nodes the job must never be placed on (placement policy forbids their cluster);
    jobs with the same exclusions should share one frozenset, which the pass uses in its memo keys.
    """

    id: str
    tenant: str
    demand: Demand
    priority: int = 0
    submitted_at: float = 0.0
    attained_service: float = 0.0
    checkpointable: bool = True
    time_limit_s: float | None = None
    duration_hint_s: float | None = None
    preemptions: int = 0
    queued_at: float | None = None
    excluded_nodes: frozenset[str] = frozenset()

    @property
    def waiting_since(self) -> float:
        """When the job last entered the queue (its submission, or its latest preemption)."""
        return self.submitted_at if self.queued_at is None else self.queued_at


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a job runs: device indices per node, all of one kind."""

    kind: str
    devices: tuple[tuple[str, tuple[int, ...]], ...]
    #: The number of devices in the placement (stored: a pass reads it for every running job).
    count: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", sum(len(d) for _, d in self.devices))

    @property
    def node_names(self) -> tuple[str, ...]:
        """The nodes the placement spans."""
        return tuple(n for n, _ in self.devices)


@dataclass(frozen=True, slots=True)
class RunningJob:
    """A job that holds devices since ``started_at`` (its latest start).

    ``preempted_at`` is set while the job has been told to stop and is checkpointing in its grace period:
    it still holds its devices, counts against its tenant's quota and is never chosen as a victim again.
    """

    job: Job
    placement: Placement
    started_at: float
    preempted_at: float | None = None

    def attained(self, now: float) -> float:
        """Device-seconds of service including the current run."""
        return self.job.attained_service + max(0.0, now - self.started_at) * self.placement.count


@dataclass(frozen=True, slots=True)
class TenantQuota:
    """A tenant's guarantee per accelerator kind (``nominal``) and how much idle capacity it may borrow.

    A kind missing from ``borrowing_limit`` may borrow without limit (Kueue's default); ``weight`` is the
    tenant's fair-share weight.
    """

    tenant: str
    nominal: Mapping[str, int] = field(default_factory=dict)
    borrowing_limit: Mapping[str, int] = field(default_factory=dict)
    weight: float = 1.0

    def limit(self, kind: str) -> int | None:
        """The most devices of ``kind`` the tenant may hold, or None for no limit."""
        b = self.borrowing_limit.get(kind)
        return None if b is None else self.nominal.get(kind, 0) + b


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one scheduling pass looks at.

    With no quotas at all the cluster is one shared pool; once any quota is given, a tenant without one
    has a guarantee of zero and may only borrow (and is reclaimed first).
    """

    cluster: Cluster
    running: tuple[RunningJob, ...] = ()
    pending: tuple[Job, ...] = ()
    quotas: Mapping[str, TenantQuota] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Admit:
    """Start ``job_id`` on ``placement``; ``borrowed`` says it runs on capacity beyond its tenant's share."""

    job_id: str
    placement: Placement
    borrowed: bool = False


@dataclass(frozen=True, slots=True)
class Preempt:
    """Tell ``job_id`` to checkpoint within ``grace_s`` and stop, so that ``for_job`` can run."""

    job_id: str
    reason: str
    for_job: str
    grace_s: float


class Pending(NamedTuple):
    """``job_id`` keeps waiting, for ``reason``; ``estimated_start`` is None when no estimate exists.

    A named tuple rather than a frozen dataclass (just as immutable): a pass over a long queue makes one
    per waiting job, and a tuple is several times cheaper to build.
    """

    job_id: str
    reason: str
    estimated_start: float | None = None


@dataclass(frozen=True, slots=True)
class Decisions:
    """The outcome of one pass. Without explanations, ``pending`` lists only the jobs the pass looked at."""

    admitted: tuple[Admit, ...] = ()
    preempted: tuple[Preempt, ...] = ()
    pending: tuple[Pending, ...] = ()

    def reason(self, job_id: str) -> str | None:
        """The pending reason of ``job_id``, if it is pending."""
        for p in self.pending:
            if p.job_id == job_id:
                return p.reason
        return None
