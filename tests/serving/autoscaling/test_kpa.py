from __future__ import annotations

import pytest

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling import Kpa, KpaConfig, MetricsSample, PolicyMemory, ScalingState


def steady(level: float, until: float, start: float = 0.0, step: float = 2.0) -> list[MetricsSample]:
    n = int((until - start) / step)
    return [MetricsSample(start + step * (i + 1), level, request_rate=1.0 if level else 0.0) for i in range(n)]


KPA = Kpa(KpaConfig(target=10.0))


def test_stable_mode_is_ceil_of_average_over_target() -> None:
    rec = KPA.recommend(ScalingState(4, 4), steady(35.0, 120.0), 120.0)
    assert rec.replicas == 4 and not rec.panic
    rec = KPA.recommend(ScalingState(3, 3), steady(41.0, 120.0), 120.0)
    assert rec.replicas == 5


def test_panics_when_short_window_doubles_ready_capacity() -> None:
    window = steady(20.0, 114.0) + steady(90.0, 120.0, start=114.0)
    rec = KPA.recommend(ScalingState(2, 2), window, 120.0)
    assert rec.panic
    assert rec.replicas == 9  # ceil(90 / 10) from the 6 s window, not the 60 s average
    assert rec.memory.panic_since == 120.0


def test_below_threshold_does_not_panic() -> None:
    window = steady(20.0, 114.0) + steady(35.0, 120.0, start=114.0)
    rec = KPA.recommend(ScalingState(2, 2), window, 120.0)
    assert not rec.panic


def test_panic_never_scales_down_and_ends_after_a_stable_window() -> None:
    memory = PolicyMemory(panic_since=100.0, panic_replicas=9)
    quiet = steady(5.0, 150.0)
    during = KPA.recommend(ScalingState(9, 9, memory=memory), quiet, 150.0)
    assert during.panic and during.replicas == 9
    after = KPA.recommend(ScalingState(9, 9, memory=during.memory), steady(5.0, 161.0), 161.0)
    assert not after.panic
    assert after.replicas < 9


def test_scale_down_rate_halves_at_most() -> None:
    rec = KPA.recommend(ScalingState(10, 10), steady(1.0, 120.0), 120.0)
    assert rec.replicas == 5


def test_scale_to_zero_only_after_window_and_grace() -> None:
    window = steady(3.0, 100.0) + steady(0.0, 200.0, start=100.0)
    early = KPA.recommend(ScalingState(1, 1), window, 170.0)
    assert early.replicas == 1
    late = KPA.recommend(ScalingState(1, 1, memory=early.memory), window, 200.0)
    assert late.replicas == 0


def test_zero_stays_zero_without_traffic() -> None:
    assert KPA.recommend(ScalingState(0, 0), steady(0.0, 120.0), 120.0).replicas == 0


def test_scale_from_zero_panics_on_first_traffic() -> None:
    window = steady(0.0, 114.0) + steady(25.0, 120.0, start=114.0)
    rec = KPA.recommend(ScalingState(0, 0), window, 120.0)
    assert rec.replicas == 3 and rec.panic  # ready counts as 1: 2.5 >= the 2.0 threshold
    small = steady(0.0, 114.0) + steady(4.0, 120.0, start=114.0)
    rec = KPA.recommend(ScalingState(0, 0), small, 120.0)
    assert rec.replicas == 1 and not rec.panic


def test_token_rate_metric() -> None:
    kpa = Kpa(KpaConfig(target=1000.0, metric="tokens"))
    window = [MetricsSample(2.0 * (i + 1), 1.0, token_rate=2500.0) for i in range(60)]
    assert kpa.recommend(ScalingState(3, 3), window, 120.0).replicas == 3


@pytest.mark.parametrize(
    "kwargs",
    [{"target": 0}, {"target": 1, "metric": "qps"}, {"target": 1, "panic_window_s": 90}, {"target": 1,
     "max_scale_down_rate": 0.5}],
)
def test_bad_config(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        KpaConfig(**kwargs)  # type: ignore[arg-type]
