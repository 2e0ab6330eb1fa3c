from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.serving.autoscaling import (
    LlmPolicy,
    LlmPolicyConfig,
    MetricsSample,
    PolicyMemory,
    ScalingState,
    staffed_replicas,
)
from suanli.serving.autoscaling.llm import estimate_load
from suanli.serving.autoscaling.queueing import replicas_for_wait

CFG = LlmPolicyConfig(slots_per_replica=8, cold_start_s=30.0)
POLICY = LlmPolicy(CFG)


def traffic(
    rate: Callable[[float], float], service_s: float, until: float, start: float = 0.0, step: float = 2.0,
    prompt_tokens: float = 0.0,
) -> list[MetricsSample]:
    """Samples of a load whose concurrency is rate x service time (Little's law)."""
    n = int((until - start) / step)
    out = []
    for i in range(n):
        t = start + step * (i + 1)
        r = rate(t)
        out.append(MetricsSample(t, r * service_s, request_rate=r, prompt_token_rate=r * prompt_tokens))
    return out


@given(a=st.floats(0, 1e4), b=st.floats(0, 1e4), slots=st.integers(1, 64))
def test_staffing_is_monotone_and_covers_load(a: float, b: float, slots: int) -> None:
    lo, hi = sorted((a, b))
    assert staffed_replicas(lo, slots, 1.5) <= staffed_replicas(hi, slots, 1.5)
    assert staffed_replicas(hi, slots, 1.5) * slots >= hi


def test_flat_load_is_sized_by_the_wait_budget() -> None:
    # 4 req/s holding a slot 9 s each: 36 busy slots. No prefill rate known: half the SLO is the budget.
    rec = POLICY.recommend(ScalingState(6, 6), traffic(lambda t: 4.0, 9.0, 600.0), 600.0)
    assert rec.replicas == replicas_for_wait(36.0, 9.0, 8, 1.0, 0.005) == 7
    assert rec.reason.startswith("load 36.0")


def test_known_prefill_leaves_the_rest_of_the_slo_for_waiting() -> None:
    policy = LlmPolicy(LlmPolicyConfig(slots_per_replica=8, prefill_tokens_per_s=4000.0))
    est = estimate_load(policy.config, traffic(lambda t: 4.0, 9.0, 600.0, prompt_tokens=1000.0), 600.0)
    assert est is not None
    assert est.wait_budget_s == pytest.approx(2.0 - 2 * 0.25)
    assert est.service_s == pytest.approx(9.0) and est.load_ahead == pytest.approx(36.0)


def test_headroom_follows_the_slo_not_a_constant() -> None:
    window = traffic(lambda t: 4.0, 9.0, 600.0)
    # One slot a replica, so that the count resolves every slot of headroom.
    base = LlmPolicy(LlmPolicyConfig(slots_per_replica=1))
    tight = LlmPolicy(LlmPolicyConfig(slots_per_replica=1, slo_ttft_s=0.05))
    loose = LlmPolicy(LlmPolicyConfig(slots_per_replica=1, slo_ttft_s=8.0))
    strict = LlmPolicy(LlmPolicyConfig(slots_per_replica=1, slo_target=0.9999))
    n = base.recommend(ScalingState(40, 40), window, 600.0).replicas
    assert tight.recommend(ScalingState(40, 40), window, 600.0).replicas > n
    assert loose.recommend(ScalingState(40, 40), window, 600.0).replicas < n
    assert strict.recommend(ScalingState(40, 40), window, 600.0).replicas > n


def test_long_requests_need_more_headroom_at_the_same_load() -> None:
    short = traffic(lambda t: 12.0, 3.0, 600.0)  # 36 busy slots of 3 s requests
    long = traffic(lambda t: 1.0, 36.0, 600.0)  # 36 busy slots of 36 s requests
    assert (POLICY.recommend(ScalingState(6, 6), long, 600.0).replicas
            > POLICY.recommend(ScalingState(6, 6), short, 600.0).replicas)


def test_bursty_arrivals_get_more_headroom_than_poisson_ones() -> None:
    rng = random.Random(1)
    # The same mean rate, delivered in 2 s clumps at random (five times the mean, then nothing).
    bursty = [
        MetricsSample(2.0 * (i + 1), 36.0, request_rate=20.0 if rng.random() < 0.2 else 0.0) for i in range(300)
    ]
    poisson = traffic(lambda t: 4.0, 9.0, 600.0)
    eb, ep = estimate_load(CFG, bursty, 600.0), estimate_load(CFG, poisson, 600.0)
    assert eb is not None and ep is not None
    assert eb.wait_budget_s < ep.wait_budget_s


def test_rising_load_is_bought_a_cold_start_ahead() -> None:
    ramp = traffic(lambda t: 0.01 * t, 9.0, 600.0)  # 6 req/s at the end, rising 0.01/s
    flat = traffic(lambda t: 6.0, 9.0, 600.0)
    up = POLICY.recommend(ScalingState(7, 7), ramp, 600.0)
    same = POLICY.recommend(ScalingState(7, 7), flat, 600.0)
    assert up.replicas > same.replicas


def test_noise_is_not_extrapolated() -> None:
    # A flat rate with sampling noise: its least-squares slope is not zero, but it is not a trend.
    rng = random.Random(7)
    noisy = traffic(lambda t: 4.0 * rng.uniform(0.5, 1.5), 9.0, 600.0)
    est = estimate_load(CFG, noisy, 600.0)
    assert est is not None and est.rate_ahead == est.rate


def test_burst_beyond_slots_scales_at_once() -> None:
    window = traffic(lambda t: 1.0, 10.0, 590.0)
    window += [MetricsSample(592.0 + 2 * i, 60.0, request_rate=1.0) for i in range(5)]
    rec = POLICY.recommend(ScalingState(2, 2), window, 600.0)
    assert rec.replicas >= 8
    assert rec.reason.startswith("burst")


def test_scale_down_waits_for_the_window() -> None:
    high = POLICY.recommend(ScalingState(8, 8), traffic(lambda t: 5.0, 9.0, 600.0), 600.0)
    low = traffic(lambda t: 5.0 if t <= 600 else 0.5, 9.0, 660.0)
    held = POLICY.recommend(ScalingState(high.replicas, high.replicas, memory=high.memory), low, 630.0)
    assert held.replicas == high.replicas and "holding" in held.reason
    later = POLICY.recommend(ScalingState(held.replicas, held.replicas, memory=held.memory),
                             traffic(lambda t: 0.5, 9.0, 1400.0), 1400.0)
    assert later.replicas < high.replicas


def test_queue_with_slow_first_tokens_adds_capacity_from_ready_replicas() -> None:
    window = traffic(lambda t: 1.0, 16.0, 600.0)
    window[-1] = MetricsSample(600.0, 16.0, queue_depth=40, request_rate=1.0, ttft_p90_s=3.0)
    rec = POLICY.recommend(ScalingState(4, 2), window, 600.0)
    assert rec.replicas == 2 + 5
    calm = [*window[:-1], MetricsSample(600.0, 16.0, queue_depth=40, request_rate=1.0, ttft_p90_s=0.2)]
    assert POLICY.recommend(ScalingState(4, 2), calm, 600.0).replicas < 7


def test_prefill_bound_traffic_is_sized_by_prompt_tokens() -> None:
    policy = LlmPolicy(LlmPolicyConfig(slots_per_replica=8, prefill_tokens_per_s=1000.0))
    window = traffic(lambda t: 1.0, 1.0, 600.0, prompt_tokens=6000.0)
    rec = policy.recommend(ScalingState(1, 1), window, 600.0)
    assert rec.replicas == 10  # 6000 / (1000 * 0.6)


def test_scale_to_zero_after_idle_grace_only() -> None:
    window = [MetricsSample(2.0 * (i + 1), 0.0) for i in range(500)]
    memory = PolicyMemory(last_active_at=900.0)
    assert POLICY.recommend(ScalingState(1, 1, memory=memory), window, 1000.0).replicas == 1
    memory = PolicyMemory(last_active_at=600.0)
    assert POLICY.recommend(ScalingState(1, 1, memory=memory), window, 1000.0).replicas == 0


def test_in_flight_requests_keep_their_slots_without_arrivals() -> None:
    window = [MetricsSample(2.0 * (i + 1), 20.0) for i in range(300)]
    rec = POLICY.recommend(ScalingState(3, 3), window, 600.0)
    assert rec.replicas == 3 and rec.reason.startswith("no arrivals")


def test_scale_from_zero_on_traffic() -> None:
    window = [MetricsSample(2.0 * (i + 1), 0.0) for i in range(99)] + [
        MetricsSample(200.0, 3.0, queue_depth=3, request_rate=1.5)
    ]
    rec = POLICY.recommend(ScalingState(0, 0), window, 200.0)
    assert rec.replicas >= 1


def test_bad_config() -> None:
    with pytest.raises(Exception, match="slots_per_replica"):
        LlmPolicyConfig(slots_per_replica=0)
    with pytest.raises(Exception, match="slo_target"):
        LlmPolicyConfig(slots_per_replica=8, slo_target=1.0)


def test_scale_down_tolerance_keeps_a_count_at_the_boundary() -> None:
    policy = LlmPolicy(LlmPolicyConfig(slots_per_replica=8, down_tolerance=0.1))
    flat = traffic(lambda t: 2.9, 9.0, 600.0)  # 26.1 busy slots
    n = replicas_for_wait(26.1, 9.0, 8, 1.0, 0.005)
    n_tol = replicas_for_wait(26.1 * 1.1, 9.0, 8, 1.0, 0.005)
    assert n_tol == n + 1
    assert policy.recommend(ScalingState(n + 1, n + 1), flat, 600.0).replicas == n + 1
    assert POLICY.recommend(ScalingState(n + 1, n + 1), flat, 600.0).replicas == n


def test_bursty_traffic_holds_replicas_longer() -> None:
    rng = random.Random(3)
    bursty = [
        MetricsSample(2.0 * (i + 1), 36.0, request_rate=20.0 if rng.random() < 0.2 else 0.0) for i in range(300)
    ]
    est = estimate_load(CFG, bursty, 600.0)
    assert est is not None and est.burstiness > 1.5
    # Ten replicas wanted 100 s ago: past the plain hold window (60 s), inside the bursty one.
    memory = PolicyMemory(last_active_at=600.0, recent_desired=((500.0, 10),))
    assert POLICY.recommend(ScalingState(10, 10, memory=memory), bursty, 600.0).replicas == 10
    poisson = traffic(lambda t: 4.0, 9.0, 600.0)
    assert POLICY.recommend(ScalingState(10, 10, memory=memory), poisson, 600.0).replicas < 10
    # However bursty, the hold stops at the trend window (300 s).
    old = PolicyMemory(last_active_at=600.0, recent_desired=((250.0, 10),))
    assert POLICY.recommend(ScalingState(10, 10, memory=old), bursty, 600.0).replicas < 10
