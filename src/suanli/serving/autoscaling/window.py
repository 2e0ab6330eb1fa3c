"""Aggregates over a window of metric samples (Knative-style sliding windows).

Samples arrive once per tick, so a plain mean over the samples inside the window is the
time-weighted mean the KPA uses. Windows are ordered oldest first; the functions walk back from the
newest sample and stop at the window's start, so a long history costs nothing per decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

from suanli.serving.autoscaling.types import MetricsSample

Field = Callable[[MetricsSample], float]


def concurrency(sample: MetricsSample) -> float:
    """The concurrency metric of a sample."""
    return sample.concurrency


def request_rate(sample: MetricsSample) -> float:
    """The arrival-rate metric of a sample."""
    return sample.request_rate


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


def significant_slope(
    window: Sequence[MetricsSample], now: float, seconds: float, field: Field, z: float = 2.0
) -> float:
    """The least-squares slope of ``field`` over the last ``seconds``, or 0.0 unless it is real.

    A slope counts only when it is ``z`` standard errors away from zero and the samples span at
    least half of ``seconds``: a policy that extrapolates every wiggle of a noisy rate buys capacity
    for noise (only upward wiggles, when it ignores falling trends) and a fit over the first few
    samples after a start is mostly noise.
    """
    picked = recent(window, now, seconds)
    n = len(picked)
    if n < 3 or picked[-1].at - picked[0].at < seconds / 2:
        return 0.0
    t0 = picked[0].at
    xs = [s.at - t0 for s in picked]
    ys = [field(s) for s in picked]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx <= 0.0:
        return 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    residual = sum((y - my - b * (x - mx)) ** 2 for x, y in zip(xs, ys, strict=True))
    stderr = (residual / (n - 2) / sxx) ** 0.5
    return b if abs(b) > z * stderr else 0.0


def arrival_dispersion(window: Sequence[MetricsSample], now: float, seconds: float, bin_s: float) -> float:
    """Index of dispersion (variance over mean) of arrival counts in bins of about ``bin_s``.

    1.0 for Poisson arrivals; above 1 for bursty traffic, which queues more than Poisson traffic at
    the same mean rate. Counts are rebuilt from each sample's rate and the time since the previous
    sample, so irregular ticks are fine. 1.0 when there are fewer than four bins or no arrivals.
    """
    picked = recent(window, now, seconds)
    counts: list[float] = []
    current, span = 0.0, 0.0
    for prev, s in pairwise(picked):
        dt = s.at - prev.at
        current += s.request_rate * dt
        span += dt
        if span >= bin_s:
            counts.append(current * bin_s / span)
            current, span = 0.0, 0.0
    n = len(counts)
    if n < 4:
        return 1.0
    m = sum(counts) / n
    if m <= 0.0:
        return 1.0
    return sum((c - m) ** 2 for c in counts) / (n - 1) / m


def last_active(window: Sequence[MetricsSample], previous: float | None) -> float | None:
    """The latest sample time that saw any traffic, or ``previous`` when none did (or it is later)."""
    for s in reversed(window):
        if s.concurrency > 0.0 or s.queue_depth > 0 or s.request_rate > 0.0:
            return s.at if previous is None or s.at > previous else previous
    return previous
