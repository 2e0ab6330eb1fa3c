"""Reservations for backfill: the first blocked job claims the nodes that free up soonest.

EASY backfill in node form: the reservation is a set of nodes and a start time (the "shadow time"). Later
jobs may start on other nodes at once, and on the reserved nodes only if their time limit ends before the
shadow time, so they can never delay the reserved job. Without time limits the shadow time is unknown
and the reserved nodes simply drain.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Demand, RunningJob
from suanli.scheduling.placement import gang_shape

T = TypeVar("T", bound=tuple[Any, ...])


@dataclass(frozen=True, slots=True)
class Reservation:
    """Nodes held for ``job_id`` from ``start`` (None when no running job has a time limit to go by)."""

    job_id: str
    kind: str
    nodes: frozenset[int]
    start: float | None

    def lets_in(self, now: float, time_limit_s: float | None) -> bool:
        """Whether a job with this time limit, started now, ends before the reserved start."""
        return self.start is not None and time_limit_s is not None and now + time_limit_s <= self.start


def expected_end(r: RunningJob, grace_s: float) -> float:
    """When a running job is expected to release its devices (infinity when nobody knows)."""
    if r.preempted_at is not None:
        return r.preempted_at + grace_s
    if r.job.time_limit_s is None:
        return math.inf
    return r.started_at + r.job.time_limit_s


def reserve(free: FreeDevices, job_id: str, kind: str, demand: Demand, running: Sequence[RunningJob],
            now: float, grace_s: float, exclude: Collection[int] = ()) -> Reservation | None:
    """Reserve the nodes that can host ``demand`` soonest; None if the cluster can never host it."""
    nodes, per = gang_shape(demand, free.node_size.get(kind, 0))
    if nodes == 0:
        return None
    known = any(r.preempted_at is not None or r.job.time_limit_s is not None for r in running)
    if not known:
        # Nobody's end is known: drain the nodes with the most idle devices, start time unknown.
        ready0 = sorted((-len(free.free[i]), i) for i, n in enumerate(free.nodes)
                        if n.kind == kind and n.devices >= per and i not in exclude)
        chosen0 = _one_site(free, ready0, nodes)
        return None if chosen0 is None else Reservation(job_id, kind, frozenset(i for *_, i in chosen0), None)
    releases: dict[int, list[tuple[float, int]]] = {}
    index, idle = free.index, free.free
    for r in running:
        if r.placement.kind != kind:
            continue
        end = expected_end(r, grace_s)
        for name, devs in r.placement.devices:
            i = index[name]
            if len(idle[i]) < per:  # a node idle enough already waits for nobody
                releases.setdefault(i, []).append((end, len(devs)))
    ready: list[tuple[float, int, int]] = []
    for i, n in enumerate(free.nodes):
        if n.kind != kind or n.devices < per or i in exclude:
            continue
        have = len(idle[i])
        t = now
        if have < per:
            for end, cnt in sorted(releases.get(i, ())):
                have += cnt
                t = max(t, end)
                if have >= per:
                    break
            if have < per:
                continue  # devices held by jobs of this pass: not known when they end
        ready.append((t, -len(idle[i]), i))
    ready.sort()
    chosen = _one_site(free, ready, nodes)
    if chosen is None:
        return None
    start = max(t for t, _, _ in chosen)
    return Reservation(job_id, kind, frozenset(i for _, _, i in chosen), None if math.isinf(start) else start)


def _one_site(free: FreeDevices, ranked: list[T], nodes: int) -> list[T] | None:
    """The first ``nodes`` of ``ranked`` (best first, each ending in a node index) that share a site: those of
    the site whose ``nodes``-th best comes first; None when no site has that many."""
    by_site: dict[str, list[T]] = {}
    for entry in ranked:
        group = by_site.setdefault(free.nodes[entry[-1]].site, [])
        group.append(entry)
        if len(group) == nodes:
            return group
    return None
