"""``static-peak``: a fixed replica count, sized for the peak and always on (the baseline)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from suanli.serving.autoscaling.types import MetricsSample, Recommendation, ScalingState


@dataclass(frozen=True)
class StaticPeak:
    """Always recommends ``replicas``; what an operator does without an autoscaler."""

    replicas: int
    name: str = "static-peak"

    def recommend(
        self, state: ScalingState, window: Sequence[MetricsSample], now: float
    ) -> Recommendation:
        """``replicas``, whatever the load."""
        return Recommendation(self.replicas, "static", state.memory)
