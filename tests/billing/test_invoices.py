"""Invoices through the API, recomputed independently from the raw rows of the database, to the fen."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from tests.billing.helpers import month_of, next_hour, tenant_world, usage
from tests.governance.oracles import invoice_lines

from suanli.core import errors
from suanli.governance import Ownership, Price, PriceBook, Provider, ResaleLayer, Sku, UsageRecord
from suanli.state.governance import ComputePool, ComputeProvider, MeteredUsage, PoolPrice, PoolResaleLayer

SKUS = [
    ("sh-telecom", "accelerator-hour/ascend-910b", "8"),
    ("sh-telecom", "cpu-core-hour", "2.5"),
    ("sh-river", "accelerator-hour/ascend-910b", "4"),
    ("sh-river", "accelerator-hour/nvidia-h100", "1"),
    ("sh-river", "million-tokens-in/qwen2.5-72b", "12345"),
    ("sh-river", "million-tokens-out/qwen2.5-72b", "777"),
]


def raw_tables(db, tenant_id: str) -> tuple[list[UsageRecord], list[PriceBook]]:  # type: ignore[no-untyped-def]
    """Records and price books read straight from the tables, without the service's loaders."""
    with db.engine.connect() as conn:
        providers = {r.id: Provider(r.id, r.name, Ownership(r.ownership))
                     for r in conn.execute(select(ComputeProvider.__table__))}
        records = [
            UsageRecord(r.key, r.tenant_id, r.user, r.subject, r.pool_id, Sku.parse(r.sku), r.units, r.start, r.end)
            for r in conn.execute(select(MeteredUsage.__table__).where(MeteredUsage.tenant_id == tenant_id))
        ]
        books = []
        for pool in conn.execute(select(ComputePool.__table__)):
            prices = [Price(Sku.parse(p.sku), p.unit_price, p.effective)
                      for p in conn.execute(select(PoolPrice.__table__).where(PoolPrice.pool_id == pool.id))]
            layers = [ResaleLayer(providers[x.reseller_id], x.markup) for x in conn.execute(
                select(PoolResaleLayer.__table__).where(PoolResaleLayer.pool_id == pool.id)
                .order_by(PoolResaleLayer.position))]
            books.append(PriceBook(pool.id, pool.provider_id, tuple(prices), tuple(layers)))
    return records, books


def test_invoice_matches_an_independent_recomputation_to_the_fen(platform) -> None:  # type: ignore[no-untyped-def]
    admin, _, tenant_id = tenant_world(platform.url, platform.admin_token)
    t0 = next_hour()
    change = t0 + timedelta(hours=5, minutes=20)
    admin.add_price("sh-telecom", "accelerator-hour/ascend-910b", "14.55", effective=change)
    rng = random.Random(11)
    records = []
    for i in range(80):
        pool, sku, units = rng.choice(SKUS)
        start = t0 + timedelta(minutes=rng.randrange(0, 10 * 60), seconds=rng.randrange(60))
        records.append(usage(f"r{i}", "bank", start, hours=rng.choice([0.25, 1, 1.7, 3.01]), sku=sku, pool=pool,
                             units=units, user=rng.choice(["alice", "bob"]), subject=rng.choice(["job_a", "dep_b"])))
    assert admin.record_usage(records) == {"recorded": 80, "duplicates": 0}
    assert admin.record_usage(records[:30]) == {"recorded": 0, "duplicates": 30}  # a replay counts once

    raw, books = raw_tables(platform.db, tenant_id)
    assert len(raw) == 80
    months = sorted({month_of(t0), month_of(t0 + timedelta(hours=14))})
    for month in months:
        doc = admin.invoice("bank", month)
        expected = invoice_lines(tenant_id, month, raw, books)
        got = {(ln["subject"], ln["user"], ln["pool"], ln["sku"], datetime.fromisoformat(ln["price_effective"])):
               Decimal(ln["amount"]) for ln in doc["lines"]}
        assert got == expected and len(got) > 5
        assert Decimal(doc["total"]) == sum(expected.values(), Decimal(0))
        assert sum(Decimal(v) for v in doc["by_user"].values()) == Decimal(doc["total"])
    resold = [ln for m in months for ln in admin.invoice("bank", m)["lines"] if ln["pool"] == "sh-river"]
    assert [layer["reseller"] for layer in resold[0]["resale_layers"]] == ["province-agent", "telecom-cloud"]


def test_replayed_or_conflicting_usage_never_counts_twice(platform) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = tenant_world(platform.url, platform.admin_token)
    t0 = next_hour()
    batch = [usage(f"job_a/replica-0/{i}", "bank", t0 + timedelta(hours=i)) for i in range(3)]
    admin.record_usage(batch)
    total = admin.invoice("bank", month_of(t0))["total"]
    assert admin.record_usage(batch + batch) == {"recorded": 0, "duplicates": 3}
    changed = dict(batch[0], units="9")
    with pytest.raises(errors.Conflict, match="reused for different usage"):
        admin.record_usage([usage("fresh", "bank", t0), changed])
    assert admin.invoice("bank", month_of(t0))["total"] == total
    assert admin.usage("bank", month_of(t0))["totals"][0]["usage"] == str(3 * 8 * 3600)
    with pytest.raises(errors.InvalidInput, match="no price for accelerator-hour/ascend-910b"):
        admin.record_usage([usage("early", "bank", t0 - timedelta(days=400))])


def test_price_changes_are_never_retroactive(platform) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = tenant_world(platform.url, platform.admin_token)
    t0 = next_hour()
    month = month_of(t0)
    admin.record_usage([usage("u1", "bank", t0, hours=2)])
    before = admin.invoice("bank", month)
    assert before["lines"][0]["amount"] == "256.00"  # 8 x 2 h x 16.00
    sku = "accelerator-hour/ascend-910b"
    with pytest.raises(errors.InvalidInput, match="never retroactive"):
        admin.add_price("sh-telecom", sku, "1.00", effective=datetime.now(t0.tzinfo) - timedelta(hours=1))
    with pytest.raises(errors.Conflict, match="would re-price it"):
        admin.add_price("sh-telecom", sku, "1.00")  # now is before the usage already recorded
    admin.add_price("sh-telecom", sku, "10.00", effective=t0 + timedelta(hours=2))
    assert admin.invoice("bank", month)["lines"] == before["lines"]
    admin.record_usage([usage("u2", "bank", t0 + timedelta(hours=2), hours=1)])
    lines = admin.invoice("bank", month_of(t0 + timedelta(hours=2)))["lines"]
    assert [ln["amount"] for ln in lines if ln["base_unit_price"].startswith("10")] == ["80.00"]
