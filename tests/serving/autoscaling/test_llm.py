from __future__ import annotations

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

CFG = LlmPolicyConfig(slots_per_replica=8, cold_start_s=30.0)
POLICY = LlmPolicy(CFG)


def line(
    f: Callable[[float], float], until: float, start: float = 0.0, step: float = 2.0, prompt_token_rate: float = 0.0
) -> list[MetricsSample]:
    n = int((until - start) / step)
    return [
        MetricsSample(start + step * (i + 1), f(start + step * (i + 1)), request_rate=1.0,
                      prompt_token_rate=prompt_token_rate)
        for i in range(n)
    ]


@given(a=st.floats(0, 1e4), b=st.floats(0, 1e4), slots=st.integers(1, 64))
def test_staffing_is_monotone_and_covers_load(a: float, b: float, slots: int) -> None:
    lo, hi = sorted((a, b))
    assert staffed_replicas(lo, slots, 1.5) <= staffed_replicas(hi, slots, 1.5)
    assert staffed_replicas(hi, slots, 1.5) * slots >= hi


def test_flat_load_gets_square_root_headroom() -> None:
    rec = POLICY.recommend(ScalingState(6, 6), line(lambda t: 36.0, 300.0), 300.0)
    assert rec.replicas == staffed_replicas(36.0, 8, 1.5) == 6  # 36 + 1.5*6 = 45 slots


def test_rising_load_is_bought_a_cold_start_ahead() -> None:
    ramp = line(lambda t: 0.1 * t, 300.0)  # 30 at the end, rising 0.1/s
    flat = line(lambda t: 30.0, 300.0)
    up = POLICY.recommend(ScalingState(5, 5), ramp, 300.0).replicas
    same = POLICY.recommend(ScalingState(5, 5), flat, 300.0).replicas
    assert up > same


def test_burst_beyond_slots_scales_at_once() -> None:
    window = line(lambda t: 10.0, 290.0) + line(lambda t: 60.0, 300.0, start=290.0)
    rec = POLICY.recommend(ScalingState(2, 2), window, 300.0)
    assert rec.replicas >= staffed_replicas(60.0, 8, 1.5)
    assert rec.reason.startswith("burst")


def test_scale_down_waits_for_the_window() -> None:
    high = POLICY.recommend(ScalingState(8, 8), line(lambda t: 50.0, 300.0), 300.0)
    low = line(lambda t: 50.0 if t <= 300 else 5.0, 400.0)
    held = POLICY.recommend(ScalingState(high.replicas, high.replicas, memory=high.memory), low, 400.0)
    assert held.replicas == high.replicas
    later = POLICY.recommend(ScalingState(held.replicas, held.replicas, memory=held.memory),
                             line(lambda t: 5.0, 600.0), 600.0)
    assert later.replicas < high.replicas


def test_queue_with_slow_first_tokens_adds_capacity_from_ready_replicas() -> None:
    window = line(lambda t: 16.0, 300.0)
    window[-1] = MetricsSample(300.0, 16.0, queue_depth=40, request_rate=1.0, ttft_p90_s=3.0)
    rec = POLICY.recommend(ScalingState(4, 2), window, 300.0)
    assert rec.replicas == 2 + 5
    calm = [*window[:-1], MetricsSample(300.0, 16.0, queue_depth=40, request_rate=1.0, ttft_p90_s=0.2)]
    assert POLICY.recommend(ScalingState(4, 2), calm, 300.0).replicas < 7


def test_prefill_bound_traffic_is_sized_by_prompt_tokens() -> None:
    policy = LlmPolicy(LlmPolicyConfig(slots_per_replica=8, prefill_tokens_per_s=1000.0))
    window = line(lambda t: 4.0, 300.0, prompt_token_rate=6000.0)
    rec = policy.recommend(ScalingState(1, 1), window, 300.0)
    assert rec.replicas == 10  # 6000 / (1000 * 0.6)


def test_scale_to_zero_after_idle_grace_only() -> None:
    window = line(lambda t: 0.0, 1000.0)
    window = [MetricsSample(s.at, 0.0) for s in window]
    memory = PolicyMemory(last_active_at=900.0)
    assert POLICY.recommend(ScalingState(1, 1, memory=memory), window, 1000.0).replicas == 1
    memory = PolicyMemory(last_active_at=600.0)
    assert POLICY.recommend(ScalingState(1, 1, memory=memory), window, 1000.0).replicas == 0


def test_scale_from_zero_on_traffic() -> None:
    window = [MetricsSample(2.0 * (i + 1), 0.0) for i in range(99)] + [
        MetricsSample(200.0, 3.0, queue_depth=3, request_rate=1.5)
    ]
    rec = POLICY.recommend(ScalingState(0, 0), window, 200.0)
    assert rec.replicas >= 1


def test_bad_config() -> None:
    with pytest.raises(Exception, match="slots_per_replica"):
        LlmPolicyConfig(slots_per_replica=0)


def test_scale_down_tolerance_keeps_a_count_at_the_boundary() -> None:
    flat = line(lambda t: 38.0, 300.0)  # staffed(38) = 6 replicas, staffed(38 * 1.1) = 7
    assert POLICY.recommend(ScalingState(7, 7), flat, 300.0).replicas == 7
    assert POLICY.recommend(ScalingState(8, 8), flat, 300.0).replicas == 7
    eager = LlmPolicy(LlmPolicyConfig(slots_per_replica=8, down_tolerance=0.0))
    assert eager.recommend(ScalingState(7, 7), flat, 300.0).replicas == 6
