"""Properties every policy must keep once wrapped in ``Autoscaler``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from suanli.serving.autoscaling import (
    Autoscaler,
    Bounds,
    MetricsSample,
    PolicyMemory,
    ScalingState,
    policy_named,
)

sample = st.builds(
    MetricsSample,
    at=st.just(0.0),
    concurrency=st.floats(0, 500),
    queue_depth=st.integers(0, 200),
    request_rate=st.floats(0, 100),
    token_rate=st.floats(0, 1e5),
    prompt_token_rate=st.floats(0, 1e5),
    ttft_p90_s=st.none() | st.floats(0, 60),
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(["static-peak", "kpa", "suanli"]),
    values=st.lists(sample, max_size=40),
    lo=st.integers(0, 5),
    extra=st.integers(0, 30),
    quota=st.none() | st.integers(0, 40),
    replicas=st.integers(0, 60),
    ready_share=st.floats(0, 1),
    static=st.integers(0, 80),
)
def test_never_outside_min_max_or_quota(
    name: str,
    values: list[MetricsSample],
    lo: int,
    extra: int,
    quota: int | None,
    replicas: int,
    ready_share: float,
    static: int,
) -> None:
    window = [MetricsSample(2.0 * (i + 1), s.concurrency, s.queue_depth, s.request_rate, s.token_rate,
                            s.prompt_token_rate, s.ttft_p90_s) for i, s in enumerate(values)]
    now = 2.0 * len(window) + 0.5
    bounds = Bounds(lo, lo + extra, quota)
    scaler = Autoscaler(policy_named(name, slots_per_replica=8, prefill_tokens_per_s=4000, static_replicas=static))
    state = ScalingState(replicas, int(replicas * ready_share), bounds, PolicyMemory())
    for _ in range(3):  # and again with the memory the policy handed back
        rec = scaler.recommend(state, window, now)
        assert 0 <= rec.replicas <= bounds.ceiling
        if quota is None or quota >= lo:
            assert rec.replicas >= lo
        state = ScalingState(rec.replicas, rec.replicas, bounds, rec.memory)
        now += 2.0


def test_clamp_says_why() -> None:
    scaler = Autoscaler(policy_named("static-peak", slots_per_replica=8, static_replicas=9))
    rec = scaler.recommend(ScalingState(1, 1, Bounds(0, 20, quota_replicas=4)), [], 0.0)
    assert rec.replicas == 4
    assert "quota" in rec.reason


def test_unknown_policy_is_invalid_input() -> None:
    import pytest

    from suanli.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        policy_named("hpa", slots_per_replica=8)
