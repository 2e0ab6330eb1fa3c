"""One replay from plain settings: what the CLI and the benchmarks call.

Builds the policy, the router and the simulator configuration from a ``ReplaySpec``. For
``static-peak`` without an explicit count it finds the smallest fixed count that meets the SLO
objective on the trace (an oracle: "enough replicas for the peak" with no guesswork about headroom).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling import POLICY_NAMES, Autoscaler, Bounds, StaticPeak, policy_named
from suanli.serving.routing import AffinityConfig, Router
from suanli.serving.sim.engine import SimConfig, simulate, warm_start_replicas
from suanli.serving.sim.model import ReplicaModel
from suanli.serving.sim.result import SimResult
from suanli.serving.sim.traces import TraceRequest


@dataclass(frozen=True)
class ReplaySpec:
    """Everything a replay depends on besides the requests.

    ``affinity`` None means: on when the trace carries prompt block hashes. ``slo_target`` is the
    attainment the static-peak search must reach.
    """

    policy: str = "suanli"
    model: ReplicaModel = field(default_factory=ReplicaModel)
    slo_ttft_s: float = 2.0
    slo_target: float = 0.99
    bounds: Bounds = field(default_factory=Bounds)
    static_replicas: int | None = None
    affinity: bool | None = None
    affinity_blocks: int = 1
    affinity_load_factor: float = 1.25
    seed: int = 0


@dataclass(frozen=True)
class ReplayOutcome:
    """The result, and the static count used (for ``static-peak``)."""

    result: SimResult
    static_replicas: int | None = None


def _router(spec: ReplaySpec, requests: Sequence[TraceRequest]) -> Router:
    use = spec.affinity if spec.affinity is not None else any(r.blocks for r in requests)
    if not use:
        return Router()
    return Router(affinity=AffinityConfig(spec.affinity_blocks, spec.affinity_load_factor))


def _config(spec: ReplaySpec, initial: int | None) -> SimConfig:
    return SimConfig(
        model=spec.model, slo_ttft_s=spec.slo_ttft_s, bounds=spec.bounds, initial_replicas=initial, seed=spec.seed
    )


def run_static(requests: Sequence[TraceRequest], spec: ReplaySpec, replicas: int) -> SimResult:
    """Replay with ``replicas`` always on (warm from the start)."""
    bounds = replace(spec.bounds, min_replicas=0, max_replicas=max(replicas, spec.bounds.max_replicas))
    cfg = replace(_config(spec, replicas), bounds=bounds)
    return simulate(requests, Autoscaler(StaticPeak(replicas)), _router(spec, requests), cfg)


def smallest_static(requests: Sequence[TraceRequest], spec: ReplaySpec, limit: int = 4096) -> int:
    """The fewest always-on replicas whose replay meets ``spec.slo_target`` (bisection).

    Raises InvalidInput when even ``limit`` replicas do not (the replica model cannot meet the SLO,
    e.g. prompts whose prefill alone exceeds it).
    """
    hi = max(1, warm_start_replicas(requests, spec.model))
    while run_static(requests, spec, hi).slo_attainment < spec.slo_target:
        if hi >= limit:
            raise InvalidInput(
                f"no static replica count up to {limit} meets the SLO target {spec.slo_target:.3f}",
                {"hint": "the replica model cannot meet this SLO for this trace; lower --slo-target"},
            )
        hi = min(limit, hi * 2)
    lo = 1
    while lo < hi:
        mid = (lo + hi) // 2
        if run_static(requests, spec, mid).slo_attainment >= spec.slo_target:
            hi = mid
        else:
            lo = mid + 1
    return lo


def replay(requests: Sequence[TraceRequest], spec: ReplaySpec) -> ReplayOutcome:
    """Replay ``requests`` under ``spec.policy``."""
    if spec.policy not in POLICY_NAMES:
        raise InvalidInput(f"unknown policy {spec.policy!r}", {"known": list(POLICY_NAMES)})
    if spec.policy == "static-peak":
        n = spec.static_replicas if spec.static_replicas is not None else smallest_static(requests, spec)
        return ReplayOutcome(run_static(requests, spec, n), n)
    policy = policy_named(
        spec.policy,
        slots_per_replica=spec.model.max_seqs,
        prefill_tokens_per_s=spec.model.prefill_tokens_per_s,
        cold_start_s=spec.model.cold_start_s,
        slo_ttft_s=spec.slo_ttft_s,
    )
    result = simulate(requests, Autoscaler(policy), _router(spec, requests), _config(spec, None))
    return ReplayOutcome(result)
