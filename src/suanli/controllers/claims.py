"""The claim protocol: a row is worked on by one server process at a time.

1. Claim: in one short transaction, select up to N rows that need work and whose lease is free or
   expired (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers with ``BEGIN
   IMMEDIATE``), and stamp them with this worker, a fresh lease token and an expiry.
2. Work: per row, in its own transaction, reconcile and then release the claim with
   ``UPDATE ... WHERE lease_token = <ours>``. If that touches no row, our lease expired and someone
   else owns the row: the whole transaction rolls back (fencing), so nothing is written twice.
3. Crash: a dead worker's leases expire and other workers (or its own next start, which clears
   the leases of its worker id at once) pick the rows up.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from suanli.state.db import Database
from suanli.state.models import Claimable


class LeaseLost(Exception):
    """Our lease on a row expired and another worker claimed it."""


def claim(
    db: Database, model: type[Claimable], needs_work: ColumnElement[bool], *, worker: str,
    now: datetime, lease: timedelta, limit: int,
) -> tuple[list[Any], str]:
    """Claim up to ``limit`` rows; returns their ids and the lease token that fences them."""
    table: Any = model
    token = secrets.token_hex(16)
    with db.session() as s:
        query = (
            select(table.id)
            .where(needs_work, or_(table.lease_expires_at.is_(None), table.lease_expires_at < now))
            .order_by(table.id)
            .limit(limit)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        ids = list(s.scalars(query).all())
        if ids:
            s.execute(
                update(table)
                .where(table.id.in_(ids))
                .values(claimed_by=worker, lease_token=token, lease_expires_at=now + lease)
            )
    return ids, token


def release(session: Session, model: type[Claimable], row_id: Any, token: str, **values: Any) -> None:
    """Release our claim on a row (with extra column values), or raise :class:`LeaseLost`."""
    table: Any = model
    result: Any = session.execute(
        update(table)
        .where(table.id == row_id, table.lease_token == token)
        .values(claimed_by=None, lease_token=None, lease_expires_at=None, **values)
    )
    if result.rowcount != 1:
        raise LeaseLost(f"lease on {table.__tablename__} {row_id} was lost")


def back_off(db: Database, model: type[Claimable], row_id: Any, token: str, until: datetime) -> None:
    """Keep a failed row claimed until ``until`` so it is retried later, not in a hot loop."""
    table: Any = model
    with db.session() as s:
        s.execute(
            update(table).where(table.id == row_id, table.lease_token == token).values(lease_expires_at=until)
        )


def clear_worker(db: Database, model: type[Claimable], worker: str) -> None:
    """Drop the leases a previous life of this worker held (one process per home, guarded by a lock)."""
    table: Any = model
    with db.session() as s:
        s.execute(
            update(table)
            .where(table.claimed_by == worker)
            .values(claimed_by=None, lease_token=None, lease_expires_at=None)
        )
