"""Aggregates over a window of metric samples (Knative-style sliding windows).

Samples arrive once per tick, so a plain mean over the samples inside the window is the
time-weighted mean the KPA uses. Windows are ordered oldest first; the functions walk back from the
newest sample and stop at the window's start, so a long history costs nothing per decision.
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


def prompt_token_rate(sample: MetricsSample) -> float:
    """The prompt-token-rate metric of a sample."""
    return sample.prompt_token_rate


def recent(window: Sequence[MetricsSample], now: float, seconds: float) -> list[MetricsSample]:
    """Samples observed in ``(now - seconds, now]``, oldest first."""
    start = now - seconds
    picked: list[MetricsSample] = []
    for s in reversed(window):
        if s.at <= start:
            break
        if s.at <= now:
            picked.append(s)
    picked.reverse()
    return picked


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
    n = len(picked)
    if n < 3:
        return 0.0
    t0 = picked[0].at  # centre on the first sample: keeps the sums small and the result exact enough
    sx = sy = sxx = sxy = 0.0
    for s in picked:
        x, y = s.at - t0, field(s)
        sx += x
        sy += y
        sxx += x * x
        sxy += x * y
    denominator = n * sxx - sx * sx
    if denominator <= 0.0:
        return 0.0
    return (n * sxy - sx * sy) / denominator


def last_active(window: Sequence[MetricsSample], previous: float | None) -> float | None:
    """The latest sample time that saw any traffic, or ``previous`` when none did (or it is later)."""
    for s in reversed(window):
        if s.concurrency > 0.0 or s.queue_depth > 0 or s.request_rate > 0.0:
            return s.at if previous is None or s.at > previous else previous
    return previous
