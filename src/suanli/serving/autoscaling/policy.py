"""The protocol every autoscaling policy implements, and the bounded ``Autoscaler`` around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from suanli.serving.autoscaling.types import MetricsSample, Recommendation, ScalingState


class AutoscalingPolicy(Protocol):
    """A pure function of (state, recent metrics, now) to a desired replica count.

    Policies may return counts outside the bounds; ``Autoscaler`` clamps them so that the min/max
    and quota rules live in one place.
    """

    @property
    def name(self) -> str:
        """The name that selects this policy (``kpa``, ``suanli``...)."""
        ...

    def recommend(
        self, state: ScalingState, window: Sequence[MetricsSample], now: float
    ) -> Recommendation:
        """Desired replicas for the deployment at time ``now``."""
        ...


class Autoscaler:
    """Applies a policy and then the deployment's bounds (min, max, quota).

    This is the entry point for the live controller and the simulator alike.
    """

    def __init__(self, policy: AutoscalingPolicy) -> None:
        self.policy = policy

    @property
    def name(self) -> str:
        """The policy's name."""
        return self.policy.name

    def recommend(
        self, state: ScalingState, window: Sequence[MetricsSample], now: float
    ) -> Recommendation:
        """The policy's recommendation, clamped to ``state.bounds``."""
        rec = self.policy.recommend(state, window, now)
        bounded = state.bounds.clamp(rec.replicas)
        if bounded == rec.replicas:
            return rec
        why = "quota" if bounded == state.bounds.quota_replicas else "bounds"
        return replace(rec, replicas=bounded, reason=f"{rec.reason}; clamped by {why}")
