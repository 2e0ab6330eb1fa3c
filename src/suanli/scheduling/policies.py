"""Pluggable ordering and preemption policies.

A policy decides three things and nothing else: the order in which jobs are considered (``rank``: smaller
goes first), whether a waiting job may displace a running one (``may_preempt``), and whether the first
blocked job holds a reservation (backfill). Quotas, gangs, placement and explanations are the pass's job
and are the same under every policy, so the policies compare like for like.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from suanli.core.errors import InvalidInput
from suanli.scheduling.model import Job, RunningJob

Rank = tuple[float, ...]


@dataclass(frozen=True, slots=True)
class RankContext:
    """What a policy may look at besides the job: the clock and each tenant's weighted usage."""

    now: float
    tenant_share: Mapping[str, float] = field(default_factory=dict)


class Policy:
    """Base policy: FIFO by priority then submission, no preemption, no reservation."""

    name = "base"
    preemptive = False
    #: Reserve nodes for the first blocked job (EASY backfill) once it has waited this long; None: never.
    reserve_after_s: float | None = None
    #: A job runs at least this long after a (re)start before a policy may preempt it (anti-thrash).
    min_run_time_s = 0.0
    #: Time a preempted job gets to checkpoint before its devices are taken.
    grace_period_s = 30.0
    #: Among the jobs it may preempt, stop those that free a one-node gang's room with the fewest devices
    #: (True), or simply the lowest-ranked first (False, as the published policies do).
    victim_best_fit = False
    #: How often a simulator should re-run the pass when nothing else happens (ranks drift with time).
    requeue_interval_s: float | None = None

    #: True when ``rank`` depends on the job alone (not on time or tenants), so it can be memoised.
    static_rank = True

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Job, float, tuple[Rank, str]]] = {}

    def rank(self, job: Job, attained: float, ctx: RankContext, running: bool = False) -> Rank:
        """Sort key of a job with its ``attained`` device-seconds, smaller first; ``running`` says the job
        holds devices now (a running job is not waiting, so it earns no credit for age)."""
        return (-job.priority, job.submitted_at)

    def sort_key(self, job: Job, attained: float, ctx: RankContext) -> tuple[Rank, str]:
        """``(rank, job id)``: a total order, remembered per job object when it cannot change (a simulator
        asks for the same jobs' keys every pass)."""
        if not self.static_rank:
            return self.rank(job, attained, ctx), job.id
        hit = self._memo.get(id(job))
        # The job object is kept in the entry, so its id cannot be reused while the entry lives.
        if hit is not None and hit[0] is job and hit[1] == attained:
            return hit[2]
        r = self.rank(job, attained, ctx), job.id
        if len(self._memo) > 1_000_000:
            self._memo.clear()
        self._memo[id(job)] = (job, attained, r)
        return r

    def min_run_s(self, job: Job) -> float:
        """How long ``job`` runs after a (re)start before the policy may preempt it (quota reclaim may
        still); infinity when the policy never preempts it again."""
        return self.min_run_time_s

    def displaceable(self, running: Sequence[RunningJob], now: float, ctx: RankContext,
                     best: Rank | None) -> list[tuple[Rank, RunningJob]]:
        """The running jobs the policy may stop at ``now`` (not already stopping, checkpointable, past their
        minimum run time) that a waiting job of rank ``best`` may displace, with their ranks. A pass asks
        about every running job, so policies may answer in one tight loop."""
        cands = [r for r in running if r.preempted_at is None and r.job.checkpointable
                 and now - r.started_at >= self.min_run_s(r.job)]
        return [(rank, r) for rank, r in zip(self.running_ranks(cands, now, ctx), cands, strict=True)
                if best is None or self.may_preempt(best, rank)]

    def sort_keys(self, jobs: Sequence[Job], ctx: RankContext) -> list[tuple[Rank, str]]:
        """``sort_key`` of every waiting job, in order (a pass ranks thousands at once; subclasses may
        compute them in one tight loop)."""
        if not self.static_rank or type(self).sort_key is not Policy.sort_key:
            key = self.sort_key
            return [key(j, j.attained_service, ctx) for j in jobs]
        # ``sort_key``'s memo, inlined: a simulator's long queue is mostly jobs ranked before.
        memo, rank = self._memo, self.rank
        out: list[tuple[Rank, str]] = []
        for j in jobs:
            hit = memo.get(id(j))
            if hit is None or hit[0] is not j or hit[1] != j.attained_service:
                hit = j, j.attained_service, (rank(j, j.attained_service, ctx), j.id)
                if len(memo) > 1_000_000:
                    memo.clear()
                memo[id(j)] = hit
            out.append(hit[2])
        return out

    def running_ranks(self, running: Sequence[RunningJob], now: float, ctx: RankContext) -> list[Rank]:
        """``rank`` of every running job with its service up to ``now`` (batch, like ``sort_keys``)."""
        return [self.rank(r.job, r.attained(now), ctx, True) for r in running]

    def may_preempt(self, waiting: Rank, running: Rank) -> bool:
        """Whether a waiting job of rank ``waiting`` may displace a running job of rank ``running``."""
        return False


class Fifo(Policy):
    """FIFO with EASY backfill (a default Slurm site): the head job reserves nodes, later jobs that fit
    elsewhere, or that end before the reservation (by their time limit), start at once."""

    name = "fifo"
    reserve_after_s = 0.0


class SjfOracle(Policy):
    """Shortest job first with the true durations (a reference, not a product): non-preemptive, greedy."""

    name = "sjf-oracle"

    def rank(self, job: Job, attained: float, ctx: RankContext, running: bool = False) -> Rank:
        d = job.duration_hint_s if job.duration_hint_s is not None else math.inf
        return (-job.priority, d, job.submitted_at)


class Tiresias(Policy):
    """Tiresias 2D-LAS (NSDI'19): discretised queues by attained device-seconds, FIFO within a queue,
    preemptive across queues, and promotion to the top queue of a job starved for ``promote_knob`` times
    its executed time. No duration knowledge."""

    name = "tiresias"
    preemptive = True
    grace_period_s = 0.0
    requeue_interval_s = 300.0

    static_rank = False

    def __init__(self, thresholds: tuple[float, ...] = (3_600.0, 36_000.0), promote_knob: float = 8.0) -> None:
        super().__init__()
        self.thresholds = thresholds
        self.promote_knob = promote_knob

    def queue(self, job: Job, attained: float, now: float, running: bool = False) -> int:
        """The queue index of a job (0 is served first); a starved waiting job is promoted to 0."""
        q = sum(1 for t in self.thresholds if attained >= t)
        executed = attained / job.demand.count
        if q and not running and executed > 0 and now - job.waiting_since >= self.promote_knob * executed:
            return 0
        return q

    def rank(self, job: Job, attained: float, ctx: RankContext, running: bool = False) -> Rank:
        return (-job.priority, self.queue(job, attained, ctx.now, running), job.submitted_at)

    def _inlined(self) -> bool:
        """Whether the batch methods below may inline ``rank``, ``queue`` and ``may_preempt`` (a subclass
        that changes one of them gets the plain per-job calls)."""
        cls = type(self)
        return (cls.rank is Tiresias.rank and cls.queue is Tiresias.queue and cls.may_preempt is Tiresias.may_preempt
                and cls.min_run_s is Policy.min_run_s)

    def sort_keys(self, jobs: Sequence[Job], ctx: RankContext) -> list[tuple[Rank, str]]:
        # ``rank`` of every waiting job in one loop (``queue`` inlined).
        if not self._inlined():
            return super().sort_keys(jobs, ctx)
        thresholds, knob, now = self.thresholds, self.promote_knob, ctx.now
        out: list[tuple[Rank, str]] = []
        for j in jobs:
            attained = j.attained_service
            q = 0
            for t in thresholds:
                if attained >= t:
                    q += 1
            if q:
                executed = attained / j.demand.count
                since = j.submitted_at if j.queued_at is None else j.queued_at
                if executed > 0 and now - since >= knob * executed:
                    q = 0
            out.append(((-j.priority, q, j.submitted_at), j.id))
        return out

    def running_ranks(self, running: Sequence[RunningJob], now: float, ctx: RankContext) -> list[Rank]:
        if not self._inlined():
            return super().running_ranks(running, now, ctx)
        return [rank for rank, _ in self._ranked(running, now, None, False)]

    def displaceable(self, running: Sequence[RunningJob], now: float, ctx: RankContext,
                     best: Rank | None) -> list[tuple[Rank, RunningJob]]:
        if not self._inlined():
            return super().displaceable(running, now, ctx, best)
        return self._ranked(running, now, best, True)

    def _ranked(self, running: Sequence[RunningJob], now: float, best: Rank | None,
                stoppable: bool) -> list[tuple[Rank, RunningJob]]:
        # ``queue`` and ``may_preempt`` inlined, in one loop over the running jobs.
        thresholds, min_run = self.thresholds, self.min_run_time_s
        out: list[tuple[Rank, RunningJob]] = []
        for r in running:
            j = r.job
            ran = now - r.started_at
            if stoppable and (r.preempted_at is not None or not j.checkpointable or not ran >= min_run):
                continue
            attained = j.attained_service + (ran if ran > 0.0 else 0.0) * r.placement.count
            q = 0
            for t in thresholds:
                if attained >= t:
                    q += 1
            prio = -j.priority
            if best is not None and not (best[0], best[1]) < (prio, q):
                continue
            out.append(((prio, q, j.submitted_at), r))
        return out

    def may_preempt(self, waiting: Rank, running: Rank) -> bool:
        return waiting[:2] < running[:2]


class Suanli(Policy):
    """The default: least attained service on a capped exponential ladder, tenant fair share, priorities.

    No duration knowledge. Levels grow by ``factor`` from ``base_s`` device-seconds, so a job that has run
    ten times longer sits a few levels lower; the ladder stops at ``max_level``, where the long jobs share
    one level in submission order (like Tiresias's last queue), so they never displace one another. A
    waiting job wins back a level per ``age_step_s`` waited; within a level the tenant using least
    (weighted) goes first, then the oldest job. Preemption pays only across ``preempt_gap`` levels and
    after a minimum run time that doubles with each preemption the job has suffered (``min_run_time_s``,
    then twice that, ...); after ``max_preemptions`` the policy leaves the job alone, so no job thrashes.
    A job blocked for ``reserve_after_s`` reserves nodes, so a big gang is never starved by small ones.
    """

    name = "suanli"
    preemptive = True
    reserve_after_s = 3_600.0
    min_run_time_s = 600.0
    grace_period_s = 60.0
    requeue_interval_s = 600.0  # = min_run_time_s: no job can be displaced sooner
    victim_best_fit = True

    static_rank = False

    def __init__(self, base_s: float = 1_800.0, factor: float = 2.0, preempt_gap: int = 2,
                 age_step_s: float = 6 * 3_600.0, max_level: int = 10, max_preemptions: int = 8,
                 backoff: float = 2.0) -> None:
        super().__init__()
        self.base_s = base_s
        self.preempt_gap = preempt_gap
        self.age_step_s = age_step_s
        self.max_level = max_level
        self.max_preemptions = max_preemptions
        self.backoff = backoff
        # Level boundaries base*(f-1), base*(f^2-1), ...: level = how many a job has passed.
        self.bounds = [base_s * (factor**i - 1) for i in range(1, max_level + 1)]

    def level(self, attained: float) -> int:
        """The service level of a job with ``attained`` device-seconds (0 for a new job)."""
        return bisect.bisect_right(self.bounds, attained)

    def min_run_s(self, job: Job) -> float:
        if job.preemptions >= self.max_preemptions:
            return math.inf
        return self.min_run_time_s * self.backoff**job.preemptions

    def displaceable(self, running: Sequence[RunningJob], now: float, ctx: RankContext,
                     best: Rank | None) -> list[tuple[Rank, RunningJob]]:
        # ``min_run_s``, ``running_ranks`` and ``may_preempt`` in one loop, unless a subclass changed them;
        # minimum run times are looked up by the number of preemptions suffered.
        cls = type(self)
        if cls.min_run_s is not Suanli.min_run_s or cls.may_preempt is not Suanli.may_preempt:
            return super().displaceable(running, now, ctx, best)
        min_run = [self.min_run_time_s * self.backoff**k for k in range(self.max_preemptions)]
        bounds, cut, share, gap = self.bounds, bisect.bisect_right, ctx.tenant_share.get, self.preempt_gap
        out: list[tuple[Rank, RunningJob]] = []
        for r in running:
            j = r.job
            if r.preempted_at is not None or not j.checkpointable:
                continue
            k = j.preemptions
            ran = now - r.started_at
            if not ran >= (min_run[k] if 0 <= k < len(min_run) else self.min_run_s(j)):
                continue
            prio = -j.priority
            level = cut(bounds, j.attained_service + ran * r.placement.count if ran > 0 else j.attained_service)
            if best is not None and not (best[0] < prio if best[0] != prio else level - best[1] >= gap):
                continue
            out.append(((prio, level, share(j.tenant, 0.0), j.submitted_at), r))
        return out

    def rank(self, job: Job, attained: float, ctx: RankContext, running: bool = False) -> Rank:
        level = self.level(attained)
        if level and not running:
            # Age: every ``age_step_s`` of waiting wins back one level (Slurm's age factor), so the
            # longest jobs are delayed, never starved; it also earns the right to displace long jobs
            # that have run since (long jobs take turns rather than queue behind one another).
            level = max(0, level - int((ctx.now - job.waiting_since) // self.age_step_s))
        return (-job.priority, level, ctx.tenant_share.get(job.tenant, 0.0), job.submitted_at)

    def sort_keys(self, jobs: Sequence[Job], ctx: RankContext) -> list[tuple[Rank, str]]:
        # ``rank`` of every waiting job in one loop: a pass over 10,000 jobs spends its time here.
        bounds, step, now, cut = self.bounds, self.age_step_s, ctx.now, bisect.bisect_right
        share = ctx.tenant_share.get
        out: list[tuple[Rank, str]] = []
        for j in jobs:
            level = cut(bounds, j.attained_service) if j.attained_service else 0
            if level:
                since = j.submitted_at if j.queued_at is None else j.queued_at
                level -= int((now - since) // step)
                if level < 0:
                    level = 0
            out.append(((-j.priority, level, share(j.tenant, 0.0), j.submitted_at), j.id))
        return out

    def running_ranks(self, running: Sequence[RunningJob], now: float, ctx: RankContext) -> list[Rank]:
        bounds, cut, share = self.bounds, bisect.bisect_right, ctx.tenant_share.get
        out: list[Rank] = []
        for r in running:
            j = r.job
            ran = now - r.started_at
            attained = j.attained_service + ran * r.placement.count if ran > 0 else j.attained_service
            out.append((-j.priority, cut(bounds, attained), share(j.tenant, 0.0), j.submitted_at))
        return out

    def may_preempt(self, waiting: Rank, running: Rank) -> bool:
        if waiting[0] != running[0]:
            return waiting[0] < running[0]
        return running[1] - waiting[1] >= self.preempt_gap


POLICIES: dict[str, type[Policy]] = {p.name: p for p in (Fifo, SjfOracle, Tiresias, Suanli)}


def policy_named(name: str) -> Policy:
    """A fresh policy by name (``fifo``, ``sjf-oracle``, ``tiresias``, ``suanli``)."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise InvalidInput(f"unknown scheduling policy {name!r}", details={"known": sorted(POLICIES)}) from None
