"""Storage GB-hours: what each dataset holds in object storage, sampled into one usage record per hour.

A dataset's stored bytes are its distinct shard objects (a curated version that reuses a shard of its
parent stores it once). Each closed UTC hour is sampled once, after it closes, as it stood at its end: an
object of a version committed before the hour ended counts for the whole hour, one deleted before the sample
does not count for it. The record of ``dataset D``'s hour H is keyed
``D/storage/H``: sampling the same hour again (a retry, a crashed pass run again) counts once.

GB here is 10^9 bytes, so ``bytes / 10^9`` is exact in decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from suanli.governance.metering import UsageRecord
from suanli.governance.periods import hour_floor, require_aware
from suanli.governance.pricing import Meter, Sku

BYTES_PER_GB = Decimal(10) ** 9
STORAGE = Sku(Meter.STORAGE_GB_MONTH)
MAX_BACKFILL_HOURS = 24
"""Hours sampled at most after the metering controller was stopped (older ones are not billed)."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object a dataset holds: ``size`` bytes since ``since`` (its version's commit)."""

    tenant: str
    user: str
    dataset: str
    key: str
    size: int
    since: datetime


def hours_to_sample(last_pass: datetime | None, now: datetime, limit: int = MAX_BACKFILL_HOURS) -> list[datetime]:
    """The UTC hours that closed after ``last_pass`` and by ``now`` (the last closed hour on a first pass)."""
    require_aware(now, "sampling time")
    current = hour_floor(now)
    first = current - timedelta(hours=1) if last_pass is None else hour_floor(last_pass)
    first = max(first, current - timedelta(hours=limit))
    hours = []
    while first < current:
        hours.append(first)
        first += timedelta(hours=1)
    return hours


def storage_records(objects: Iterable[StoredObject], hours: Sequence[datetime], pool: str) -> list[UsageRecord]:
    """One ``storage-gb-month`` record per dataset and hour in which it held anything, billed in ``pool``."""
    held: dict[tuple[str, str], dict[str, StoredObject]] = {}
    for obj in objects:
        require_aware(obj.since, f"commit time of {obj.key}")
        keys = held.setdefault((obj.tenant, obj.dataset), {})
        earlier = keys.get(obj.key)
        if earlier is None or obj.since < earlier.since:
            keys[obj.key] = obj
    records = []
    for (tenant, dataset), keys in sorted(held.items()):
        user = min(keys.values(), key=lambda o: o.since).user
        for hour in hours:
            end = hour + timedelta(hours=1)
            size = sum(o.size for o in keys.values() if o.since < end)
            if size:
                records.append(UsageRecord(
                    key=f"{dataset}/storage/{hour.isoformat()}", tenant=tenant, user=user, subject=dataset,
                    pool=pool, sku=STORAGE, units=Decimal(size) / BYTES_PER_GB, start=hour, end=end,
                ))
    return records
