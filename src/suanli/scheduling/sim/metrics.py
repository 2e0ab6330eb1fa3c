"""The numbers ``suanli sim`` reports, from the records of one replay.

Queueing delay is submission to first start (the figure published for Philly and Helios). Utilisation
counts useful GPU-seconds only (work redone after a preemption is not useful) over GPUs x makespan.
Tenant slowdown is each tenant's mean of JCT / duration; the report gives the ratio of the worst
tenant's to the best tenant's, a fairness figure (1.0 is perfectly even).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from suanli.scheduling.sim.engine import SimRun


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation, like numpy's default."""
    if not values:
        return math.nan
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summarize(run: SimRun, policy: str) -> dict[str, Any]:
    """The report of one replay as a flat dict (the ``--json`` document)."""
    done = [r for r in run.records if r.finish is not None and r.first_start is not None]
    jct = [r.finish - r.trace.submit_time for r in done if r.finish is not None]
    queue = [r.first_start - r.trace.submit_time for r in done if r.first_start is not None]
    first = min((r.trace.submit_time for r in done), default=0.0)
    last = max((r.finish for r in done if r.finish is not None), default=0.0)
    makespan = last - first
    useful = sum(r.trace.duration * r.trace.num_gpus for r in done)
    per_tenant: dict[str, list[float]] = {}
    for r in done:
        if r.finish is not None and r.trace.duration > 0:
            sd = (r.finish - r.trace.submit_time) / r.trace.duration
            per_tenant.setdefault(r.trace.tenant, []).append(sd)
    means = [sum(v) / len(v) for v in per_tenant.values() if v]
    return {
        "policy": policy,
        "jobs": len(done),
        "avg_jct_s": round(sum(jct) / len(jct), 1) if jct else math.nan,
        "p50_jct_s": round(percentile(jct, 50), 1),
        "p99_jct_s": round(percentile(jct, 99), 1),
        "avg_queue_s": round(sum(queue) / len(queue), 1) if queue else math.nan,
        "p99_queue_s": round(percentile(queue, 99), 1),
        "makespan_s": round(makespan, 1),
        "gpu_utilization": round(useful / (run.gpus * makespan), 4) if makespan > 0 else 0.0,
        "preemptions": sum(r.preemptions for r in run.records),
        "tenant_slowdown_max_min": round(max(means) / min(means), 3) if means and min(means) > 0 else math.nan,
        "unschedulable": len(run.unschedulable),
        "passes": run.passes,
    }
