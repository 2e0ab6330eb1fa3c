"""Preemption loops (a known Kueue bug class): two jobs must not take turns displacing each other."""

from __future__ import annotations

from suanli.scheduling import Suanli, policy_named
from suanli.scheduling.policies import Rank
from suanli.scheduling.sim import TraceJob, machine, simulate

TWINS = [TraceJob("a", 0, 50_000, 8, "x"), TraceJob("b", 1, 50_000, 8, "y")]


class NaiveLas(Suanli):
    """Least attained service with no hysteresis and no minimum run time: the loop the guards prevent."""

    min_run_time_s = 0.0
    requeue_interval_s = 60.0

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
