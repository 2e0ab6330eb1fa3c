"""Plain data that flows into and out of an autoscaling policy.

A live controller and the simulator build the same records: a window of metric samples (one per
autoscaler tick), the deployment's current scaling state, and the policy's memory from the previous
call. Everything is immutable so a recommendation can be logged, stored and replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from suanli.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class MetricsSample:
    """What the gateway observed for one deployment over the tick that ended at ``at``.

    ``concurrency`` is the time-averaged number of requests in the system (running on replicas plus
    waiting in queues): Knative's "concurrency" metric. ``queue_depth`` is an instantaneous count of
    requests not yet running. Rates are per second over the tick. ``ttft_p90_s`` is None when no
    request got its first token during the tick.
    """

    at: float
    concurrency: float
    queue_depth: int = 0
    request_rate: float = 0.0
    token_rate: float = 0.0
    prompt_token_rate: float = 0.0
    ttft_p90_s: float | None = None


@dataclass(frozen=True, slots=True)
class Bounds:
    """Hard limits that no policy may cross: min/max replicas and the tenant's quota (in replicas)."""

    min_replicas: int = 0
    max_replicas: int = 1_000
    quota_replicas: int | None = None

    def __post_init__(self) -> None:
        if self.min_replicas < 0 or self.max_replicas < self.min_replicas:
            raise InvalidInput(
                "replica bounds need 0 <= min_replicas <= max_replicas",
                {"min_replicas": self.min_replicas, "max_replicas": self.max_replicas},
            )
        if self.quota_replicas is not None and self.quota_replicas < 0:
            raise InvalidInput("quota_replicas must not be negative", {"quota_replicas": self.quota_replicas})

    @property
    def ceiling(self) -> int:
        """The largest count allowed: max_replicas, lowered by the quota when there is one."""
        if self.quota_replicas is None:
            return self.max_replicas
        return min(self.max_replicas, self.quota_replicas)

    def clamp(self, replicas: int) -> int:
        """Bring ``replicas`` inside the bounds. The quota wins over min_replicas: a tenant whose
        quota is exhausted gets fewer replicas than asked, never more than paid for."""
        return max(0, min(self.ceiling, max(self.min_replicas, replicas)))


@dataclass(frozen=True, slots=True)
class PolicyMemory:
    """State a policy carries from one call to the next; the controller stores it with the
    deployment so that a restarted controller continues where the last one stopped.

    ``panic_since``/``panic_replicas`` are KPA's panic mode; ``last_active_at`` is the last time any
    traffic was seen (for scale to zero); ``recent_desired`` holds ``(at, replicas)`` pairs that a
    policy uses to delay scale-down.
    """

    panic_since: float | None = None
    panic_replicas: int = 0
    last_active_at: float | None = None
    recent_desired: tuple[tuple[float, int], ...] = ()


@dataclass(frozen=True, slots=True)
class ScalingState:
    """The deployment as the controller sees it now.

    ``replicas`` counts replicas asked for and not being removed (starting or ready); ``ready`` those
    that serve traffic.
    """

    replicas: int
    ready: int
    bounds: Bounds = field(default_factory=Bounds)
    memory: PolicyMemory = field(default_factory=PolicyMemory)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A policy's answer: how many replicas the deployment should have, and why."""

    replicas: int
    reason: str
    memory: PolicyMemory
    panic: bool = False
