"""``suanli``: the default, LLM-aware autoscaling policy.

Why not KPA alone: an LLM replica takes tens of seconds to start (weights, CUDA graphs) and a request
holds a sequence slot for seconds of decoding, so by the time a 60 s average has moved, the queue that
ruins time to first token has already formed. This policy

1. sizes for *offered* concurrency (running plus queued) with square-root staffing: ``L + beta*sqrt(L)``
   sequence slots. The safety margin grows with the square root of the load, as in an M/M/c queue
   in the Halfin-Whitt regime, so small deployments get proportionally more headroom and big ones
   run hot, without a per-trace utilisation knob;
2. looks one cold start ahead: the recent trend of concurrency is extrapolated over
   ``cold_start_s`` so capacity ordered now is ready when the load arrives;
3. sizes prefill separately from decode: prompt tokens per second against the replica's prefill rate
   (long-prompt traffic is prefill bound long before its sequence slots fill);
4. reacts to what users feel: requests queued while the observed time to first token approaches the
   SLO add replicas for the queue at once;
5. scales down slowly: the highest count wanted over ``scale_down_window_s`` (which grows with the
   cold start, because a replica removed and needed again costs a cold start), and only when the load
   is ``down_tolerance`` below what the smaller count carries; to zero only after ``idle_grace_s``
   without traffic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling import window as win
from suanli.serving.autoscaling.types import MetricsSample, PolicyMemory, Recommendation, ScalingState


@dataclass(frozen=True)
class LlmPolicyConfig:
    """The replica's capacity and the service objective; the rest have defaults meant to be left alone.

    ``slots_per_replica`` is the replica's max concurrent sequences; ``prefill_tokens_per_s`` its
    prompt-processing rate (0 disables the prefill term).
    """

    slots_per_replica: int
    prefill_tokens_per_s: float = 0.0
    cold_start_s: float = 30.0
    slo_ttft_s: float = 2.0
    beta: float = 1.5
    short_window_s: float = 10.0
    stable_window_s: float = 60.0
    trend_window_s: float = 300.0
    prefill_utilisation: float = 0.6
    scale_down_window_s: float | None = None
    idle_grace_s: float = 300.0
    down_tolerance: float = 0.1

    def __post_init__(self) -> None:
        if self.slots_per_replica < 1:
            raise InvalidInput("slots_per_replica must be at least 1", {"slots": self.slots_per_replica})
        if self.cold_start_s < 0 or self.slo_ttft_s <= 0 or self.beta < 0:
            raise InvalidInput("cold_start_s >= 0, slo_ttft_s > 0 and beta >= 0 are required")
        if not 0 < self.prefill_utilisation <= 1:
            raise InvalidInput("prefill_utilisation must be in (0, 1]")

    @property
    def down_window_s(self) -> float:
        """How long a higher count is remembered before scaling down: at least two minutes, and four
        cold starts, so that a dip shorter than the cost of coming back does not release replicas."""
        if self.scale_down_window_s is not None:
            return self.scale_down_window_s
        return max(120.0, 4.0 * self.cold_start_s)


def staffed_replicas(load: float, slots: int, beta: float) -> int:
    """Replicas for ``load`` concurrent sequences with square-root staffing headroom."""
    if load <= 0.0:
        return 0
    return math.ceil((load + beta * math.sqrt(load)) / slots)


@dataclass(frozen=True)
class LlmPolicy:
    """The LLM-aware default policy (see the module docstring)."""

    config: LlmPolicyConfig
    name: str = "suanli"

    def recommend(
        self, state: ScalingState, window: Sequence[MetricsSample], now: float
    ) -> Recommendation:
        """Desired replicas: the most any of the signals asks for, released slowly."""
        cfg = self.config
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
