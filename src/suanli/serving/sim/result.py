"""The summary of a replay: what ``suanli serve-sim`` prints."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class SimResult:
    """SLO attainment counts failed requests (timed out or rejected) as misses; the TTFT
    percentiles are over the requests that got a first token."""

    requests: int
    slo_attainment: float
    p50_ttft_s: float
    p99_ttft_s: float
    replica_hours: float
    peak_replicas: int
    cold_starts: int
    failed: int
    hours: float
    warm_block_share: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values; 0.0 for none."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(
    ttft: Sequence[float],
    slo_ttft_s: float,
    replica_hours: float,
    peak_replicas: int,
    cold_starts: int,
    warm_block_share: float | None,
    hours: float,
) -> SimResult:
    """Build the result from per-request TTFTs (``inf`` for a failed request)."""
    served = sorted(x for x in ttft if math.isfinite(x))
    within = sum(1 for x in served if x <= slo_ttft_s)
    return SimResult(
        requests=len(ttft),
        slo_attainment=within / len(ttft) if ttft else 1.0,
        p50_ttft_s=percentile(served, 50),
        p99_ttft_s=percentile(served, 99),
        replica_hours=replica_hours,
        peak_replicas=peak_replicas,
        cold_starts=cold_starts,
        failed=len(ttft) - len(served),
        hours=hours,
        warm_block_share=warm_block_share,
    )
