"""Aggregates over a window of metric samples (Knative-style sliding windows).

Samples arrive once per tick, so a plain mean over the samples inside the window is the
time-weighted mean the KPA uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from suanli.serving.autoscaling.types import MetricsSample

Field = Callable[[MetricsSample], float]


def concurrency(sample: MetricsSample) -> float:
    """The concurrency metric of a sample."""
    return sample.concurrency


def token_rate(sample: MetricsSample) -> float:
    """The token-rate metric of a sample."""
    return sample.token_rate


def recent(window: Sequence[MetricsSample], now: float, seconds: float) -> list[MetricsSample]:
    """Samples observed in ``(now - seconds, now]``."""
    start = now - seconds
    return [s for s in window if start < s.at <= now]


def mean(window: Sequence[MetricsSample], now: float, seconds: float, field: Field) -> float:
    """Mean of ``field`` over the last ``seconds``; 0.0 when the window holds no sample."""
    picked = recent(window, now, seconds)
    if not picked:
        return 0.0
    return sum(field(s) for s in picked) / len(picked)


def slope(window: Sequence[MetricsSample], now: float, seconds: float, field: Field) -> float:
    """Least-squares slope (units per second) of ``field`` over the last ``seconds``.

    0.0 with fewer than three samples: two points are too noisy to extrapolate a cold start ahead.
    """
    picked = recent(window, now, seconds)
    if len(picked) < 3:
        return 0.0
    n = len(picked)
    mx = sum(s.at for s in picked) / n
    my = sum(field(s) for s in picked) / n
    sxx = sum((s.at - mx) ** 2 for s in picked)
    if sxx == 0.0:
        return 0.0
    return sum((s.at - mx) * (field(s) - my) for s in picked) / sxx


def last_active(window: Sequence[MetricsSample], previous: float | None) -> float | None:
    """The latest sample time that saw any traffic, or ``previous`` when none did."""
    active = previous
    for s in window:
        if (s.concurrency > 0.0 or s.queue_depth > 0 or s.request_rate > 0.0) and (
            active is None or s.at > active
        ):
            active = s.at
    return active
