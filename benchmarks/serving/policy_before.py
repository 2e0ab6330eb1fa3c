"""The ``suanli`` policy as it was before SLO-targeted sizing (commit 0db9f0c), kept for the benchmark only.

Square-root staffing of offered concurrency with a fixed ``beta`` of 1.5, a 60 s stable window
extrapolated along any rising 300 s trend, a 120 s scale-down hold and a 10% scale-down tolerance.
``elasticity.py`` replays it beside the current policy so that before and after come from one run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from suanli.serving.autoscaling import window as win
from suanli.serving.autoscaling.llm import staffed_replicas
from suanli.serving.autoscaling.types import MetricsSample, PolicyMemory, Recommendation, ScalingState


@dataclass(frozen=True)
class SqrtStaffingPolicy:
    """The previous default policy, unchanged in behaviour."""

    slots_per_replica: int
    prefill_tokens_per_s: float = 0.0
    cold_start_s: float = 30.0
    slo_ttft_s: float = 2.0
    beta: float = 1.5
    short_window_s: float = 10.0
    stable_window_s: float = 60.0
    trend_window_s: float = 300.0
    prefill_utilisation: float = 0.6
    idle_grace_s: float = 300.0
    down_tolerance: float = 0.1
    name: str = "suanli-before"

    @property
    def down_window_s(self) -> float:
        return max(120.0, 4.0 * self.cold_start_s)

    def recommend(
        self, state: ScalingState, window: Sequence[MetricsSample], now: float
    ) -> Recommendation:
        """Desired replicas: the most any of the signals asks for, released slowly."""
        cfg = self
        slots = cfg.slots_per_replica
        short = win.mean(window, now, cfg.short_window_s, win.concurrency)
        stable = win.mean(window, now, cfg.stable_window_s, win.concurrency)
        trend = win.slope(window, now, cfg.trend_window_s, win.concurrency)
        # The stable mean lags the present by half its window; capacity ordered now serves after a
        # cold start. Extrapolate over both, and only upward: falling load is handled by the slow
        # scale-down, and a falling trend extrapolated would release replicas right before a rebound.
        ahead = stable + max(0.0, trend) * (cfg.stable_window_s / 2 + cfg.cold_start_s)
        desired = staffed_replicas(ahead, slots, cfg.beta)
        reason = f"concurrency {ahead:.1f} ahead (stable {stable:.1f}, trend {trend:+.3f}/s)"
        # A burst that already exceeds the sequence slots of the current replicas cannot wait for the
        # stable window to notice it (Knative's panic, without its freeze on scaling down).
        burst = staffed_replicas(short, slots, cfg.beta)
        if short > state.replicas * slots and burst > desired:
            desired, reason = burst, f"burst: concurrency {short:.1f} over {cfg.short_window_s:g}s"

        if cfg.prefill_tokens_per_s > 0:
            prompt_rate = win.mean(window, now, cfg.short_window_s, win.prompt_token_rate)
            prefill = math.ceil(prompt_rate / (cfg.prefill_tokens_per_s * cfg.prefill_utilisation))
            if prefill > desired:
                desired, reason = prefill, f"prefill {prompt_rate:.0f} tokens/s"

        latest = window[-1] if window else None
        if (
            latest is not None
            and latest.queue_depth > 0
            and latest.ttft_p90_s is not None
            and latest.ttft_p90_s > 0.5 * cfg.slo_ttft_s
        ):
            # Users are already waiting: capacity for the queue on top of the replicas serving now.
            # Counting from ``ready`` (not from replicas still starting) keeps a queue that outlives
            # one tick from ordering the same replicas again on every tick.
            wanted = state.ready + math.ceil(latest.queue_depth / cfg.slots_per_replica)
            if wanted > desired:
                desired = wanted
                reason = f"queue {latest.queue_depth} with ttft p90 {latest.ttft_p90_s:.2f}s"

        if desired < state.replicas and cfg.down_tolerance > 0:
            # Kubernetes HPA's tolerance: release a replica only if the load is clearly below what the
            # smaller count can carry, not merely at the boundary where noise flips it every minute.
            desired = max(desired, min(state.replicas, staffed_replicas(ahead * (1 + cfg.down_tolerance),
                                                                        slots, cfg.beta)))

        memory = state.memory
        last_active = win.last_active(window, memory.last_active_at)
        keep_from = now - cfg.down_window_s
        history = (*(p for p in memory.recent_desired if p[0] > keep_from), (now, desired))
        held = max(n for _, n in history)
        if held > desired:
            desired, reason = held, f"{reason}; holding {held} for scale-down window"

        if desired == 0:
            idle_for = math.inf if last_active is None else now - last_active
            if idle_for < cfg.idle_grace_s and state.replicas > 0:
                desired, reason = 1, "idle: within grace period"
            else:
                reason = "idle: scale to zero"
        elif state.replicas == 0:
            reason = f"scale from zero; {reason}"

        return Recommendation(desired, reason, PolicyMemory(None, 0, last_active, history))
