"""``kpa``: Knative's Pod Autoscaler algorithm, as in knative/serving pkg/autoscaler/scaling.

Stable window (60 s) and panic window (6 s) averages of a per-replica metric (concurrency or token
rate) divided by a target give two desired counts. When the panic count reaches ``panic_threshold``
times the ready replicas the autoscaler panics: for at least one stable window it only scales up.
Scale-up and scale-down per decision are limited by rates relative to the ready replicas, and the
deployment goes to zero only after a stable window without traffic plus a grace period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling import window as win
from suanli.serving.autoscaling.types import MetricsSample, PolicyMemory, Recommendation, ScalingState


@dataclass(frozen=True)
class KpaConfig:
    """Knative's defaults, with the target in units of the chosen metric per replica.

    ``metric`` is ``"concurrency"`` (requests in flight) or ``"tokens"`` (token rate per second).
    Knative's target is ``container-concurrency-target-default`` times the 70% target utilisation.
    """

    target: float
    metric: str = "concurrency"
    stable_window_s: float = 60.0
    panic_window_s: float = 6.0
    panic_threshold: float = 2.0
    max_scale_up_rate: float = 1000.0
    max_scale_down_rate: float = 2.0
    scale_to_zero_grace_s: float = 30.0

    def __post_init__(self) -> None:
        if self.target <= 0:
            raise InvalidInput("kpa target must be positive", {"target": self.target})
        if self.metric not in ("concurrency", "tokens"):
            raise InvalidInput("kpa metric is 'concurrency' or 'tokens'", {"metric": self.metric})
        if self.panic_window_s > self.stable_window_s or self.panic_window_s <= 0:
            raise InvalidInput("kpa needs 0 < panic window <= stable window")
        if self.max_scale_down_rate < 1.0 or self.max_scale_up_rate < 1.0:
            raise InvalidInput("kpa scale rates must be at least 1")


@dataclass(frozen=True)
class Kpa:
    """The Knative Pod Autoscaler as a pure policy."""

    config: KpaConfig
    name: str = "kpa"

    def recommend(
        self, state: ScalingState, window: Sequence[MetricsSample], now: float
    ) -> Recommendation:
        """KPA's desired replicas, panic mode included."""
        cfg = self.config
        field = win.concurrency if cfg.metric == "concurrency" else win.token_rate
        stable = win.mean(window, now, cfg.stable_window_s, field)
        panic = win.mean(window, now, cfg.panic_window_s, field)
        memory = state.memory
        last_active = win.last_active(window, memory.last_active_at)

        # Knative divides by at least one ready pod so that scale-from-zero can panic.
        ready = max(1, state.ready)
        max_up = math.ceil(cfg.max_scale_up_rate * ready)
        max_down = math.floor(ready / cfg.max_scale_down_rate)
        stable_desired = min(max(math.ceil(stable / cfg.target), max_down), max_up)
        panic_desired = min(max(math.ceil(panic / cfg.target), max_down), max_up)
        over_threshold = panic / cfg.target / ready >= cfg.panic_threshold

        panic_since = memory.panic_since
        panic_replicas = memory.panic_replicas
        if over_threshold:
            panic_since = now  # entering panic, or extending it
        elif panic_since is not None and now >= panic_since + cfg.stable_window_s:
            panic_since, panic_replicas = None, 0

        if panic_since is not None:
            # In panic the KPA never scales down: it holds the highest count it asked for.
            panic_replicas = max(panic_replicas, panic_desired, state.replicas)
            desired, reason = panic_replicas, f"panic: {panic:.2f} over {cfg.panic_window_s:g}s"
        else:
            desired, reason = stable_desired, f"stable: {stable:.2f} over {cfg.stable_window_s:g}s"

        if stable == 0.0 and panic == 0.0 and panic_since is None:
            idle_for = math.inf if last_active is None else now - last_active
            if idle_for >= cfg.stable_window_s + cfg.scale_to_zero_grace_s:
                desired, reason = 0, "idle: scale to zero"
            else:
                desired, reason = min(state.replicas, max(1, desired)), "idle: within grace period"

        memory = PolicyMemory(panic_since, panic_replicas, last_active, ())
        return Recommendation(desired, reason, memory, panic=panic_since is not None)
