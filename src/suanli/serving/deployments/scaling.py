"""The autoscaler's inputs for one region of a deployment, read from the gateway's load samples."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling import (
    Autoscaler,
    Bounds,
    LlmPolicy,
    LlmPolicyConfig,
    MetricsSample,
    PolicyMemory,
    Recommendation,
    ScalingState,
    policy_named,
)
from suanli.state.models import AcceleratorQuota
from suanli.state.serving import Deployment, LoadSample

WINDOW = timedelta(seconds=300)
"""The longest window a policy reads (the ``suanli`` policy's trend window)."""
COLD_START_S = 15.0
"""Cold start of a local transformers worker on this kind of host (load torch and the model)."""


def autoscaler_for(dep: Deployment) -> Autoscaler:
    """The deployment's policy, built by the autoscaling core."""
    if dep.policy == "suanli":
        # policy_named has no idle-grace argument: build the config directly to honour the deployment's.
        return Autoscaler(
            LlmPolicy(
                LlmPolicyConfig(
                    slots_per_replica=dep.slots_per_replica,
                    cold_start_s=COLD_START_S,
                    idle_grace_s=float(dep.scale_to_zero_after_s),
                )
            )
        )
    return Autoscaler(policy_named(dep.policy, slots_per_replica=dep.slots_per_replica, cold_start_s=COLD_START_S))


def window(session: Session, dep: Deployment, region: str, now: datetime) -> list[MetricsSample]:
    """The region's samples over the last five minutes, oldest first (several gateways summed per tick)."""
    rows = session.scalars(
        select(LoadSample)
        .where(LoadSample.deployment_id == dep.id, LoadSample.region == region, LoadSample.at > now - WINDOW)
        .order_by(LoadSample.at)
    ).all()
    by_tick: dict[int, list[LoadSample]] = {}
    for r in rows:
        by_tick.setdefault(int(r.at.timestamp()), []).append(r)
    samples = []
    for tick, group in sorted(by_tick.items()):
        ttfts = [g.ttft_p90_s for g in group if g.ttft_p90_s is not None]
        samples.append(
            MetricsSample(
                at=float(tick),
                concurrency=sum(g.concurrency for g in group),
                queue_depth=sum(g.queue_depth for g in group),
                request_rate=sum(g.request_rate for g in group),
                token_rate=sum(g.token_rate for g in group),
                prompt_token_rate=sum(g.prompt_token_rate for g in group),
                ttft_p90_s=max(ttfts) if ttfts else None,
            )
        )
    return samples


def prune(session: Session, dep: Deployment, now: datetime) -> None:
    """Drop samples no policy reads any more."""
    session.execute(delete(LoadSample).where(LoadSample.deployment_id == dep.id, LoadSample.at < now - 2 * WINDOW))


def quota_replicas(session: Session, dep: Deployment) -> int | None:
    """Replicas the tenant's accelerator quota allows this deployment (None: no accelerators, no limit)."""
    if not dep.accelerator_kind or dep.accelerators_per_replica <= 0:
        return None
    quota = session.scalars(
        select(AcceleratorQuota).where(
            AcceleratorQuota.tenant_id == dep.tenant_id, AcceleratorQuota.accelerator_kind == dep.accelerator_kind
        )
    ).first()
    if quota is None:
        return 0
    return (quota.nominal + quota.borrowing_limit) // dep.accelerators_per_replica


def _memory(raw: Any) -> PolicyMemory:
    if not isinstance(raw, dict):
        return PolicyMemory()
    return PolicyMemory(
        panic_since=raw.get("panic_since"),
        panic_replicas=int(raw.get("panic_replicas", 0)),
        last_active_at=raw.get("last_active_at"),
        recent_desired=tuple((float(a), int(n)) for a, n in raw.get("recent_desired", [])),
    )


def recommend(
    session: Session,
    dep: Deployment,
    region: str,
    replicas: int,
    ready: int,
    quota: int | None,
    now: datetime,
    scaler: Autoscaler,
) -> tuple[Recommendation, dict[str, Any]]:
    """The core's recommendation for one region, and the record to store for the next pass."""
    bounds_cfg = dep.regions[region]
    try:
        bounds = Bounds(bounds_cfg["min_replicas"], bounds_cfg["max_replicas"], quota)
    except InvalidInput:
        bounds = Bounds(0, max(1, bounds_cfg["max_replicas"]), quota)
    stored = (dep.autoscaling or {}).get(region, {})
    state = ScalingState(replicas=replicas, ready=ready, bounds=bounds, memory=_memory(stored.get("memory")))
    samples: Sequence[MetricsSample] = window(session, dep, region, now)
    rec = scaler.recommend(state, samples, now.timestamp())
    m = rec.memory
    record = {
        "desired": rec.replicas,
        "reason": rec.reason,
        "panic": rec.panic,
        "at": now.isoformat(),
        "memory": {
            "panic_since": m.panic_since,
            "panic_replicas": m.panic_replicas,
            "last_active_at": m.last_active_at,
            "recent_desired": [list(p) for p in m.recent_desired],
        },
    }
    return rec, record
