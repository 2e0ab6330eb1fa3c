from __future__ import annotations

import pytest

from suanli.core.errors import InvalidInput
from suanli.scheduling import Demand, Job, RankContext, Suanli, Tiresias, policy_named


def test_policy_names() -> None:
    assert [policy_named(n).name for n in ("fifo", "sjf-oracle", "tiresias", "suanli")] == [
        "fifo", "sjf-oracle", "tiresias", "suanli"]
    with pytest.raises(InvalidInput, match="unknown scheduling policy"):
        policy_named("lottery")


def test_sjf_orders_by_true_duration_and_fifo_by_submission() -> None:
    ctx = RankContext(0.0)
    a = Job("a", "t", Demand(1), submitted_at=1.0, duration_hint_s=500.0)
    b = Job("b", "t", Demand(1), submitted_at=2.0, duration_hint_s=50.0)
    sjf, fifo = policy_named("sjf-oracle"), policy_named("fifo")
    assert sjf.rank(b, 0, ctx) < sjf.rank(a, 0, ctx)
    assert fifo.rank(a, 0, ctx) < fifo.rank(b, 0, ctx)


def test_tiresias_queues_and_starvation_promotion() -> None:
    t = Tiresias(thresholds=(100.0, 1_000.0), promote_knob=2.0)
    j = Job("j", "t", Demand(2), submitted_at=0.0, queued_at=0.0)
    assert t.queue(j, 50.0, now=1.0) == 0
    assert t.queue(j, 500.0, now=1.0) == 1
    assert t.queue(j, 5_000.0, now=1.0) == 2
    # Executed 2,500 s per device; waiting 5,000 s (2 x that) promotes it to the top queue.
    assert t.queue(j, 5_000.0, now=5_000.0) == 0
    assert t.may_preempt((0, 0, 5.0), (0, 1, 1.0)) and not t.may_preempt((0, 1, 0.0), (0, 1, 9.0))


def test_suanli_levels_are_monotone_and_preemption_needs_a_gap() -> None:
    s = Suanli(base_s=100.0, factor=2.0, preempt_gap=2)
    levels = [s.level(a) for a in (0, 99, 100, 299, 300, 700, 10_000)]
    assert levels == sorted(levels) and levels[0] == 0 and levels[2] == 1 and levels[4] == 2
    assert s.may_preempt((0, 0, 0.0, 0.0), (0, 2, 0.0, 0.0))
    assert not s.may_preempt((0, 0, 0.0, 0.0), (0, 1, 0.0, 0.0))
    assert s.may_preempt((-5, 3, 0.0, 0.0), (0, 0, 0.0, 0.0))  # priority first


def test_fair_share_breaks_ties_within_a_level() -> None:
    s = Suanli()
    ctx = RankContext(0.0, {"busy": 64.0, "idle": 0.0})
    a = Job("a", "busy", Demand(1), submitted_at=0.0)
    b = Job("b", "idle", Demand(1), submitted_at=10.0)
    assert s.rank(b, 0, ctx) < s.rank(a, 0, ctx)


def test_static_ranks_are_memoised_per_job_object() -> None:
    fifo = policy_named("fifo")
    j = Job("a", "t", Demand(1), submitted_at=3.0)
    ctx = RankContext(0.0)
    assert fifo.sort_key(j, 0.0, ctx) is fifo.sort_key(j, 0.0, ctx)
    assert fifo.sort_key(j, 0.0, ctx) == ((0, 3.0), "a")


def test_suanli_batch_keys_equal_one_by_one_ranks() -> None:
    s = Suanli(base_s=100.0)
    ctx = RankContext(50_000.0, {"a": 3.0, "b": 0.5})
    jobs = [Job(f"j{i}", "ab"[i % 2], Demand(1 + i % 4), priority=i % 3, submitted_at=float(i),
                attained_service=float(i * i * 37 % 90_000), queued_at=None if i % 3 else float(i * 700))
            for i in range(200)]
    assert s.sort_keys(jobs, ctx) == [(s.rank(j, j.attained_service, ctx), j.id) for j in jobs]


def test_suanli_ladder_is_capped_so_long_jobs_share_one_level() -> None:
    s = Suanli(base_s=100.0, max_level=3)
    assert s.level(1e9) == s.level(1e6) == 3
    ctx = RankContext(0.0)
    old = Job("old", "t", Demand(8), submitted_at=0.0, attained_service=1e9)
    new = Job("new", "t", Demand(8), submitted_at=5.0, attained_service=1e6)
    # Same level: the older job goes first and neither may displace the other.
    assert s.rank(old, 1e9, ctx) < s.rank(new, 1e6, ctx)
    assert not s.may_preempt(s.rank(new, 1e6, ctx), s.rank(old, 1e9, ctx, True))


def test_batch_running_ranks_equal_one_by_one_ranks() -> None:
    from suanli.scheduling import Placement, RunningJob

    ctx = RankContext(9_000.0, {"a": 2.0})
    running = [RunningJob(Job(f"r{i}", "ab"[i % 2], Demand(1 + i % 3), priority=i % 2, submitted_at=float(i),
                              attained_service=float(i * 911)),
                          Placement("gpu", (("n0", tuple(range(1 + i % 3))),)), float(i * 97 % 12_000))
               for i in range(100)]
    for policy in (Suanli(base_s=60.0), policy_named("tiresias"), policy_named("fifo")):
        assert policy.running_ranks(running, 9_000.0, ctx) == [
            policy.rank(r.job, r.attained(9_000.0), ctx, True) for r in running]


def test_tiresias_batch_keys_equal_one_by_one_ranks() -> None:
    t = Tiresias(thresholds=(500.0, 5_000.0), promote_knob=2.0)
    ctx = RankContext(50_000.0)
    jobs = [Job(f"j{i}", "t", Demand(1 + i % 4), priority=i % 3, submitted_at=float(i),
                attained_service=float(i * i * 37 % 90_000), queued_at=None if i % 3 else float(i * 300))
            for i in range(200)]
    assert t.sort_keys(jobs, ctx) == [(t.rank(j, j.attained_service, ctx), j.id) for j in jobs]


def test_batch_displaceable_equals_one_by_one_rules() -> None:
    from suanli.scheduling import Placement, RunningJob

    now = 9_000.0
    ctx = RankContext(now, {"a": 2.0})
    running = [RunningJob(Job(f"r{i}", "ab"[i % 2], Demand(1 + i % 3), priority=i % 2, submitted_at=float(i),
                              attained_service=float(i * 911), preemptions=i % 11, checkpointable=i % 7 != 0),
                          Placement("gpu", (("n0", tuple(range(1 + i % 3))),)), float(i * 97 % 12_000),
                          preempted_at=5.0 if i % 13 == 0 else None)
               for i in range(300)]
    for policy in (Suanli(base_s=60.0), policy_named("tiresias")):
        ranks = policy.running_ranks(running, now, ctx)
        for best in (None, ranks[0], ranks[5], (0, 0, 0.0, 0.0), (-1, 0, 0.0, 0.0)):
            assert policy.displaceable(running, now, ctx, best) == [
                (rank, r) for rank, r in zip(ranks, running, strict=True)
                if r.preempted_at is None and r.job.checkpointable and now - r.started_at >= policy.min_run_s(r.job)
                and (best is None or policy.may_preempt(best, rank))], (policy.name, best)
