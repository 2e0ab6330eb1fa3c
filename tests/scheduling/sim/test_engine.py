"""The simulator on small traces whose outcome can be worked out by hand."""

from __future__ import annotations

import pytest

from suanli.core.errors import InvalidInput
from suanli.scheduling import policy_named
from suanli.scheduling.sim import TraceJob, machine, simulate, summarize


def tj(i: int, submit: float, duration: float, gpus: int, tenant: str = "t") -> TraceJob:
    return TraceJob(str(i), submit, duration, gpus, tenant)


def test_fifo_runs_jobs_in_order_on_a_full_node() -> None:
    jobs = [tj(1, 0, 100, 8), tj(2, 10, 50, 8)]
    run = simulate(jobs, machine(8), policy_named("fifo"))
    rec = {r.trace.id: r for r in run.records}
    assert (rec["1"].first_start, rec["1"].finish) == (0, 100)
    assert (rec["2"].first_start, rec["2"].finish) == (100, 150)
    m = summarize(run, "fifo")
    assert m["avg_jct_s"] == (100 + 140) / 2
    assert m["makespan_s"] == 150
    assert m["gpu_utilization"] == round((100 * 8 + 50 * 8) / (8 * 150), 4)


def test_big_job_is_not_starved_by_a_stream_of_small_ones() -> None:
    # 2 nodes; one-GPU jobs of 1,000 s arrive every 50 s (20 GPUs wanted of 16), enough to keep the cluster busy; a
    # 16-GPU job arrives at 50 s. Without a reservation it would wait until the stream ends.
    small = [tj(i, i * 50.0, 1_000.0, 1) for i in range(400)]
    big = tj(9999, 50.0, 500.0, 16)
    for name in ("fifo", "suanli"):
        run = simulate(sorted([*small, big], key=lambda j: j.submit_time), machine(16), policy_named(name))
        rec = next(r for r in run.records if r.trace.id == "9999")
        assert rec.first_start is not None
        assert rec.first_start < 40_000 / 4, name


def test_short_jobs_overtake_a_long_one_under_las_and_preemption_is_bounded() -> None:
    jobs = [tj(0, 0, 100_000, 8)] + [tj(i, 5_000.0 + i * 10, 600.0, 8) for i in range(1, 6)]
    fifo = summarize(simulate(jobs, machine(8), policy_named("fifo")), "fifo")
    las = simulate(jobs, machine(8), policy_named("suanli"))
    m = summarize(las, "suanli")
    assert m["avg_jct_s"] < fifo["avg_jct_s"] / 3
    # The long job is displaced once for the burst, not once per short job (no thrash).
    assert next(r for r in las.records if r.trace.id == "0").preemptions <= 2


def test_preempted_job_pays_the_preemption_cost() -> None:
    jobs = [tj(0, 0, 10_000, 8), tj(1, 5_000, 100, 8)]
    run = simulate(jobs, machine(8), policy_named("tiresias"), preempt_cost_s=60.0)
    long = next(r for r in run.records if r.trace.id == "0")
    assert long.preemptions == 1
    assert long.finish is not None and long.finish > 10_000 + 100 + 60 - 1


def test_jobs_larger_than_the_cluster_are_reported_not_replayed() -> None:
    run = simulate([tj(0, 0, 10, 16), tj(1, 0, 10, 1)], machine(8), policy_named("fifo"))
    assert run.unschedulable == ["0"]
    assert summarize(run, "fifo")["jobs"] == 1


def test_machine_rejects_partial_nodes() -> None:
    with pytest.raises(InvalidInput):
        machine(12, 8)
