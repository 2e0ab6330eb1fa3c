"""Preemption loops (a known Kueue bug class): two jobs must not take turns displacing each other."""

from __future__ import annotations

from suanli.scheduling import Demand, Job, Suanli, policy_named
from suanli.scheduling.policies import Rank
from suanli.scheduling.sim import TraceJob, machine, simulate

TWINS = [TraceJob("a", 0, 50_000, 8, "x"), TraceJob("b", 1, 50_000, 8, "y")]


class NaiveLas(Suanli):
    """Least attained service with no hysteresis and no minimum run time: the loop the guards prevent."""

    min_run_time_s = 0.0
    requeue_interval_s = 60.0

    def __init__(self) -> None:
        super().__init__(max_level=63)  # an uncapped ladder: attained service alone decides

    def min_run_s(self, job: Job) -> float:
        return self.min_run_time_s  # no back-off, no cap

    def may_preempt(self, waiting: Rank, running: Rank) -> bool:
        return waiting < running


def preemptions(policy: Suanli) -> int:
    return sum(r.preemptions for r in simulate(TWINS, machine(8), policy).records)


def test_guards_bound_how_often_two_equal_jobs_swap() -> None:
    for name in ("suanli", "tiresias"):
        assert sum(r.preemptions for r in simulate(TWINS, machine(8), policy_named(name)).records) <= 8, name


def test_without_the_guards_the_same_jobs_thrash() -> None:
    # The same scenario under a naive policy swaps the jobs every minute: the bound above is meaningful.
    assert preemptions(NaiveLas()) > 100


def test_minimum_run_time_alone_bounds_the_rate() -> None:
    p = NaiveLas()
    p.min_run_time_s = 3_600.0
    # At most one swap per hour of a ~28-hour schedule.
    assert preemptions(p) <= 100_000 // 3_600 + 1


class BackedOffLas(NaiveLas):
    """The naive policy with suanli's back-off: each preemption doubles the job's minimum run time."""

    def min_run_s(self, job: Job) -> float:
        return Suanli.min_run_s(self, job)


def test_back_off_and_cap_bound_the_swaps_of_each_job() -> None:
    p = BackedOffLas()
    p.min_run_time_s = 60.0
    runs = simulate(TWINS, machine(8), p).records
    # Without the guard the twins swap every minute (> 100 times); with it each job is displaced at most
    # max_preemptions times, and the minimum run time doubles between displacements.
    assert all(r.preemptions <= p.max_preemptions for r in runs)
    assert 0 < sum(r.preemptions for r in runs) <= 2 * p.max_preemptions


def test_minimum_run_time_doubles_per_preemption_until_the_cap() -> None:
    s = Suanli()
    times = [s.min_run_s(Job("j", "t", Demand(1), preemptions=k)) for k in range(s.max_preemptions + 1)]
    assert times[:3] == [s.min_run_time_s, 2 * s.min_run_time_s, 4 * s.min_run_time_s]
    assert times[-1] == float("inf")


def test_a_small_job_displaces_a_small_victim_not_a_whole_node() -> None:
    from suanli.scheduling import Cluster, Node, Placement, RunningJob, Snapshot, schedule

    cluster = Cluster((Node("a", "gpu", 8), Node("b", "gpu", 8)))
    old = 1e9  # both victims have run long enough to be displaced by a new job
    big = RunningJob(Job("big", "t", Demand(8), submitted_at=5.0, attained_service=old),
                     Placement("gpu", (("a", tuple(range(8))),)), -10_000.0)
    small = [RunningJob(Job(f"s{d}", "t", Demand(1), attained_service=old), Placement("gpu", (("b", (d,)),)),
                        -10_000.0) for d in range(8)]
    new = Job("new", "u", Demand(1))
    d = schedule(Snapshot(cluster, (big, *small), (new,)), policy_named("suanli"), 0.0)
    # The big job ranks worst, but stopping it would idle seven devices: one small victim is enough.
    assert len(d.preempted) == 1 and d.preempted[0].job_id.startswith("s")
    # Tiresias, as published, stops the lowest-ranked job whatever its size.
    t = schedule(Snapshot(cluster, (big, *small), (new,)), policy_named("tiresias"), 0.0)
    assert [p.job_id for p in t.preempted] == ["big"]
