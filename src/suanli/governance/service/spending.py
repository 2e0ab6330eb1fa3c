"""What a tenant has spent in a month, fast enough to ask before every job and on every budget pass.

The invoice total is recomputed from the usage records (the one source of truth), but not from all of
them every time: the usage of each invoice line is a plain sum (see :func:`suanli.governance.invoice.
line_usage`), so the lines of the records already read are kept per (database, tenant, month) and only
records appended since are read and added. Records are append-only and prices never retroactive, so the
lines kept stay right. Each call checks the kept lines against the database (count and sum of record ids
of the month): a record committed out of id order (PostgreSQL allocates ids before commit) or any other
surprise makes the check fail, and the month is recomputed from scratch.

Lines are kept only from sessions that recorded no usage themselves: such a session could still roll back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Engine, func, or_, select
from sqlalchemy.orm import Session

from suanli.governance.invoice import LineUsage, line_usage, total_of
from suanli.governance.metering import UsageRecord
from suanli.governance.periods import month_bounds
from suanli.governance.pricing import PriceBook, Sku
from suanli.governance.service.catalog import price_books
from suanli.state.governance import MeteredUsage

WROTE_USAGE = "suanli.wrote_usage"
"""``session.info`` flag set by ``record_usage``: lines read by that session are not kept."""
MAX_KEPT = 4096


@dataclass(frozen=True, slots=True)
class _Kept:
    count: int
    id_sum: int
    last_id: int
    usage: LineUsage


_kept: dict[tuple[str, str, str], _Kept] = {}


def month_spent(session: Session, tenant_id: str, month: str) -> Decimal:
    """The tenant's invoice total for ``month`` so far (sum of lines rounded to the fen)."""
    start, end = month_bounds(month)
    m = MeteredUsage
    where = (m.tenant_id == tenant_id, m.start < end, or_(m.end > start, m.start >= start))
    count, id_sum = session.execute(select(func.count(), func.coalesce(func.sum(m.id), 0)).where(*where)).one()
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = (engine.url.render_as_string(hide_password=True), tenant_id, month)
    kept = _kept.get(key)
    usage: LineUsage | None = None
    last_id = 0
    if kept is not None and kept.count <= count:
        new = _records(session, where, after_id=kept.last_id)
        if kept.count + len(new) == count and kept.id_sum + sum(i for i, _ in new) == int(id_sum):
            usage = kept.usage
            if new:
                books = _books(session, new, usage)
                usage = line_usage(tenant_id, month, [r for _, r in new], books, into=dict(usage))
            last_id = max([kept.last_id, *(i for i, _ in new)])
    if usage is None:
        rows = _records(session, where)
        usage = line_usage(tenant_id, month, [r for _, r in rows], _books(session, rows, {}))
        last_id = max((i for i, _ in rows), default=0)
    if not session.info.get(WROTE_USAGE):
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = _Kept(int(count), int(id_sum), last_id, usage)
    return total_of(usage, price_books(session, {pool for (_, _, pool, _, _) in usage}))


def _records(session: Session, where: tuple[ColumnElement[bool], ...],
             after_id: int = 0) -> list[tuple[int, UsageRecord]]:
    m = MeteredUsage
    # Plain columns, not ORM objects: a busy tenant's month is tens of thousands of rows.
    query = select(m.id, m.key, m.tenant_id, m.user, m.subject, m.pool_id, m.sku, m.units, m.start, m.end).where(
        *where, m.id > after_id).order_by(m.id)
    skus: dict[str, Sku] = {}
    return [
        (rid, UsageRecord(key, tenant, user, subject, pool, skus.get(sku) or skus.setdefault(sku, Sku.parse(sku)),
                          units, lo, hi))
        for rid, key, tenant, user, subject, pool, sku, units, lo, hi in session.execute(query)
    ]


def _books(session: Session, rows: list[tuple[int, UsageRecord]], usage: LineUsage) -> dict[str, PriceBook]:
    return price_books(session, {r.pool for _, r in rows} | {pool for (_, _, pool, _, _) in usage})
