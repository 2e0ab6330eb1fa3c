"""One scheduling pass: snapshot in, decisions out. Pure and deterministic.

The pass walks the waiting jobs in the policy's order. With quotas it walks twice, Kueue style: first only
admissions within a tenant's guarantee (which may reclaim borrowed devices), then borrowing ones, so that
a tenant under its guarantee is never beaten to its own share by a borrower. A job is admitted whole or
not at all; when it does not fit, the pass tries quota reclaim, then policy preemption, then a
reservation, and otherwise records why it waits.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from suanli.scheduling.backfill import Reservation, reserve
from suanli.scheduling.explain import Explainer
from suanli.scheduling.holdings import Holdings, holdings
from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.kinds import KindChooser
from suanli.scheduling.model import (
    Admit,
    Decisions,
    Job,
    Pending,
    Placement,
    Preempt,
    RunningJob,
    Snapshot,
)
from suanli.scheduling.placement import gang_shape, place
from suanli.scheduling.policies import Policy, Rank, RankContext
from suanli.scheduling.preemption import choose_victims, fewest_victims
from suanli.scheduling.quota import Usage

#: Failed victim searches a tenant may cost one pass; its later jobs wait for the next pass.
MAX_FAILED_SEARCHES_PER_TENANT = 4


@dataclass(slots=True)
class _Pass:
    snapshot: Snapshot
    held: Holdings
    policy: Policy
    now: float
    free: FreeDevices
    usage: Usage
    kinds: KindChooser
    ctx: RankContext
    explain: bool
    admitted: list[Admit] = field(default_factory=list)
    started: list[RunningJob] = field(default_factory=list)
    preempted: list[Preempt] = field(default_factory=list)
    victims: set[str] = field(default_factory=set)
    claimed: set[str] = field(default_factory=set)
    stopping: list[RunningJob] | None = None
    attempts: dict[str, int] = field(default_factory=dict)
    no_victims: set[tuple[str, str, int, int, bool, frozenset[str]]] = field(default_factory=set)
    pool_heads: dict[str, int] = field(default_factory=dict)
    blocked: dict[tuple[str, int, str | None, int | None, int | None, float | None, bool, frozenset[str]], str] = (
        field(default_factory=dict))
    reasons: dict[str, tuple[str, float | None]] = field(default_factory=dict)
    reservation: Reservation | None = None
    reserve_tried: bool = False
    # Shapes (kind, nodes, devices per node) that failed to place: free devices only shrink within a
    # pass, so a shape that failed once fails again and the check is skipped (the 10,000-job fast path).
    failed: set[tuple[str, int, int, bool, frozenset[str]]] = field(default_factory=set)
    pool: dict[str, list[tuple[Rank, RunningJob]]] | None = None
    #: The rank of the best-ranked waiting job.
    best: Rank | None = None
    # Node indices each distinct set of excluded node names stands for (placement policy).
    off_limits: dict[frozenset[str], frozenset[int]] = field(default_factory=dict)

    def excluded(self, job: Job) -> frozenset[int]:
        """Indices of the nodes ``job`` must never be placed on."""
        names = job.excluded_nodes
        if not names:
            return frozenset()
        found = self.off_limits.get(names)
        if found is None:
            found = frozenset(self.free.index[n] for n in names if n in self.free.index)
            self.off_limits[names] = found
        return found


def schedule(snapshot: Snapshot, policy: Policy, now: float, *, explain: bool = True) -> Decisions:
    """Decide which pending jobs start where, which running jobs are preempted, and why the rest wait.

    With ``explain=False`` (the simulator), the pass stops as soon as nothing more can start and leaves
    the jobs it did not look at out of ``Decisions.pending``.
    """
    held = holdings(snapshot.cluster, snapshot.running)
    usage = Usage.counted(snapshot.quotas, dict(held.used), dict(held.total))
    ctx = RankContext(now, {t: usage.share(t) for t in usage.total})
    p = _Pass(snapshot, held, policy, now, held.free.copy(), usage,
              KindChooser(snapshot.cluster, snapshot.pending), ctx, explain)
    keys = policy.sort_keys(snapshot.pending, ctx)
    if not explain and not usage.enabled and not any(p.free.total.values()):
        # Nothing idle: only a preemption could change anything, and only the best-ranked waiting job
        # against the worst-ranked running one can tell (may_preempt is monotone in both).
        p.best = min(keys)[0] if keys else None
        worst = _worst_running(p) if policy.preemptive else None
        if worst is None or p.best is None or not policy.may_preempt(p.best, worst):
            return Decisions()
    order = sorted(range(len(keys)), key=keys.__getitem__)
    if order:
        p.best = keys[order[0]][0]
    ranked = [snapshot.pending[i] for i in order]
    waiting = _guaranteed_walk(p, ranked) if usage.enabled else ranked
    blocked, reasons = p.blocked, p.reasons
    after = policy.reserve_after_s
    for job in waiting:
        # The memo check of ``_try``, inlined: most of a long queue is answered here.
        d = job.demand
        memo = blocked.get((job.tenant, d.count, d.kind, d.min_memory_gb, d.nodes, job.time_limit_s, False,
                            job.excluded_nodes))
        if memo is not None and (p.reserve_tried or after is None or now - job.waiting_since < after):
            reasons[job.id] = (memo, None)
            continue
        if _try(p, job, guaranteed_only=False):
            continue
        if not explain and not policy.preemptive and not usage.enabled and not any(p.free.total.values()):
            break  # nothing is idle and nothing can be displaced: the rest must wait
    admitted = {a.job_id for a in p.admitted}
    explainer = Explainer(p.free, [*snapshot.running, *p.started], policy.grace_period_s, now) if explain else None
    pending = []
    kinds = p.kinds.candidates
    for job in ranked:
        found = reasons.get(job.id)
        if found is not None and job.id not in admitted:
            reason, start = found
            if explainer is not None and start is None:
                start = explainer.estimate(job, kinds(job))
            pending.append(Pending(job.id, reason, start))
    return Decisions(tuple(p.admitted), tuple(p.preempted), tuple(pending))



def _guaranteed_walk(p: _Pass, ranked: list[Job]) -> list[Job]:
    """The Kueue first walk: admit jobs (or reclaim for them) within their tenants' guarantees; return
    the jobs that still wait, in order."""
    used, quotas = p.usage.used, p.snapshot.quotas
    waiting = []
    for job in ranked:
        kind = job.demand.kind
        if kind is not None:
            q = quotas.get(job.tenant)
            if used.get((job.tenant, kind), 0) + job.demand.count > (q.nominal.get(kind, 0) if q else 0):
                # Over its guarantee already: only the borrowing walk can help (most of a long queue).
                waiting.append(job)
                continue
        if not _try(p, job, guaranteed_only=True):
            waiting.append(job)
    return waiting


def _victim_pool(p: _Pass) -> dict[str, list[tuple[Rank, RunningJob]]]:
    """Running jobs a policy may displace, per tenant, least valuable first (worst rank, newest start)."""
    if p.pool is not None:
        return p.pool
    pool: dict[str, list[tuple[Rank, RunningJob]]] = {}
    now, policy, best = p.now, p.policy, p.best
    # may_preempt is monotone in the waiting rank: what the best waiting job may not displace, no waiting
    # job may, so it need not be sorted into the pool.
    for rank, r in policy.displaceable(p.snapshot.running, now, p.ctx, best):
        pool.setdefault(r.job.tenant, []).append((rank, r))
    for entries in pool.values():
        entries.sort(key=_victim_order, reverse=True)
    p.pool = pool
    return pool


def _victim_order(entry: tuple[Rank, RunningJob]) -> tuple[Rank, float, str]:
    return entry[0], entry[1].started_at, entry[1].job.id


def _worst_running(p: _Pass) -> Rank | None:
    heads = [entries[0][0] for entries in _victim_pool(p).values() if entries]
    return max(heads) if heads else None


def _try(p: _Pass, job: Job, *, guaranteed_only: bool) -> bool:
    """Admit ``job`` or make room for it; record why not. True when the job needs nothing more.

    Within a pass, idle devices, quota headroom and possible victims only shrink, and later jobs rank
    lower; so once a job is blocked, a later job of the same tenant with the same demand is blocked for
    the same reason, and the pass records that without searching again. This is what keeps a pass over
    10,000 waiting jobs within milliseconds.
    """
    d = job.demand
    key = (job.tenant, d.count, d.kind, d.min_memory_gb, d.nodes, job.time_limit_s, guaranteed_only,
           job.excluded_nodes)
    memo = p.blocked.get(key)
    after = p.policy.reserve_after_s
    # A memo answer is complete unless this job might still claim the pass's one reservation.
    if memo is not None and (guaranteed_only or p.reserve_tried or after is None
                             or p.now - job.waiting_since < after):
        if not guaranteed_only:
            p.reasons[job.id] = (memo, None)
        return False
    if _attempt(p, job, guaranteed_only=guaranteed_only):
        return True
    if p.reservation is None or p.reservation.job_id != job.id:  # a reservation is this job's alone
        p.blocked[key] = p.reasons[job.id][0] if job.id in p.reasons and not guaranteed_only else ""
    return False


def _attempt(p: _Pass, job: Job, *, guaranteed_only: bool) -> bool:
    tenant, demand = job.tenant, job.demand
    quota_reason = None
    shape_reason = None
    for kind in p.kinds.candidates(job):
        over = p.usage.exceeds(tenant, kind, demand.count)
        if over:
            quota_reason = quota_reason or over
            continue
        within = p.usage.within_nominal(tenant, kind, demand.count)
        if guaranteed_only and not within:
            continue
        placement = _place(p, job, kind)
        if placement is not None:
            _admit(p, job, placement, borrowed=p.usage.enabled and not within)
            return True
        if _await_stopping(p, job, kind):
            return True
        if _may_try_preempting(p, job, kind, within):
            if within and _reclaim(p, job, kind):
                return True
            if p.policy.preemptive and not guaranteed_only and _preempt(p, job, kind):
                return True
            p.attempts[tenant] = p.attempts.get(tenant, 0) + 1
            p.no_victims.add((tenant, kind, *gang_shape(demand, p.free.node_size.get(kind, 0)), within,
                              job.excluded_nodes))
        if shape_reason is None:
            shape_reason = _why_not(p, job, kind) if p.explain else "no room"
    if guaranteed_only:
        return False
    if not p.reserve_tried and shape_reason is not None and quota_reason is None:
        _maybe_reserve(p, job)
    if job.id not in p.reasons:
        p.reasons[job.id] = (quota_reason or shape_reason or "no accelerator kind satisfies the demand", None)
    return False


def _place(p: _Pass, job: Job, kind: str) -> Placement | None:
    nodes, per = gang_shape(job.demand, p.free.node_size.get(kind, 0))
    res = p.reservation
    exclude = p.excluded(job)
    reserved = res is not None and res.kind == kind and not res.lets_in(p.now, job.time_limit_s)
    if res is not None and reserved:
        exclude = exclude | res.nodes if exclude else res.nodes
    key = (kind, nodes, per, reserved, job.excluded_nodes)
    if key in p.failed:
        return None
    placement = place(p.free, kind, job.demand, exclude)
    if placement is None:
        p.failed.add(key)
    return placement


def _admit(p: _Pass, job: Job, placement: Placement, *, borrowed: bool) -> None:
    p.free.take(placement)
    p.usage.add(job.tenant, placement.kind, placement.count)
    p.admitted.append(Admit(job.id, placement, borrowed))
    p.started.append(RunningJob(job, placement, p.now))
    p.reasons.pop(job.id, None)


def _stop(p: _Pass, job: Job, victims: list[RunningJob], why: str) -> None:
    for v in victims:
        p.victims.add(v.job.id)
        # The victim's tenant stops borrowing as soon as enough is reclaimed, but its limit is still
        # charged until the victim has left: its later jobs in this pass cannot count on that share.
        p.usage.leave(v.job.tenant, v.placement.kind, v.placement.count)
        p.preempted.append(Preempt(v.job.id, why, job.id, p.policy.grace_period_s))
    # The room is promised to this job: charge it now so no later job in this pass counts on it.
    p.usage.add(job.tenant, victims[0].placement.kind, job.demand.count)
    p.reasons[job.id] = (f"waiting for {len(victims)} preempted job(s) to checkpoint",
                         p.now + p.policy.grace_period_s)
    p.failed.clear()


def _may_try_preempting(p: _Pass, job: Job, kind: str, within: bool) -> bool:
    """Whether a victim search is worth it for ``job``: bounded per tenant and per pass, as Kueue does by
    looking at one head per queue, and skipped where the same search already failed in this pass (the
    set of possible victims only shrinks as the pass goes on, and later jobs rank lower)."""
    if not within and not p.policy.preemptive:
        return False
    if p.attempts.get(job.tenant, 0) >= MAX_FAILED_SEARCHES_PER_TENANT:
        return False
    shape = gang_shape(job.demand, p.free.node_size.get(kind, 0))
    return (job.tenant, kind, *shape, within, job.excluded_nodes) not in p.no_victims


def _await_stopping(p: _Pass, job: Job, kind: str) -> bool:
    """Let ``job`` wait for devices that preempted jobs are about to release, instead of preempting more.

    Without this, a job whose victims are still checkpointing would choose new victims on every pass
    during the grace period (a preemption cascade, the Kueue bug class the tests guard against).
    """
    if p.stopping is None:
        p.stopping = [r for r in p.snapshot.running if r.preempted_at is not None]
    if not p.stopping:
        return False
    stopping = [r for r in p.stopping if r.job.id not in p.claimed]
    if not stopping:
        return False
    wait_for = choose_victims(p.free, kind, job.demand, stopping, p.excluded(job))
    if not wait_for:
        return False
    p.claimed.update(r.job.id for r in wait_for)
    p.usage.add(job.tenant, kind, job.demand.count)
    end = max((r.preempted_at or p.now) for r in wait_for) + p.policy.grace_period_s
    p.reasons[job.id] = (f"waiting for {len(wait_for)} preempted job(s) to checkpoint", max(end, p.now))
    return True


def _reclaim(p: _Pass, job: Job, kind: str) -> bool:
    """Preempt borrowed work of other tenants so that a tenant under its guarantee gets its share."""
    order = p.held.reclaim_order(kind)
    borrowers = p.usage.borrowers(kind)
    if not borrowers - {job.tenant}:
        return False
    cands = (r for r in order if r.job.tenant != job.tenant and r.job.id not in p.victims
             and r.job.tenant in borrowers)
    victims = choose_victims(p.free, kind, job.demand, cands, p.excluded(job))
    if not victims:
        return False
    _stop(p, job, victims, f"reclaimed: tenant {job.tenant} is under its guarantee for {kind}")
    return True


def _preempt(p: _Pass, job: Job, kind: str) -> bool:
    """Preempt running jobs the policy ranks far enough below ``job``."""
    mine = p.policy.rank(job, job.attained_service, p.ctx)
    may, stopped, heads = p.policy.may_preempt, p.victims, p.pool_heads
    borrowers = p.usage.borrowers(kind) if p.usage.enabled else None
    streams = []
    for tenant, entries in _victim_pool(p).items():
        # A borrower may not displace work that lies within another tenant's guarantee.
        if borrowers is not None and tenant != job.tenant and tenant not in borrowers:
            continue
        head = heads.get(tenant, 0)
        while head < len(entries) and entries[head][1].job.id in stopped:
            head += 1
        heads[tenant] = head
        # Entries are sorted worst first: if the head does not qualify, nobody of this tenant does.
        if head < len(entries) and may(mine, entries[head][0]):
            streams.append(itertools.islice(entries, head, None))
    if not streams:
        return False

    def candidates() -> Iterator[RunningJob]:
        for rank, r in heapq.merge(*streams, key=_victim_order, reverse=True):
            if not may(mine, rank):
                return
            if r.job.id not in stopped and r.placement.kind == kind:
                yield r

    pick = fewest_victims if p.policy.victim_best_fit else choose_victims
    victims = pick(p.free, kind, job.demand, candidates(), p.excluded(job))
    if not victims:
        return False
    _stop(p, job, victims, f"preempted by {p.policy.name} policy for higher-ranked job {job.id}")
    return True


def _maybe_reserve(p: _Pass, job: Job) -> None:
    after = p.policy.reserve_after_s
    if after is None or p.now - job.waiting_since < after:
        return
    # EASY: one reservation per pass, for the first blocked job old enough to deserve one.
    p.reserve_tried = True
    for kind in p.kinds.candidates(job):
        if p.usage.exceeds(job.tenant, kind, job.demand.count):
            continue
        held = list(p.snapshot.running) + p.started
        res = reserve(p.free, job.id, kind, job.demand, held, p.now, p.policy.grace_period_s, p.excluded(job))
        if res is not None:
            p.reservation = res
            p.failed.clear()
            p.reasons[job.id] = (f"reserved {len(res.nodes)} node(s) of {kind}; waiting for them to drain",
                                 res.start)
            return


def _why_not(p: _Pass, job: Job, kind: str) -> str:
    nodes, per = gang_shape(job.demand, p.free.node_size.get(kind, 0))
    res = p.reservation
    if nodes == 0:
        return f"no node of {kind} can hold {job.demand.count} devices on {job.demand.nodes} node(s)"
    if res is not None and res.kind == kind and place(p.free, kind, job.demand, p.excluded(job)) is not None:
        return f"waiting behind reservation for job {res.job_id}"
    if nodes == 1:
        why = f"no node with {per} idle {kind} (idle {kind}: {p.free.total[kind]})"
    else:
        whole = p.free.whole[kind]
        why = f"no {nodes} idle whole nodes of {kind} (idle whole nodes: {len(whole)})"
        if len(whole) >= nodes:  # enough, but not in one site (or not outside the excluded nodes)
            sites = len({p.free.nodes[i].site for i in whole})
            if sites > 1:
                why = f"no {nodes} idle whole nodes of {kind} in one cluster ({len(whole)} idle in {sites} clusters)"
    off = p.excluded(job)
    return f"{why}; placement policy excludes {len(off)} node(s)" if off else why
