"""Storage GB-hours: what each dataset, model and checkpoint folder holds, sampled into one usage record per hour.

Three kinds of holder store bytes on the platform:

- a **dataset** holds its distinct shard objects (a curated version that reuses a shard of its parent
  stores it once), each since its version's commit;
- a registry **model** holds the files of its ready versions, each version since it became ready;
- a training job's **checkpoint** folder holds the files the job wrote there, each since it was last written.

Each closed UTC hour is sampled once, after it closes, as it stood at its end: an object stored before the
hour ended counts for the whole hour, one deleted before the sample does not count for it. The record of
holder X's hour H is keyed ``D/storage/H`` for dataset D (the key datasets were metered under first),
``model/M/storage/H`` for model M and ``checkpoint/J/storage/H`` for job J: sampling the same hour again (a
retry, a crashed pass run again) counts once.

GB here is 10^9 bytes, so ``bytes / 10^9`` is exact in decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from suanli.governance.metering import UsageRecord
from suanli.governance.periods import hour_floor, require_aware
from suanli.governance.pricing import Meter, Sku

BYTES_PER_GB = Decimal(10) ** 9
STORAGE = Sku(Meter.STORAGE_GB_MONTH)
MAX_BACKFILL_HOURS = 24
"""Hours sampled at most after the metering controller was stopped (older ones are not billed)."""


class Holder(StrEnum):
    """What holds stored bytes, and so what a storage record is about (its subject)."""

    DATASET = "dataset"
    MODEL = "model"
    CHECKPOINT = "checkpoint"


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object that ``subject`` (a dataset, model or job id) holds: ``size`` bytes since ``since``.

    ``key`` names the object among the subject's (an object key, a file path); the same key listed twice
    (a shard reused by a later version) is stored once, since its earliest ``since``.
    """

    tenant: str
    user: str
    subject: str
    key: str
    size: int
    since: datetime
    holder: Holder = Holder.DATASET


def record_key(holder: Holder, subject: str, hour: datetime) -> str:
    """The idempotency key of ``subject``'s storage record for ``hour``."""
    root = subject if holder is Holder.DATASET else f"{holder.value}/{subject}"
    return f"{root}/storage/{hour.isoformat()}"


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
    """One ``storage-gb-month`` record per holder and hour in which it held anything, billed in ``pool``.

    A holder's record goes to the user of its earliest object (who created the dataset, the model, the job).
    """
    held: dict[tuple[str, Holder, str], dict[str, StoredObject]] = {}
    for obj in objects:
        require_aware(obj.since, f"storage time of {obj.key}")
        if obj.size < 0:
            raise ValueError(f"{obj.key} has a negative size")
        keys = held.setdefault((obj.tenant, obj.holder, obj.subject), {})
        earlier = keys.get(obj.key)
        if earlier is None or obj.since < earlier.since:
            keys[obj.key] = obj
    records = []
    for (tenant, holder, subject), keys in sorted(held.items()):
        user = min(keys.values(), key=lambda o: (o.since, o.key)).user
        for hour in hours:
            end = hour + timedelta(hours=1)
            size = sum(o.size for o in keys.values() if o.since < end)
            if size:
                records.append(UsageRecord(
                    key=record_key(holder, subject, hour), tenant=tenant, user=user, subject=subject,
                    pool=pool, sku=STORAGE, units=Decimal(size) / BYTES_PER_GB, start=hour, end=end,
                ))
    return records


@dataclass(frozen=True, slots=True)
class CheckpointFolder:
    """A folder a job checkpoints to (``path``, relative to the server's home, POSIX form)."""

    job: str
    tenant: str
    user: str
    path: str
    created: datetime


def checkpoint_objects(
    folders: Iterable[CheckpointFolder], files: Iterable[tuple[str, int, datetime]]
) -> list[StoredObject]:
    """The checkpoint files (path, size, last written) as objects of the job each one is billed to.

    A file belongs to the deepest folder that holds it; a folder that several jobs name (a job resubmitted to
    resume from the checkpoints of an earlier one) is billed to the newest of them, which now extends it.
    Files under no folder are left out.
    """
    owners: dict[str, CheckpointFolder] = {}
    for folder in folders:
        held = owners.get(folder.path)
        if held is None or (folder.created, folder.job) > (held.created, held.job):
            owners[folder.path] = folder
    out = []
    for path, size, written in files:
        parts = path.split("/")
        owner = next((owners[p] for p in ("/".join(parts[:n]) for n in range(len(parts) - 1, 0, -1))
                      if p in owners), None)
        if owner is not None:
            out.append(StoredObject(owner.tenant, owner.user, owner.job, path, size, written, Holder.CHECKPOINT))
    return out
