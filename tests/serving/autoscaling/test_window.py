from __future__ import annotations

import pytest

from suanli.serving.autoscaling import MetricsSample
from suanli.serving.autoscaling import window as win


def samples(values: list[float], step: float = 2.0) -> list[MetricsSample]:
    return [MetricsSample(at=step * (i + 1), concurrency=v) for i, v in enumerate(values)]


def test_mean_uses_only_the_window() -> None:
    w = samples([100.0, 100.0, 1.0, 3.0])  # at 2, 4, 6, 8
    assert win.mean(w, 8.0, 4.0, win.concurrency) == pytest.approx(2.0)
    assert win.mean(w, 8.0, 100.0, win.concurrency) == pytest.approx(51.0)
    assert win.mean([], 8.0, 4.0, win.concurrency) == 0.0


def test_slope_of_a_line() -> None:
    w = samples([1.0 + 0.5 * 2.0 * i for i in range(10)])
    assert win.slope(w, 20.0, 60.0, win.concurrency) == pytest.approx(0.5)


def test_slope_needs_three_points() -> None:
    assert win.slope(samples([1.0, 9.0]), 4.0, 60.0, win.concurrency) == 0.0


def test_last_active_keeps_previous_without_traffic() -> None:
    assert win.last_active(samples([0.0, 0.0]), 1.5) == 1.5
    assert win.last_active(samples([0.0, 2.0, 0.0]), None) == 4.0


def rates(values: list[float], step: float = 2.0) -> list[MetricsSample]:
    return [MetricsSample(at=step * (i + 1), concurrency=0.0, request_rate=v) for i, v in enumerate(values)]


def test_significant_slope_keeps_a_clear_trend() -> None:
    w = rates([1.0 + 0.01 * 2.0 * i + (0.05 if i % 2 else -0.05) for i in range(150)])
    assert win.significant_slope(w, 300.0, 300.0, win.request_rate) == pytest.approx(0.01, rel=0.05)


def test_significant_slope_drops_noise_and_short_spans() -> None:
    noise = rates([4.0 + (1.0 if (i * 7919) % 13 > 6 else -1.0) for i in range(150)])
    assert win.slope(noise, 300.0, 300.0, win.request_rate) != 0.0
    assert win.significant_slope(noise, 300.0, 300.0, win.request_rate) == 0.0
    ramp = rates([1.0 + 0.1 * i for i in range(10)])  # a clean ramp, but 20 s of a 300 s window
    assert win.significant_slope(ramp, 20.0, 300.0, win.request_rate) == 0.0


def test_arrival_dispersion() -> None:
    assert win.arrival_dispersion(rates([4.0] * 150), 300.0, 300.0, 10.0) == pytest.approx(0.0)
    clumped = rates([20.0 if i % 10 == 0 else 0.0 for i in range(150)])  # bins of 40, 0, 40, 0... arrivals
    assert win.arrival_dispersion(clumped, 300.0, 300.0, 10.0) == pytest.approx(20.0, rel=0.1)
    assert win.arrival_dispersion(rates([4.0] * 3), 6.0, 300.0, 10.0) == 1.0  # too few bins to say
