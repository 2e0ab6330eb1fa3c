"""Estimated start times for waiting jobs.

A projection, not a promise: devices come back when running jobs reach their time limits (or finish
checkpointing), and waiting jobs take them in the policy's order, kind by kind, ignoring topology. Jobs
without a time limit release nothing in the projection, so with no limits at all there is no estimate.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence

from suanli.scheduling.backfill import expected_end
from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Job, RunningJob


class Explainer:
    """Walks waiting jobs in rank order and projects when each could start."""

    def __init__(self, free: FreeDevices, running: Iterable[RunningJob], grace_s: float, now: float) -> None:
        self.now = now
        self.idle = dict(free.total)
        self.ahead: dict[str, int] = dict.fromkeys(self.idle, 0)
        ends: dict[str, list[tuple[float, int]]] = {}
        for r in running:
            t = expected_end(r, grace_s)
            if not math.isinf(t):
                ends.setdefault(r.placement.kind, []).append((max(t, now), r.placement.count))
        self.times: dict[str, list[float]] = {}
        self.cum: dict[str, list[int]] = {}
        for k, rel in ends.items():
            rel.sort()
            self.times[k] = [t for t, _ in rel]
            self.cum[k] = list(itertools.accumulate(c for _, c in rel))

    def estimate(self, job: Job, kinds: Sequence[str]) -> float | None:
        """When ``job`` could start on its first candidate kind, behind the jobs estimated before it."""
        if not kinds:
            return None
        k = kinds[0]
        ahead = self.ahead.get(k, 0) + job.demand.count
        self.ahead[k] = ahead
        need = ahead - self.idle.get(k, 0)
        if need <= 0:
            return self.now
        cum = self.cum.get(k)
        # ``ahead`` only grows: once the known releases cannot cover it, no later job has an estimate.
        if not cum or need > cum[-1]:
            return None
        return self.times[k][bisect.bisect_left(cum, need)]
