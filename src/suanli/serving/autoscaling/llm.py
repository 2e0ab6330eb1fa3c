"""``suanli``: the default, LLM-aware autoscaling policy.

Why not KPA alone: an LLM replica takes tens of seconds to start (weights, CUDA graphs) and a request
holds a sequence slot for seconds of decoding, so by the time a 60 s average has moved, the queue that
ruins time to first token has already formed. This policy

1. sizes for the time-to-first-token objective itself: the offered load (arrival rate times the mean
   time a request holds a slot, both measured) goes into an M/M/c queue over all the deployment's
   sequence slots, and the policy asks for the fewest replicas whose probability of a wait longer
   than the SLO's budget (the SLO less the prompt's prefill) stays under a share of the SLO's miss
   budget (``steady_miss_share`` of ``1 - slo_target``; the rest is left for forecast errors and cold
   starts). Headroom is thus relatively large for small deployments, long requests and tight SLOs,
   and small for big ones, with no per-trace multiplier;
2. looks one cold start ahead: the arrival rate is extrapolated along its recent trend over
   ``cold_start_s`` plus half the stable window, but only when the trend is statistically real
   (two standard errors) and rising: extrapolating noise buys capacity for noise;
3. sizes prefill separately from decode: prompt tokens per second against the replica's prefill rate
   (long-prompt traffic is prefill bound long before its sequence slots fill);
4. reacts to what users feel: a burst beyond the current slots, or requests queued while the observed
   time to first token approaches the SLO, add replicas at once;
5. scales down with hysteresis: the highest count wanted over ``scale_down_window_s`` (which grows
   with the cold start, because a replica removed and needed again costs a cold start, and with the
   burstiness of the arrivals, because bursty traffic comes back), and only when
   the load is ``down_tolerance`` below what the smaller count carries within the SLO; to zero only
   after ``idle_grace_s`` without traffic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling import window as win
from suanli.serving.autoscaling.queueing import replicas_for_wait
from suanli.serving.autoscaling.types import MetricsSample, PolicyMemory, Recommendation, ScalingState


@dataclass(frozen=True)
class LlmPolicyConfig:
    """The replica's capacity and the service objective; the rest have defaults meant to be left alone.

    ``slots_per_replica`` is the replica's max concurrent sequences; ``prefill_tokens_per_s`` its
    prompt-processing rate (0: unknown; the prefill term is then off and half the SLO is kept for
    prefill). ``slo_target`` is the share of requests whose first token must come within
    ``slo_ttft_s``.
    """

    slots_per_replica: int
    prefill_tokens_per_s: float = 0.0
    cold_start_s: float = 30.0
    slo_ttft_s: float = 2.0
    slo_target: float = 0.99
    steady_miss_share: float = 0.5
    short_window_s: float = 10.0
    stable_window_s: float = 180.0
    trend_window_s: float = 300.0
    service_window_s: float = 600.0
    burst_bin_s: float = 10.0
    prefill_utilisation: float = 0.6
    scale_down_window_s: float | None = None
    idle_grace_s: float = 300.0
    down_tolerance: float = 0.0

    def __post_init__(self) -> None:
        if self.slots_per_replica < 1:
            raise InvalidInput("slots_per_replica must be at least 1", {"slots": self.slots_per_replica})
        if self.cold_start_s < 0 or self.slo_ttft_s <= 0:
            raise InvalidInput("cold_start_s >= 0 and slo_ttft_s > 0 are required")
        if not 0 < self.slo_target < 1 or not 0 < self.steady_miss_share <= 1:
            raise InvalidInput("slo_target must be in (0, 1) and steady_miss_share in (0, 1]")
        if not 0 < self.prefill_utilisation <= 1:
            raise InvalidInput("prefill_utilisation must be in (0, 1]")

    @property
    def down_window_s(self) -> float:
        """How long a higher count is remembered before scaling down: at least a minute, and two
        cold starts, so that a dip shorter than the cost of coming back does not release replicas."""
        if self.scale_down_window_s is not None:
            return self.scale_down_window_s
        return max(60.0, 2.0 * self.cold_start_s)

    @property
    def miss_target(self) -> float:
        """The probability of a too-long wait that steady-state sizing aims for."""
        return (1.0 - self.slo_target) * self.steady_miss_share


def staffed_replicas(load: float, slots: int, beta: float) -> int:
    """Replicas for ``load`` concurrent sequences with square-root staffing headroom."""
    if load <= 0.0:
        return 0
    return math.ceil((load + beta * math.sqrt(load)) / slots)


@dataclass(frozen=True, slots=True)
class LoadEstimate:
    """What the window says about the load: arrivals per second now and one cold start ahead, the
    mean seconds a request holds a slot, the wait a request can afford before its first token, and
    how much burstier than Poisson the arrivals are (``(max(1, dispersion) + 1) / 2``, 1 for Poisson)."""

    rate: float
    rate_ahead: float
    service_s: float
    wait_budget_s: float
    burstiness: float = 1.0

    @property
    def load_ahead(self) -> float:
        """Offered load (busy slots) one cold start ahead."""
        return self.rate_ahead * self.service_s


def estimate_load(cfg: LlmPolicyConfig, window: Sequence[MetricsSample], now: float) -> LoadEstimate | None:
    """The load estimate, or None when no request arrived over the trend window."""
    long_rate = win.mean(window, now, cfg.service_window_s, win.request_rate)
    if long_rate <= 0.0:
        return None
    # Little's law over the longest window (output lengths are heavy tailed, so a short one is
    # noisy): time in system = concurrency / arrival rate. Queueing inflates it, which errs towards
    # more replicas exactly when the deployment is short of them.
    service_s = win.mean(window, now, cfg.service_window_s, win.concurrency) / long_rate
    if not 0.0 < service_s < math.inf:
        return None
    rate = win.mean(window, now, cfg.stable_window_s, win.request_rate)
    trend = win.significant_slope(window, now, cfg.trend_window_s, win.request_rate)
    # The stable mean lags the present by half its window; capacity ordered now serves after a cold
    # start. A falling trend is left to the slow scale-down: extrapolated, it would release replicas
    # right before a rebound.
    rate_ahead = rate + max(0.0, trend) * (cfg.stable_window_s / 2 + cfg.cold_start_s)
    if cfg.prefill_tokens_per_s > 0:
        prefill_s = win.mean(window, now, cfg.service_window_s, win.prompt_token_rate) / long_rate
        prefill_s /= cfg.prefill_tokens_per_s
        # A request waits for its own prefill and, on a busy replica, about one other's.
        budget = cfg.slo_ttft_s - 2.0 * prefill_s
    else:
        budget = 0.5 * cfg.slo_ttft_s
    # Bursty arrivals queue more than Poisson ones at the same mean (Allen-Cunneen: waits scale with
    # (ca^2 + cs^2) / 2); charge it to the budget, never give Poisson traffic less than M/M/c says.
    dispersion = win.arrival_dispersion(window, now, cfg.trend_window_s, cfg.burst_bin_s)
    burstiness = (max(1.0, dispersion) + 1.0) / 2.0
    budget /= burstiness
    # Prompts whose prefill alone eats the SLO still deserve the least waiting we can buy.
    return LoadEstimate(rate, rate_ahead, service_s, max(budget, 0.05 * cfg.slo_ttft_s), burstiness)


def slo_replicas(cfg: LlmPolicyConfig, load: float, service_s: float, wait_budget_s: float, limit: int) -> int:
    """Replicas for ``load`` busy slots whose waits stay within the budget often enough (at most
    ``limit``: the deployment's ceiling, which bounds the search as well)."""
    if not math.isfinite(load):
        return limit
    return replicas_for_wait(load, service_s, cfg.slots_per_replica, wait_budget_s, cfg.miss_target, limit)


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
        limit = max(1, state.bounds.ceiling)
        est = estimate_load(cfg, window, now)
        if est is None:
            # Nothing arrived for a while: whatever is still in flight keeps its slots.
            stable = win.mean(window, now, cfg.stable_window_s, win.concurrency)
            desired = math.ceil(stable / slots)
            reason = f"no arrivals; {stable:.1f} in flight"
        else:
            ahead = est.load_ahead
            desired = slo_replicas(cfg, ahead, est.service_s, est.wait_budget_s, limit)
            reason = (f"load {ahead:.1f} ahead ({est.rate:.2f}/s -> {est.rate_ahead:.2f}/s x "
                      f"{est.service_s:.1f}s), wait budget {est.wait_budget_s:.2f}s")
            # A burst that already exceeds the sequence slots of the current replicas cannot wait for
            # the stable window to notice it (Knative's panic, without its freeze on scaling down).
            if short > state.replicas * slots:
                burst = slo_replicas(cfg, short, est.service_s, est.wait_budget_s, limit)
                if burst > desired:
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

        if desired < state.replicas and cfg.down_tolerance > 0 and est is not None:
            # Kubernetes HPA's tolerance: release a replica only if the load is clearly below what the
            # smaller count can carry, not merely at the boundary where noise flips it every minute.
            margin = slo_replicas(
                cfg, est.load_ahead * (1 + cfg.down_tolerance), est.service_s, est.wait_budget_s, limit
            )
            desired = max(desired, min(state.replicas, margin))

        memory = state.memory
        last_active = win.last_active(window, memory.last_active_at)
        # Bursty traffic comes back: a replica released between bursts is soon ordered again. The
        # longer hold stops at the trend window (what the policy can see; it also bounds the memory).
        hold_s = cfg.down_window_s
        if est is not None:
            hold_s = min(hold_s * est.burstiness, max(hold_s, cfg.trend_window_s))
        keep_from = now - hold_s
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
