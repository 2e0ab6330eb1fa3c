"""Usage records and their hourly roll-up: the pure part of metering.

A usage record is an immutable fact with an idempotency key chosen by whoever observed the usage
(for example ``job_01.../replica-3/2026-11-25T10``). Delivering the same record twice, because a
controller retried or a queue replayed, must never count twice, so every computation here first
collapses records by key. Reusing a key for different content is a bug upstream and is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from suanli.core.errors import Conflict, InvalidInput
from suanli.governance.periods import hour_floor, require_aware, seconds_between
from suanli.governance.pricing import Sku


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """``units`` of ``sku`` used by ``subject`` (a job, deployment or dataset id) in ``pool``.

    For timed meters (accelerators, CPU, memory, storage) ``units`` were held for ``[start, end)``
    and the usage is ``units x seconds``. For token meters ``units`` is the token count and
    ``start == end`` is the instant they were served.
    """

    key: str
    tenant: str
    user: str
    subject: str
    pool: str
    sku: Sku
    units: Decimal
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if not self.key:
            raise InvalidInput("a usage record needs an idempotency key")
        require_aware(self.start, f"start of usage record {self.key!r}")
        require_aware(self.end, f"end of usage record {self.key!r}")
        if not isinstance(self.units, Decimal) or not self.units.is_finite() or self.units < 0:
            raise InvalidInput(f"usage record {self.key!r}: units must be a non-negative Decimal")
        if self.sku.meter.timed and self.end < self.start:
            raise InvalidInput(f"usage record {self.key!r} ends before it starts")
        if not self.sku.meter.timed and self.end != self.start:
            raise InvalidInput(f"usage record {self.key!r}: token usage is an instant (start == end)")

    def usage(self, start: datetime | None = None, end: datetime | None = None) -> Decimal:
        """Native usage (unit-seconds, or tokens) within ``[start, end)``, the whole record by default."""
        if not self.sku.meter.timed:
            inside = (start is None or start <= self.start) and (end is None or self.start < end)
            return self.units if inside else Decimal(0)
        lo = self.start if start is None else max(self.start, start)
        hi = self.end if end is None else min(self.end, end)
        if hi <= lo:
            return Decimal(0)
        return self.units * seconds_between(lo, hi)


def deduplicate(records: Iterable[UsageRecord]) -> tuple[UsageRecord, ...]:
    """Each record once, in first-seen order; Conflict when one key carries two different records."""
    seen: dict[str, UsageRecord] = {}
    for record in records:
        earlier = seen.get(record.key)
        if earlier is None:
            seen[record.key] = record
        elif earlier != record:
            raise Conflict(
                f"usage record key {record.key!r} was reused for different usage",
                details={"key": record.key},
            )
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class HourlyUsage:
    """Native usage of one SKU by one subject in one pool during the UTC hour starting at ``hour``."""

    hour: datetime
    tenant: str
    user: str
    subject: str
    pool: str
    sku: Sku
    usage: Decimal


def rollup_hourly(records: Iterable[UsageRecord]) -> tuple[HourlyUsage, ...]:
    """Usage summed per hour, tenant, user, subject, pool and SKU; replayed records count once.

    Timed usage that crosses an hour boundary is split at the boundary, so the hours of a record sum
    exactly to the record. Zero-usage hours are left out.
    """
    totals: dict[tuple[datetime, str, str, str, str, Sku], Decimal] = {}
    for r in deduplicate(records):
        for hour, amount in _by_hour(r):
            key = (hour, r.tenant, r.user, r.subject, r.pool, r.sku)
            totals[key] = totals.get(key, Decimal(0)) + amount
    rows = [HourlyUsage(k[0], k[1], k[2], k[3], k[4], k[5], v) for k, v in totals.items() if v]
    rows.sort(key=lambda h: (h.hour, h.tenant, h.user, h.subject, h.pool, h.sku))
    return tuple(rows)


def _by_hour(record: UsageRecord) -> list[tuple[datetime, Decimal]]:
    if not record.sku.meter.timed:
        return [(hour_floor(record.start), record.units)]
    out: list[tuple[datetime, Decimal]] = []
    hour = hour_floor(record.start)
    while hour < record.end:
        nxt = hour + timedelta(hours=1)
        amount = record.usage(hour, nxt)
        if amount:
            out.append((hour, amount))
        hour = nxt
    return out


def meter_lifetime(
    source: str,
    *,
    tenant: str,
    user: str,
    subject: str,
    pool: str,
    sku: Sku,
    units: Decimal,
    start: datetime,
    end: datetime | None,
    now: datetime,
) -> tuple[UsageRecord, ...]:
    """Usage records for a replica or job that holds ``units`` of a timed ``sku`` from ``start``.

    ``source`` names the holder (``job_01.../replica-3``); ``end`` is None while it still runs. The
    lifetime is cut at UTC hours and only slices that can no longer change are returned: whole hours
    before ``now`` and, once ``end`` is known, the last partial hour. Each slice's key is derived
    from the source, SKU and slice start, so a controller that crashes and meters again from
    scratch produces the very same records, which then count once. A holder whose ``units`` change
    (a resize) is metered as a new source from the change on.
    """
    require_aware(start, "start of the metered lifetime")
    require_aware(now, "metering time")
    if not sku.meter.timed:
        raise InvalidInput(f"{sku} is counted per event, not over a lifetime")
    if end is not None:
        require_aware(end, "end of the metered lifetime")
        if end < start:
            raise InvalidInput(f"{source}: lifetime ends before it starts")
    # A running holder's current hour is still open: metering it now and again later would give
    # one key two different amounts.
    limit = end if end is not None and end <= now else hour_floor(now)
    out: list[UsageRecord] = []
    cursor = start
    while cursor < limit:
        slice_end = min(hour_floor(cursor) + timedelta(hours=1), limit)
        out.append(
            UsageRecord(
                key=f"{source}/{sku}/{cursor.astimezone(UTC).isoformat()}",
                tenant=tenant,
                user=user,
                subject=subject,
                pool=pool,
                sku=sku,
                units=units,
                start=cursor,
                end=slice_end,
            )
        )
        cursor = slice_end
    return tuple(out)
