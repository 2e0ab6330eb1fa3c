"""The metering bridge: usage of the other planes, carried into the ledger so that it can be billed.

A controller over one cursor row (``metering_cursors.id = 'ledger'``) runs every ten seconds:

- **training jobs**: each running segment of a job (from its events: ``running`` until the next
  state) holds its devices; :func:`~suanli.governance.metering.meter_lifetime` cuts it into closed
  hourly slices with keys derived from the job, segment and hour, in the pool whose ``cluster_id``
  names the job's cluster (by id or name);
- **gateway tokens**: each request's prompt and completion tokens (``usage_records``) become
  ``{request_id}/in`` and ``/out`` records for ``million-tokens-in|out/<model>``, in the pool that
  names the replica's region as its cluster, or whose region it is;
- **storage**: each UTC hour that closed since the last pass, the bytes every dataset, registry model and
  job checkpoint folder holds (:mod:`suanli.governance.service.storage_usage`, counted by
  :mod:`suanli.governance.storage`) become one ``storage-gb-month`` record per holder keyed
  ``{dataset}/storage/{hour}``, ``model/{model}/storage/{hour}`` or ``checkpoint/{job}/storage/{hour}``, in
  the pool that describes the object store (``SUANLI_STORAGE_POOL``, else the pool whose ``cluster_id`` is
  ``objects``: :mod:`suanli.governance.service.storage_policy`).

Every record's key is deterministic, so a pass re-reading an overlapping window (or a controller that
crashed half-way and starts again) counts nothing twice. Usage no pool or price covers yet is left
out and counted in ``unpriced``: it is billed by a later pass once the operator prices it, as long as
it is still inside the overlap window (documented in docs/governance.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from suanli.governance.metering import UsageRecord, meter_lifetime
from suanli.governance.pricing import PriceBook, Sku
from suanli.governance.service import storage_usage
from suanli.governance.service.catalog import price_books
from suanli.governance.service.ledger import record_usage
from suanli.governance.service.storage_policy import storage_pool_id
from suanli.governance.service.storage_usage import CheckpointWalk, stored_objects
from suanli.governance.storage import hours_to_sample, storage_records
from suanli.state.db import Database
from suanli.state.governance import ComputePool, MeteredUsage, MeteringCursor
from suanli.state.models import ApiKey, Claimable, User, utcnow
from suanli.state.serving import Deployment, Replica
from suanli.state.serving import UsageRecord as GatewayUsage
from suanli.state.training import ComputeCluster, JobEvent, TrainingJob

OVERLAP = timedelta(hours=2)
"""How far back each pass looks again: covers slow commits and prices added a little late."""
PERIOD = timedelta(seconds=10)
"""How often the bridge runs: metering is read hourly and monthly, not every controller tick."""
BATCH = 1000


def run_segments(events: Sequence[tuple[datetime, str]], now: datetime) -> list[tuple[datetime, datetime | None]]:
    """``[start, end)`` of each time a job ran, from its state changes in time order (end None: still running)."""
    segments: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for at, state in events:
        if state == "running" and start is None:
            start = at
        elif state != "running" and start is not None:
            segments.append((start, at))
            start = None
    if start is not None:
        segments.append((start, None))
    return segments


def job_records(
    job: TrainingJob, events: Sequence[tuple[datetime, str]], pool: str, now: datetime, user: str
) -> list[UsageRecord]:
    """The closed accelerator-hour slices of a job's runs in ``pool``."""
    kind = (job.placement or {}).get("kind") or job.accelerator_kind
    if not kind or job.accelerators <= 0:
        return []
    records: list[UsageRecord] = []
    for n, (start, end) in enumerate(run_segments(events, now)):
        records.extend(meter_lifetime(
            f"{job.id}/run-{n}", tenant=job.tenant_id, user=user, subject=job.id, pool=pool,
            sku=Sku.accelerator(kind), units=Decimal(job.accelerators), start=start, end=end, now=now,
        ))
    return records


def token_records(usage: GatewayUsage, pool: str, user: str) -> list[UsageRecord]:
    """A gateway request's tokens as two instant records."""
    return [
        UsageRecord(key=f"{usage.request_id}/{direction}", tenant=usage.tenant_id, user=user,
                    subject=usage.deployment_id, pool=pool, sku=Sku.parse(f"{meter}/{usage.model}"),
                    units=Decimal(tokens), start=usage.at, end=usage.at)
        for direction, meter, tokens in (("in", "million-tokens-in", usage.prompt_tokens),
                                         ("out", "million-tokens-out", usage.completion_tokens))
        if tokens > 0
    ]


def billable(record: UsageRecord, books: dict[str, PriceBook]) -> bool:
    """Whether the pool exists and prices the SKU over the whole of the record."""
    book = books.get(record.pool)
    if book is None:
        return False
    try:
        if record.sku.meter.timed:
            book.segments(record.sku, record.start, record.end)
        else:
            return book.price_at(record.sku, record.start) is not None
    except Exception:
        return False
    return True


class MeteringController:
    """Carries job, gateway and storage usage into the ledger, one pass at a time, on one server at a time.

    ``home`` is the server's state directory, where job checkpoints are; without it they are not metered.
    """

    name: ClassVar[str] = "metering"
    model: ClassVar[type[Claimable]] = MeteringCursor

    def __init__(self, home: Path | None = None) -> None:
        self.home = home
        self._walked: CheckpointWalk | None = None

    def needs_work(self) -> ColumnElement[bool]:
        due = or_(MeteringCursor.metered_until.is_(None), MeteringCursor.metered_until < utcnow() - PERIOD)
        return and_(MeteringCursor.id == "ledger", due)

    def prepare(self, db: Database, now: datetime) -> None:
        """When storage is due to be sampled, walk the checkpoint folders now, before the claim's
        transaction: reading many files must not hold SQLite's write lock. The pass walks again itself
        if the folders changed meanwhile."""
        self._walked = None
        if self.home is None:
            return
        with db.read_session() as s:
            row = s.get(MeteringCursor, "ledger")
            if row is None or (row.metered_until is not None and row.metered_until >= now - PERIOD):
                return
            if not hours_to_sample(row.metered_until, now):
                return
            folders = frozenset(f.path for f in storage_usage.checkpoint_folders(s, self.home, {}))
        # The walk, with no transaction open.
        self._walked = CheckpointWalk(folders, storage_usage.checkpoint_files(self.home, folders))

    def reconcile(self, session: Session, row: MeteringCursor, now: datetime, worker: str) -> None:
        since = (row.metered_until or datetime(1970, 1, 1, tzinfo=UTC)) - OVERLAP
        users = {u.id: u.name for u in session.scalars(select(User))}
        key_users = {k.id: users.get(k.user_id, k.user_id) for k in session.scalars(select(ApiKey))}
        records = [*self._jobs(session, since, now, users), *self._tokens(session, since, key_users),
                   *self._storage(session, row.metered_until, now, users)]
        books = price_books(session)
        priced = [r for r in records if billable(r, books)]
        for i in range(0, len(priced), BATCH):
            record_usage(session, priced[i : i + BATCH], now)
        row.unpriced = len(records) - len(priced)
        row.metered_until = now

    def _pools(self, session: Session) -> list[ComputePool]:
        return list(session.scalars(select(ComputePool).order_by(ComputePool.id)))

    def _jobs(self, session: Session, since: datetime, now: datetime, users: dict[str, str]) -> Iterator[UsageRecord]:
        pools = self._pools(session)
        clusters = {c.id: c.name for c in session.scalars(select(ComputeCluster))}
        jobs = session.scalars(
            select(TrainingJob).where(
                TrainingJob.started_at.is_not(None),
                or_(TrainingJob.finished_at.is_(None), TrainingJob.finished_at >= since),
            )
        ).all()
        events: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        for job_id, at, state in session.execute(
            select(JobEvent.job_id, JobEvent.at, JobEvent.state)
            .where(JobEvent.job_id.in_([j.id for j in jobs]))
            .order_by(JobEvent.id)
        ):
            events[job_id].append((at, state))
        for job in jobs:
            names = {job.cluster_id, clusters.get(job.cluster_id or "")} - {None}
            pool = next((p.id for p in pools if p.cluster_id in names), None)
            if pool is not None:
                yield from job_records(job, events[job.id], pool, now, user=users.get(job.user_id, job.user_id))

    def _storage(self, session: Session, last_pass: datetime | None, now: datetime,
                 users: dict[str, str]) -> list[UsageRecord]:
        hours = hours_to_sample(last_pass, now)
        if not hours:
            return []
        pool = storage_pool_id(session)
        walked, self._walked = self._walked, None
        objects = stored_objects(session, self.home, hours[-1] + timedelta(hours=1), users, walked)
        records = storage_records(objects, hours, pool or "(no storage pool)")
        if not records:
            return []
        # Each hour is sampled once; a record already stored (a pass that committed and is run again) is kept.
        done = set(session.scalars(select(MeteredUsage.key).where(MeteredUsage.key.in_([r.key for r in records]))))
        return [r for r in records if r.key not in done]

    def _tokens(self, session: Session, since: datetime, key_users: dict[str, str]) -> Iterable[UsageRecord]:
        pools = self._pools(session)
        regions: dict[str, str] = {r.id: r.region for r in session.scalars(select(Replica))}
        owners: dict[str, Any] = {d.id: d for d in session.scalars(select(Deployment))}
        for usage in session.scalars(select(GatewayUsage).where(GatewayUsage.at >= since)):
            deployment = owners.get(usage.deployment_id)
            declared = next(iter(deployment.regions or {}), None) if deployment else None
            region = regions.get(usage.replica_id or "") or declared
            pool = next((p.id for p in pools if region is not None and region in (p.cluster_id, p.region)), None)
            if pool is not None:
                yield from token_records(usage, pool, user=key_users.get(usage.key_id, usage.key_id))
