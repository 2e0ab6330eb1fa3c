from __future__ import annotations

import math

from suanli.scheduling.sim import JobRecord, SimRun, TraceJob, percentile, summarize


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert math.isnan(percentile([], 50))


def test_summary_counts_only_finished_jobs_and_fairness() -> None:
    recs = [JobRecord(TraceJob("1", 0, 10, 1, "a"), 0, 10), JobRecord(TraceJob("2", 0, 10, 1, "b"), 10, 20),
            JobRecord(TraceJob("3", 5, 10, 1, "b"))]
    m = summarize(SimRun(recs, gpus=1), "x")
    assert m["jobs"] == 2 and m["avg_jct_s"] == 15.0 and m["avg_queue_s"] == 5.0
    assert m["tenant_slowdown_max_min"] == 2.0
    assert m["gpu_utilization"] == 1.0
