"""Scenarios: quotas and reclaim, priorities, gangs, reservations, kinds, explanations."""

from __future__ import annotations

import dataclasses

from suanli.scheduling import (
    Cluster,
    Demand,
    Job,
    Node,
    RunningJob,
    Snapshot,
    TenantQuota,
    policy_named,
    schedule,
)

from .build import cluster, job, running

H100 = "nvidia-h100"


def test_admits_what_fits_and_explains_the_rest() -> None:
    snap = Snapshot(cluster(2), pending=(job("big", 24), job("a", 8), job("b", 4)))
    d = schedule(snap, policy_named("fifo"), now=0.0)
    assert [a.job_id for a in d.admitted] == ["a", "b"]
    assert d.reason("big") == f"no 3 idle whole nodes of {H100} (idle whole nodes: 0)"


def test_gang_is_never_split_over_partial_nodes() -> None:
    c = cluster(3)
    busy = running(job("x", 1), H100, ("n0", (0,)))
    d = schedule(Snapshot(c, running=(busy,), pending=(job("g", 24),)), policy_named("suanli"), now=0.0)
    assert d.admitted == ()
    assert d.reason("g") is not None


def test_quota_limit_is_a_pending_reason() -> None:
    c = cluster(16, kind="ascend-910b")
    q = {"acme": TenantQuota("acme", nominal={"ascend-910b": 64}, borrowing_limit={"ascend-910b": 0})}
    held = tuple(running(job(f"r{i}", 8, "acme"), "ascend-910b", (f"n{i}", tuple(range(8)))) for i in range(8))
    d = schedule(Snapshot(c, running=held, pending=(job("p", 8, "acme"),), quotas=q), policy_named("suanli"), 0)
    assert d.admitted == ()
    assert d.reason("p") == "tenant quota for ascend-910b exhausted: 64/64 in use, job needs 8"


def test_borrowing_then_reclaim_within_one_pass_plus_grace() -> None:
    c = cluster(4)
    quotas = {"a": TenantQuota("a", nominal={H100: 8}), "b": TenantQuota("b", nominal={H100: 24})}
    pol = policy_named("suanli")
    # Tenant a borrows the whole idle cluster.
    d0 = schedule(Snapshot(c, pending=tuple(job(f"a{i}", 8, "a") for i in range(4)), quotas=quotas), pol, 0.0)
    assert len(d0.admitted) == 4
    assert sum(a.borrowed for a in d0.admitted) == 3
    run = tuple(RunningJob(job(a.job_id, 8, "a"), a.placement, 0.0) for a in d0.admitted)
    # Tenant b claims its guarantee one minute later, before any minimum run time has passed.
    want = job("b0", 16, "b", submitted_at=60.0)
    d1 = schedule(Snapshot(c, running=run, pending=(want,), quotas=quotas), pol, 60.0)
    assert len(d1.preempted) == 2 and d1.admitted == ()
    assert all(p.grace_s == pol.grace_period_s and p.for_job == "b0" for p in d1.preempted)
    assert all(p.reason.startswith("reclaimed") for p in d1.preempted)
    gone = {p.job_id for p in d1.preempted}
    # Victims are still checkpointing: nothing may be placed on their devices yet.
    stopping = tuple(dataclasses.replace(r, preempted_at=60.0) if r.job.id in gone else r for r in run)
    d_mid = schedule(Snapshot(c, running=stopping, pending=(want,), quotas=quotas), pol, 70.0)
    assert d_mid.admitted == () and d_mid.preempted == ()
    # After the grace period the controller has removed them; the next pass admits b's job.
    left = tuple(r for r in run if r.job.id not in gone)
    d2 = schedule(Snapshot(c, running=left, pending=(want,), quotas=quotas), pol, 60.0 + pol.grace_period_s)
    assert [a.job_id for a in d2.admitted] == ["b0"]
    assert d2.admitted[0].borrowed is False


def test_borrower_cannot_displace_work_within_a_guarantee() -> None:
    c = cluster(1)
    quotas = {"a": TenantQuota("a", nominal={H100: 8}), "b": TenantQuota("b", nominal={})}
    run = (running(job("a0", 8, "a"), H100, ("n0", tuple(range(8))), started_at=-1e6),)
    d = schedule(Snapshot(c, running=run, pending=(job("b0", 1, "b", priority=100),), quotas=quotas),
                 policy_named("suanli"), now=0.0)
    assert d.preempted == () and d.admitted == ()


def test_higher_priority_preempts_after_minimum_run_time_only() -> None:
    c = cluster(1)
    pol = policy_named("suanli")
    low = job("low", 8, priority=0)
    high = job("high", 8, priority=10, submitted_at=100.0)
    young = (running(low, H100, ("n0", tuple(range(8))), started_at=0.0),)
    early = schedule(Snapshot(c, running=young, pending=(high,)), pol, now=pol.min_run_time_s - 1)
    assert early.preempted == ()
    late = schedule(Snapshot(c, running=young, pending=(high,)), pol, now=pol.min_run_time_s + 1)
    assert [p.job_id for p in late.preempted] == ["low"]
    assert late.reason("high") == "waiting for 1 preempted job(s) to checkpoint"


def test_non_checkpointable_jobs_are_not_preempted_by_policy() -> None:
    c = cluster(1)
    low = job("low", 8, checkpointable=False)
    run = (running(low, H100, ("n0", tuple(range(8))), started_at=0.0),)
    d = schedule(Snapshot(c, running=run, pending=(job("high", 8, priority=10),)), policy_named("suanli"), 1e6)
    assert d.preempted == ()


def test_fifo_reservation_blocks_later_jobs_unless_they_end_in_time() -> None:
    c = cluster(2)
    # n0 is busy until t=1000, n1 until t=500: the 16-device job reserves both from t=1000.
    r0 = running(job("r0", 8, time_limit_s=1000.0), H100, ("n0", tuple(range(8))))
    r1 = running(job("r1", 4, time_limit_s=500.0), H100, ("n1", (0, 1, 2, 3)))
    head = job("head", 16, submitted_at=1.0)
    short = job("short", 2, submitted_at=2.0, time_limit_s=900.0)  # ends at 910, before 1000
    long = job("long", 2, submitted_at=3.0, time_limit_s=5000.0)
    d = schedule(Snapshot(c, running=(r0, r1), pending=(head, short, long)), policy_named("fifo"), now=10.0)
    assert [a.job_id for a in d.admitted] == ["short"]
    pend = {p.job_id: p for p in d.pending}
    assert pend["head"].estimated_start == 1000.0
    assert pend["head"].reason.startswith("reserved 2 node(s)")
    assert pend["long"].reason == "waiting behind reservation for job head"


def test_any_kind_with_enough_memory_prefers_the_smallest_sufficient_kind() -> None:
    nodes = (Node("h0", "nvidia-h100", 8), Node("a0", "ascend-910b", 8), Node("l0", "nvidia-l40s", 8))
    c = Cluster(nodes)
    d = schedule(Snapshot(c, pending=(Job("j", "t", Demand(4, min_memory_gb=64)),)), policy_named("fifo"), 0)
    assert d.admitted[0].placement.kind == "ascend-910b"  # 64 GB suffices; keep the 80 GB cards
    d2 = schedule(Snapshot(c, pending=(Job("j", "t", Demand(4, min_memory_gb=100)),)), policy_named("fifo"), 0)
    assert d2.admitted == () and d2.reason("j") == "no accelerator kind satisfies the demand"


def test_any_kind_avoids_the_kind_the_queue_needs() -> None:
    nodes = (Node("h0", "nvidia-h100", 8), Node("a0", "nvidia-a100", 8))
    pend = (Job("any", "t", Demand(8, min_memory_gb=80)),
            Job("needs-a100", "t", Demand(8, kind="nvidia-a100"), submitted_at=1.0))
    d = schedule(Snapshot(Cluster(nodes), pending=pend), policy_named("fifo"), 0)
    kinds = {a.job_id: a.placement.kind for a in d.admitted}
    assert kinds == {"any": "nvidia-h100", "needs-a100": "nvidia-a100"}


def test_estimated_start_follows_time_limits() -> None:
    c = cluster(1)
    r = running(job("r", 8, time_limit_s=300.0), H100, ("n0", tuple(range(8))), started_at=0.0)
    d = schedule(Snapshot(c, running=(r,), pending=(job("w", 4),)), policy_named("sjf-oracle"), now=100.0)
    assert d.pending[0].estimated_start == 300.0
    d2 = schedule(Snapshot(c, running=(dataclasses.replace(r, job=job("r", 8)),), pending=(job("w", 4),)),
                  policy_named("sjf-oracle"), now=100.0)
    assert d2.pending[0].estimated_start is None
