"""The usage ledger: append-only usage records, and the invoices and reports computed from them.

:func:`record_usage` is what other planes call (the job controller with ``meter_lifetime`` slices,
the gateway with token counts). It is idempotent by key: the insert is ``INSERT ... ON CONFLICT
(key) DO NOTHING`` on SQLite and PostgreSQL alike, so a replayed record counts once even when two
servers deliver it at the same moment; a key reused for different usage is refused (409).

Roll-ups are computed on read with the pure cores (``rollup_hourly``, ``invoice``): the records
are the one source of truth, and a month of a tenant's records is small enough to recompute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from suanli.core.errors import InvalidInput
from suanli.governance.documents import invoice_document
from suanli.governance.invoice import Invoice, invoice
from suanli.governance.metering import UsageRecord, deduplicate, rollup_hourly
from suanli.governance.periods import CHINA_TZ, month_bounds
from suanli.governance.pricing import Sku
from suanli.governance.service.catalog import exact, price_books
from suanli.governance.service.spending import WROTE_USAGE
from suanli.state.governance import MeteredUsage, TenantBudget
from suanli.state.models import Tenant, utcnow
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

MAX_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Recorded:
    """How many records of a batch were new, and how many had been recorded before (replays)."""

    recorded: int
    duplicates: int


def record_usage(session: Session, records: Iterable[UsageRecord], now: datetime | None = None) -> Recorded:
    """Append usage records; a record whose key is already stored counts once (idempotent).

    ``tenant`` of each record is a tenant id; its pool must exist and price the SKU from the
    record's start on (usage that could not be billed is refused now, not discovered on the
    invoice). Raises InvalidInput for such records and Conflict when a key is reused for
    different usage; nothing of the batch is stored then. Commits with the caller's transaction.
    """
    batch = deduplicate(records)
    if len(batch) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} usage records per call, got {len(batch)}")
    if not batch:
        return Recorded(0, 0)
    _validate(session, batch)
    keys = [r.key for r in batch]
    before = set(session.scalars(select(MeteredUsage.key).where(MeteredUsage.key.in_(keys))))
    at = now or utcnow()
    rows = [
        {"key": r.key, "tenant_id": r.tenant, "user": r.user, "subject": r.subject, "pool_id": r.pool,
         "sku": str(r.sku), "units": r.units, "start": r.start, "end": r.end, "recorded_at": at}
        for r in batch if r.key not in before
    ]
    if rows:
        session.info[WROTE_USAGE] = True  # this transaction may roll back: the spending memo must not keep it
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(MeteredUsage).on_conflict_do_nothing(index_elements=["key"]), rows)
    stored = {row.key: row for row in session.scalars(select(MeteredUsage).where(MeteredUsage.key.in_(keys)))}
    # A key reused for other usage (here or by a concurrent writer) is a bug upstream: refuse the batch.
    deduplicate([*(as_record(stored[k]) for k in keys), *batch])
    months = {(r.tenant, m) for r in batch for m in _months(r.start, r.end)}
    for tenant_id, month in months:
        session.execute(
            update(TenantBudget)
            .where(TenantBudget.tenant_id == tenant_id, TenantBudget.month == month)
            .values(generation=TenantBudget.generation + 1)
        )
    return Recorded(recorded=len(rows), duplicates=len(batch) - len(rows))


def as_record(row: MeteredUsage) -> UsageRecord:
    """The pure record of a stored row."""
    return UsageRecord(key=row.key, tenant=row.tenant_id, user=row.user, subject=row.subject, pool=row.pool_id,
                       sku=Sku.parse(row.sku), units=row.units, start=row.start, end=row.end)


def records_between(session: Session, tenant_id: str, start: datetime, end: datetime) -> list[UsageRecord]:
    """Every record of a tenant that touches ``[start, end)``."""
    m = MeteredUsage
    # Plain columns, not ORM objects: a busy tenant's month is tens of thousands of rows.
    query = select(m.key, m.tenant_id, m.user, m.subject, m.pool_id, m.sku, m.units, m.start, m.end).where(
        m.tenant_id == tenant_id, m.start < end, or_(m.end > start, m.start >= start),
    ).order_by(m.id)
    skus: dict[str, Sku] = {}
    return [
        UsageRecord(key, tenant, user, subject, pool, skus.get(sku) or skus.setdefault(sku, Sku.parse(sku)),
                    units, lo, hi)
        for key, tenant, user, subject, pool, sku, units, lo, hi in session.execute(query)
    ]


def compute_invoice(session: Session, tenant_id: str, month: str) -> Invoice:
    """A tenant's invoice for ``month`` from the records in the database (no permission check)."""
    start, end = month_bounds(month)
    records = records_between(session, tenant_id, start, end)
    books = price_books(session, {r.pool for r in records})
    return invoice(tenant_id, month, records, books.values())


def invoice_for(session: Session, principal: Principal, tenant_ref: str, month: str) -> dict[str, Any]:
    """The invoice document of a tenant's month: lines to the job and deployment, showback by user."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    doc = invoice_document(compute_invoice(session, tenant.id, month))
    doc["tenant"], doc["tenant_id"] = tenant.name, tenant.id
    return doc


def usage_report(session: Session, principal: Principal, tenant_ref: str, month: str) -> dict[str, Any]:
    """Usage of a month: totals per SKU, per day (China time) and SKU, and per UTC hour."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    start, end = month_bounds(month)
    hours = [h for h in rollup_hourly(records_between(session, tenant.id, start, end)) if start <= h.hour < end]
    totals: dict[str, Decimal] = {}
    daily: dict[tuple[str, str], Decimal] = {}
    hourly: dict[tuple[datetime, str], Decimal] = {}
    for h in hours:
        sku = str(h.sku)
        totals[sku] = totals.get(sku, Decimal(0)) + h.usage
        day = h.hour.astimezone(CHINA_TZ).date().isoformat()
        daily[(day, sku)] = daily.get((day, sku), Decimal(0)) + h.usage
        hourly[(h.hour, sku)] = hourly.get((h.hour, sku), Decimal(0)) + h.usage
    return {
        "tenant": tenant.name,
        "month": month,
        "totals": [{"sku": s, "usage": _text(v), "unit": Sku.parse(s).meter.native_unit}
                   for s, v in sorted(totals.items())],
        "daily": [{"day": d, "sku": s, "usage": _text(v)} for (d, s), v in sorted(daily.items())],
        "hourly": [{"hour": h.astimezone(UTC).isoformat(), "sku": s, "usage": _text(v)}
                   for (h, s), v in sorted(hourly.items())],
    }


def tenant_ids(session: Session, refs: Iterable[str]) -> dict[str, str]:
    """Tenant ids by the names or ids given (for callers that know a tenant by name)."""
    wanted = sorted(set(refs))
    rows = session.execute(
        select(Tenant.id, Tenant.name).where(or_(Tenant.id.in_(wanted), Tenant.name.in_(wanted)))
    ).all()
    found = {ref: tid for tid, name in rows for ref in (tid, name) if ref in wanted}
    missing = [r for r in wanted if r not in found]
    if missing:
        raise InvalidInput(f"usage names unknown tenants: {', '.join(missing)}", details={"tenants": missing})
    return found


def _validate(session: Session, batch: Sequence[UsageRecord]) -> None:
    ids = tenant_ids(session, {r.tenant for r in batch})
    for r in batch:
        if ids[r.tenant] != r.tenant:
            raise InvalidInput(f"usage record {r.key!r}: tenant must be given by id, got {r.tenant!r}")
    books = price_books(session, {r.pool for r in batch})
    for r in batch:
        exact(r.units, f"units of usage record {r.key!r}")
        if len(r.key) > 300 or len(r.user) > 63 or len(r.subject) > 200:
            raise InvalidInput(f"usage record {r.key[:60]!r}: key, user or subject too long (300/63/200)")
        book = books.get(r.pool)
        if book is None:
            raise InvalidInput(f"usage record {r.key!r} names pool {r.pool!r}, which does not exist")
        if r.sku.meter.timed:
            book.segments(r.sku, r.start, r.end)  # refuses usage before the SKU had a price
        elif book.price_at(r.sku, r.start) is None:
            raise InvalidInput(f"pool {r.pool!r} has no price for {r.sku} at {r.start.isoformat()}")


def _months(start: datetime, end: datetime) -> list[str]:
    """Every billing month (China time) that ``[start, end]`` touches."""
    out: list[str] = []
    cursor = start.astimezone(CHINA_TZ).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = end.astimezone(CHINA_TZ)
    while cursor <= last and len(out) < 240:
        out.append(f"{cursor.year:04d}-{cursor.month:02d}")
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return out


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"
