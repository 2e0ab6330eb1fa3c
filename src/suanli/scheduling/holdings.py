"""What the running jobs hold, carried from one pass to the next: idle devices and quota usage.

A controller or a simulator calls ``schedule`` pass after pass with nearly the same running jobs, and
deriving the idle devices and each tenant's usage from every running job is a large share of a pass. So
the last derivation is kept (one, for the last cluster seen) and the next pass applies only the jobs that
started, left or changed since. The kept state is never mutated once kept (bar the caches of what is
derived from it): each pass copies what it changes, so concurrent passes cannot disturb one another.
Anything unusual (a device held twice, an unknown node, two running jobs with one id, a new cluster)
takes the full derivation, which also reports the errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Cluster, RunningJob


@dataclass(frozen=True, slots=True)
class Holdings:
    """Idle devices and devices held per (tenant, kind) and per tenant (jobs told to stop excluded) for
    one set of running jobs. Kept between passes: a pass copies what it mutates."""

    cluster: Cluster
    #: The running jobs the state was derived from, by object identity (the dict keeps them alive).
    jobs: dict[int, RunningJob]
    free: FreeDevices
    used: dict[tuple[str, str], int]
    total: dict[str, int]
    _reclaim: dict[str, list[RunningJob]] = field(default_factory=dict)

    def reclaim_order(self, kind: str) -> list[RunningJob]:
        """Running jobs of ``kind`` not yet told to stop, in the order quota reclaim takes them: lowest
        priority first, newest first (it has lost the least work since its last checkpoint)."""
        order = self._reclaim.get(kind)
        if order is None:
            order = sorted((r for r in self.jobs.values() if r.placement.kind == kind and r.preempted_at is None),
                           key=lambda r: (r.job.priority, -r.started_at, r.job.id))
            self._reclaim[kind] = order
        return order


_last: list[Holdings] = []


def holdings(cluster: Cluster, running: Sequence[RunningJob]) -> Holdings:
    """The holdings of ``running`` on ``cluster``, carried over from the last call where it can be."""
    last = _last[0] if _last else None
    held = _update(last, running) if last is not None and last.cluster is cluster else None
    if held is None:
        held = _derive(cluster, running)
    if held is not last:
        _last[:] = [held]
    return held


def _derive(cluster: Cluster, running: Sequence[RunningJob]) -> Holdings:
    free = FreeDevices(cluster, running)  # raises on a device held twice or an unknown node
    used: dict[tuple[str, str], int] = {}
    total: dict[str, int] = {}
    for r in running:
        _count(used, total, r, 1)
    return Holdings(cluster, dict(zip(map(id, running), running, strict=True)), free, used, total)


def _count(used: dict[tuple[str, str], int], total: dict[str, int], r: RunningJob, sign: int) -> None:
    if r.preempted_at is not None:
        return  # leaving: its devices are still held, but no longer count as the tenant's share
    t, key, c = r.job.tenant, (r.job.tenant, r.placement.kind), sign * r.placement.count
    used[key] = used.get(key, 0) + c
    total[t] = total.get(t, 0) + c
    if sign < 0:  # forget what drops to nothing, as a derivation from scratch never records it
        if not used[key]:
            del used[key]
        if not total[t]:
            del total[t]


def _same(a: RunningJob, b: RunningJob) -> bool:
    """Whether two records of a running job hold and count the same."""
    return (a.job.id == b.job.id and a.placement == b.placement and a.job.tenant == b.job.tenant
            and (a.preempted_at is None) == (b.preempted_at is None))


def _update(last: Holdings, running: Sequence[RunningJob]) -> Holdings | None:
    """``last`` moved on to ``running``; None when the full derivation is the better (or only) way."""
    jobs = dict(zip(map(id, running), running, strict=True))
    if len(jobs) != len(running):
        return None  # one record twice: the full derivation reports the devices held twice
    before = last.jobs
    if jobs.keys() == before.keys():
        return last
    # Records are compared by identity first (a simulator keeps them), then by value: a controller
    # that builds new records for the same running jobs changes nothing.
    records = [before[i] for i in before.keys() - jobs.keys()]
    gone = {b.job.id: b for b in records}
    if len(gone) != len(records):
        return None
    started = []
    for i in jobs.keys() - before.keys():
        r = jobs[i]
        b = gone.get(r.job.id)
        if b is not None and _same(b, r):
            del gone[r.job.id]
        else:
            started.append(r)
    left = list(gone.values())
    if not started and not left:
        return Holdings(last.cluster, jobs, last.free, last.used, last.total)
    if len(started) + len(left) > len(running) // 2 + 8:
        return None
    free = last.free.copy()
    used, total = dict(last.used), dict(last.total)
    for b in left:
        free.give_back(b.placement)
        _count(used, total, b, -1)
    for r in started:
        if not free.idle(r.placement):
            return None
        free.take(r.placement)
        _count(used, total, r, 1)
    return Holdings(last.cluster, jobs, free, used, total)
