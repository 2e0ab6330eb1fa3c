"""Tenant quota accounting with Kueue's borrowing semantics.

Each tenant has a guarantee (``nominal``) per kind and may borrow idle devices up to its borrowing limit.
A device beyond the guarantee is *borrowed*: it can be reclaimed by preemption when a tenant that is
under its own guarantee needs it. A job that is being preempted no longer counts as its tenant's usage
(it is leaving), while its devices stay busy in the inventory until it is gone, so a pass never hands out
the same devices twice and never reclaims the same share twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from suanli.scheduling.model import RunningJob, TenantQuota


class Usage:
    """Devices held per (tenant, kind) during a pass; mutated as the pass admits or reserves."""

    def __init__(self, quotas: Mapping[str, TenantQuota], running: Iterable[RunningJob]) -> None:
        self.quotas = quotas
        self.enabled = bool(quotas)
        self.used: dict[tuple[str, str], int] = {}
        #: Devices of jobs told to stop in this pass: still charged to the limit, no longer borrowed.
        self.leaving: dict[tuple[str, str], int] = {}
        self.total: dict[str, int] = {}
        #: Tenants borrowing each kind, per kind asked about (kept current by ``add`` and ``leave``).
        self._borrowers: dict[str, set[str]] = {}
        used, total = self.used, self.total
        for r in running:
            if r.preempted_at is not None:
                continue  # leaving: its devices are still held, but no longer count as the tenant's share
            t, c = r.job.tenant, r.placement.count
            key = (t, r.placement.kind)
            used[key] = used.get(key, 0) + c
            total[t] = total.get(t, 0) + c

    @classmethod
    def counted(cls, quotas: Mapping[str, TenantQuota], used: dict[tuple[str, str], int],
                total: dict[str, int]) -> Usage:
        """Usage from counts already taken (devices per (tenant, kind) and per tenant); owns the dicts."""
        u = cls(quotas, ())
        u.used, u.total = used, total
        return u

    def add(self, tenant: str, kind: str, count: int) -> None:
        """Charge ``count`` devices of ``kind`` to ``tenant`` (negative to refund)."""
        key = (tenant, kind)
        self.used[key] = self.used.get(key, 0) + count
        self.total[tenant] = self.total.get(tenant, 0) + count
        self._recheck(tenant, kind)

    def leave(self, tenant: str, kind: str, count: int) -> None:
        """Mark ``count`` devices of ``tenant`` as leaving (a victim of this pass)."""
        key = (tenant, kind)
        self.leaving[key] = self.leaving.get(key, 0) + count
        self._recheck(tenant, kind)

    def _recheck(self, tenant: str, kind: str) -> None:
        found = self._borrowers.get(kind)
        if found is not None:
            if self.borrowing(tenant, kind):
                found.add(tenant)
            else:
                found.discard(tenant)

    def borrowers(self, kind: str) -> set[str]:
        """The tenants that hold more ``kind`` devices than their guarantee (``borrowing``), kept current as
        the pass charges and releases devices: a victim search asks about every tenant, thousands of times
        in a pass that preempts by the thousand. Read-only for the caller."""
        found = self._borrowers.get(kind)
        if found is None:
            found = {t for t, k in self.used if k == kind and self.borrowing(t, kind)}
            self._borrowers[kind] = found
        return found

    def tenants(self) -> list[str]:
        """Tenants that hold devices or have a quota."""
        return list(self.total.keys() | self.quotas.keys())

    def of(self, tenant: str, kind: str) -> int:
        """Devices of ``kind`` that ``tenant`` holds."""
        return self.used.get((tenant, kind), 0)

    def nominal(self, tenant: str, kind: str) -> int:
        """The tenant's guarantee for ``kind`` (zero for a tenant without a quota)."""
        q = self.quotas.get(tenant)
        return q.nominal.get(kind, 0) if q else 0

    def limit(self, tenant: str, kind: str) -> int | None:
        """The most devices of ``kind`` the tenant may hold; None without a limit."""
        if not self.enabled:
            return None
        q = self.quotas.get(tenant)
        return q.limit(kind) if q else None

    def exceeds(self, tenant: str, kind: str, count: int) -> str | None:
        """The reason ``count`` more devices would break the tenant's limit, or None if they fit."""
        lim = self.limit(tenant, kind)
        if lim is None:
            return None
        used = self.of(tenant, kind)
        if used + count > lim:
            return f"tenant quota for {kind} exhausted: {used}/{lim} in use, job needs {count}"
        return None

    def within_nominal(self, tenant: str, kind: str, count: int) -> bool:
        """Whether ``count`` more devices stay within the tenant's guarantee."""
        return self.enabled and self.of(tenant, kind) + count <= self.nominal(tenant, kind)

    def borrowing(self, tenant: str, kind: str) -> bool:
        """Whether the tenant holds more ``kind`` devices than its guarantee."""
        if not self.enabled:
            return False
        key = (tenant, kind)
        q = self.quotas.get(tenant)  # ``of`` and ``nominal`` inlined: a pass asks this per tenant and victim
        return self.used.get(key, 0) - self.leaving.get(key, 0) > (q.nominal.get(kind, 0) if q else 0)

    def share(self, tenant: str) -> float:
        """Devices held divided by fair-share weight: the lower, the more the tenant is owed."""
        q = self.quotas.get(tenant)
        w = q.weight if q and q.weight > 0 else 1.0
        return self.total.get(tenant, 0) / w
