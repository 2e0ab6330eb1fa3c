"""Property tests: the invariants every pass keeps, whatever the input."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from suanli.scheduling import (
    Cluster,
    Decisions,
    Demand,
    Job,
    Node,
    RunningJob,
    Snapshot,
    TenantQuota,
    policy_named,
    schedule,
)
from suanli.scheduling.placement import gang_shape

KINDS = ("nvidia-h100", "ascend-910b")
TENANTS = ("a", "b", "c")
POLICY_NAMES = ("fifo", "sjf-oracle", "tiresias", "suanli")


@st.composite
def clusters(draw: st.DrawFn) -> Cluster:
    n = draw(st.integers(1, 6))
    tiers = {"s0": 0, "s1": draw(st.integers(0, 1))}  # one site, or two clusters priced alike or not
    sites = draw(st.sampled_from((("s0",), ("s0", "s1"))))
    nodes = []
    for i in range(n):
        kind = draw(st.sampled_from(KINDS))
        site = draw(st.sampled_from(sites))
        nodes.append(Node(f"n{i}", kind, draw(st.sampled_from((2, 4, 8))), rack=f"{site}r{i // 2}", site=site,
                          tier=tiers[site]))
    return Cluster(tuple(nodes))


@st.composite
def jobs(draw: st.DrawFn, prefix: str) -> tuple[Job, ...]:
    out = []
    for i in range(draw(st.integers(0, 10))):
        count = draw(st.sampled_from((1, 1, 2, 3, 4, 8, 16)))
        how = draw(st.sampled_from(("kind", "memory", "any")))
        demand = Demand(count, kind=draw(st.sampled_from(KINDS)) if how == "kind" else None,
                        min_memory_gb=64 if how == "memory" else None)
        out.append(Job(f"{prefix}{i}", draw(st.sampled_from(TENANTS)), demand,
                       priority=draw(st.integers(0, 2)), submitted_at=float(draw(st.integers(0, 100))),
                       attained_service=float(draw(st.sampled_from((0, 0, 5_000, 500_000)))),
                       duration_hint_s=float(draw(st.integers(1, 10_000))),
                       time_limit_s=draw(st.sampled_from((None, 600.0, 7_200.0)))))
    return tuple(out)


@st.composite
def quotas(draw: st.DrawFn) -> dict[str, TenantQuota]:
    if draw(st.booleans()):
        return {}
    out = {}
    for t in TENANTS:
        nominal = {k: draw(st.integers(0, 16)) for k in KINDS}
        borrow = {k: draw(st.integers(0, 16)) for k in KINDS if draw(st.booleans())}
        out[t] = TenantQuota(t, nominal, borrow, weight=draw(st.sampled_from((1.0, 2.0))))
    return out


def admitted_as_running(d: Decisions, pending: tuple[Job, ...], now: float) -> tuple[RunningJob, ...]:
    by_id = {j.id: j for j in pending}
    return tuple(RunningJob(by_id[a.job_id], a.placement, now) for a in d.admitted)


def check(snap: Snapshot, d: Decisions) -> None:
    jobs_by_id = {j.id: j for j in snap.pending}
    memory = {"nvidia-h100": 80, "ascend-910b": 64}
    sizes = {n.name: n.devices for n in snap.cluster.nodes}
    kinds = {n.name: n.kind for n in snap.cluster.nodes}
    held: set[tuple[str, int]] = set()
    for r in snap.running:
        for name, devs in r.placement.devices:
            held.update((name, x) for x in devs)
    usage: dict[tuple[str, str], int] = {}
    for r in snap.running:
        key = (r.job.tenant, r.placement.kind)
        usage[key] = usage.get(key, 0) + r.placement.count
    sites = {n.name: n.site for n in snap.cluster.nodes}
    for a in d.admitted:
        job = jobs_by_id[a.job_id]
        pl = a.placement
        # Gang: the whole demand, never part of it, on the shape the machine model asks for, in one site.
        assert pl.count == job.demand.count
        assert len({sites[name] for name, _ in pl.devices}) == 1, "a gang spans two sites"
        node_size = max(n.devices for n in snap.cluster.nodes if n.kind == pl.kind)
        assert len(pl.devices) == gang_shape(job.demand, node_size)[0]
        assert job.demand.kind in (None, pl.kind)
        assert memory[pl.kind] >= (job.demand.min_memory_gb or 0)
        for name, devs in pl.devices:
            assert kinds[name] == pl.kind
            for x in devs:
                assert 0 <= x < sizes[name]
                assert (name, x) not in held, "device allocated twice"
                held.add((name, x))
        key = (job.tenant, pl.kind)
        usage[key] = usage.get(key, 0) + pl.count
    if snap.quotas:
        for (tenant, kind), used in usage.items():
            limit = snap.quotas[tenant].limit(kind)
            if limit is not None:
                admitted_here = sum(a.placement.count for a in d.admitted
                                    if jobs_by_id[a.job_id].tenant == tenant and a.placement.kind == kind)
                # Running work above a limit may predate it; new admissions never add to an excess.
                assert used <= limit or admitted_here == 0
    decided = {a.job_id for a in d.admitted} | {p.job_id for p in d.pending}
    assert decided == set(jobs_by_id), "every pending job is admitted or explained"
    assert not ({a.job_id for a in d.admitted} & {p.job_id for p in d.pending})
    running_ids = {r.job.id for r in snap.running}
    assert {p.job_id for p in d.preempted} <= running_ids


@settings(max_examples=80, deadline=None)
@given(clusters(), jobs("p"), jobs("q"), quotas(), st.sampled_from(POLICY_NAMES))
def test_two_passes_keep_every_invariant(c: Cluster, first: tuple[Job, ...], second: tuple[Job, ...],
                                         q: dict[str, TenantQuota], name: str) -> None:
    pol = policy_named(name)
    s1 = Snapshot(c, pending=first, quotas=q)
    d1 = schedule(s1, pol, now=1_000.0)
    check(s1, d1)
    run = admitted_as_running(d1, first, 1_000.0)
    left = tuple(j for j in first if j.id not in {a.job_id for a in d1.admitted})
    later = 1_000.0 + pol.min_run_time_s + 1
    s2 = Snapshot(c, running=run, pending=left + second, quotas=q)
    d2 = schedule(s2, pol, now=later)
    check(s2, d2)


@settings(max_examples=60, deadline=None)
@given(clusters(), jobs("p"), quotas(), st.sampled_from(POLICY_NAMES), st.randoms(use_true_random=False))
def test_same_input_same_decisions(c: Cluster, pending: tuple[Job, ...], q: dict[str, TenantQuota],
                                   name: str, rnd: random.Random) -> None:
    shuffled = list(pending)
    rnd.shuffle(shuffled)
    d1 = schedule(Snapshot(c, pending=pending, quotas=q), policy_named(name), now=500.0)
    d2 = schedule(Snapshot(c, pending=tuple(shuffled), quotas=q), policy_named(name), now=500.0)
    assert d1 == d2


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.sampled_from((4, 8)), st.integers(1, 48), st.sampled_from(POLICY_NAMES),
       st.integers(1, 3))
def test_tenant_under_guarantee_gets_it_back_within_one_pass_plus_grace(
        nodes: int, per: int, want: int, name: str, borrower_jobs_per_node: int) -> None:
    kind = "nvidia-h100"
    c = Cluster(tuple(Node(f"n{i}", kind, per, rack="r0") for i in range(nodes)))
    cap = nodes * per
    want = min(want, cap)
    size = per // borrower_jobs_per_node if per % borrower_jobs_per_node == 0 else per
    q = {"owner": TenantQuota("owner", {kind: cap}), "borrower": TenantQuota("borrower", {kind: 0})}
    pol = policy_named(name)
    # The borrower fills the idle cluster.
    fill = tuple(Job(f"b{i}", "borrower", Demand(size), submitted_at=0.0) for i in range(cap // size))
    d0 = schedule(Snapshot(c, pending=fill, quotas=q), pol, now=0.0)
    run = admitted_as_running(d0, fill, 0.0)
    assert sum(r.placement.count for r in run) == cap
    # The owner asks for part of its guarantee, right away (no minimum run time protects borrowed work).
    mine = Job("o", "owner", Demand(want), submitted_at=1.0)
    d1 = schedule(Snapshot(c, running=run, pending=(mine,), quotas=q), pol, now=1.0)
    gone = {p.job_id for p in d1.preempted}
    stopping = tuple(dataclasses.replace(r, preempted_at=1.0) if r.job.id in gone else r for r in run)
    # During the grace period nothing more is preempted.
    mid = schedule(Snapshot(c, running=stopping, pending=(mine,), quotas=q), pol, now=1.0 + pol.grace_period_s / 2)
    assert mid.preempted == ()
    left = tuple(r for r in run if r.job.id not in gone)
    d2 = schedule(Snapshot(c, running=left, pending=(mine,), quotas=q), pol, now=1.0 + pol.grace_period_s)
    if gang_shape(Demand(want), per)[0] == 0:
        return
    assert [a.job_id for a in d2.admitted] == ["o"]
