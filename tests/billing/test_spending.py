"""The budget's month spending, kept incrementally, always equals the invoice recomputed from every record."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert

from suanli.governance.service import record_usage, spending
from suanli.governance.service.budgets import month_of
from suanli.governance.service.ledger import compute_invoice
from suanli.state.db import Database
from suanli.state.governance import MeteredUsage

from .test_service import T0, seed, slice_


def _both(db: Database, tenant_id: str) -> tuple[Decimal, Decimal]:
    month = month_of(T0)
    with db.session() as s:
        return spending.month_spent(s, tenant_id, month), compute_invoice(s, tenant_id, month).total


def test_kept_lines_follow_new_records_and_out_of_order_ids(db: Database) -> None:
    tenant_id = seed(db)
    with db.session() as s:
        record_usage(s, [slice_(tenant_id, f"k{i}", T0 + timedelta(hours=i), units="3") for i in range(5)], T0)
    kept, full = _both(db, tenant_id)
    assert kept == full == Decimal("240.00")  # 5 h x 3 x 16.00
    key = next(k for k in spending._kept if k[1] == tenant_id)
    assert spending._kept[key].count == 5
    with db.session() as s:  # appended: read incrementally
        record_usage(s, [slice_(tenant_id, "k5", T0 + timedelta(hours=5), units="1")], T0)
    assert _both(db, tenant_id) == (Decimal("256.00"), Decimal("256.00"))
    assert spending._kept[key].count == 6
    # A record whose id is below the last one read (PostgreSQL commits ids out of order): recomputed.
    r = slice_(tenant_id, "late", T0 + timedelta(hours=7), units="2")
    row = {"key": r.key, "tenant_id": tenant_id, "user": r.user, "subject": r.subject, "pool_id": r.pool,
           "sku": str(r.sku), "units": r.units, "start": r.start, "end": r.end, "recorded_at": T0}
    with db.session() as s:
        s.execute(insert(MeteredUsage), [{**row, "id": 1000}])
    assert _both(db, tenant_id) == (Decimal("288.00"), Decimal("288.00"))
    with db.session() as s:
        s.execute(insert(MeteredUsage), [{**row, "key": "later-but-lower", "id": 900}])
    assert _both(db, tenant_id) == (Decimal("320.00"), Decimal("320.00"))


def test_a_session_that_recorded_usage_keeps_nothing(db: Database) -> None:
    tenant_id = seed(db)
    spending._kept.clear()
    with db.session() as s:
        record_usage(s, [slice_(tenant_id, "k0", T0)], T0)
        assert spending.month_spent(s, tenant_id, month_of(T0)) == Decimal("128.00")
        s.rollback()
    assert not [k for k in spending._kept if k[1] == tenant_id]
    assert _both(db, tenant_id) == (Decimal(0), Decimal(0))
