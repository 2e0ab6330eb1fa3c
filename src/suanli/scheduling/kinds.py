"""Which accelerator kinds a job may use, best first.

A job names one kind, or asks for "any kind with at least N GB". Among the kinds that qualify the pass
prefers the one the rest of the queue wants least (fewest devices demanded by jobs that can use nothing
else, relative to its capacity), then the smallest memory that suffices: an 80 GB card spent on a job
that needs 24 GB is taken from a job that cannot run anywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from suanli.core.accelerators import default_table
from suanli.scheduling.model import Cluster, Job


class KindChooser:
    """Candidate kinds per job for one pass, ordered by preference and cached per demand shape."""

    def __init__(self, cluster: Cluster, pending: Sequence[Job]) -> None:
        self.capacity = cluster.capacity()
        self.memory: dict[str, int] = {}
        table = None
        for k in self.capacity:
            if k in cluster.kind_memory_gb:
                self.memory[k] = cluster.kind_memory_gb[k]
            else:
                table = table or default_table()
                known = table.kinds.get(k)
                self.memory[k] = known.memory_gb if known else 0
        self.pending = pending
        self._wanted: dict[str, int] | None = None
        self._cache: dict[tuple[str | None, int | None], list[str]] = {}

    def candidates(self, job: Job) -> list[str]:
        """The kinds ``job`` may run on, most preferred first (empty when none qualifies)."""
        key = (job.demand.kind, job.demand.min_memory_gb)
        found = self._cache.get(key)
        if found is None:
            found = self._compute(*key)
            self._cache[key] = found
        return found

    def _compute(self, kind: str | None, min_memory_gb: int | None) -> list[str]:
        if kind is not None:
            ok = kind in self.capacity and self.memory.get(kind, 0) >= (min_memory_gb or 0)
            return [kind] if ok else []
        fits = [k for k in self.capacity if self.memory[k] >= (min_memory_gb or 0)]
        if len(fits) < 2:
            return fits
        wanted = self.wanted()
        return sorted(fits, key=lambda k: (wanted[k] / max(1, self.capacity[k]), self.memory[k], k))

    def wanted(self) -> dict[str, int]:
        """Devices per kind demanded by waiting jobs that can use that kind only (computed on first use)."""
        if self._wanted is None:
            self._wanted = dict.fromkeys(self.capacity, 0)
            for j in self.pending:
                k = j.demand.kind
                if k is not None and k in self._wanted:
                    self._wanted[k] += j.demand.count
        return self._wanted
