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
