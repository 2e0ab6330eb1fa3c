"""Storage GB-hours: the metering controller samples what each dataset holds after every hour closes, into
records that count once and reach the invoice; checked against an independent count of the bytes uploaded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from tests.api.helpers import make_tenant

from suanli.client import Client
from suanli.core.money import yuan
from suanli.governance.periods import CHINA_TZ, hour_floor
from suanli.governance.service.bridge import MeteringController
from suanli.governance.storage import StoredObject, hours_to_sample, storage_records
from suanli.state.governance import MeteredUsage, MeteringCursor
from suanli.state.models import utcnow

T = datetime(2026, 11, 3, 8, 30, tzinfo=UTC)


def test_hours_to_sample_are_each_closed_hour_once() -> None:
    assert hours_to_sample(None, T) == [datetime(2026, 11, 3, 7, tzinfo=UTC)]
    assert hours_to_sample(T, T + timedelta(minutes=20)) == []  # the hour has not closed yet
    assert hours_to_sample(T, T + timedelta(hours=2)) == [datetime(2026, 11, 3, h, tzinfo=UTC) for h in (8, 9)]
    assert len(hours_to_sample(T - timedelta(days=5), T)) == 24  # a long outage is back-filled a day at most


def test_objects_count_once_per_dataset_for_each_hour_they_were_stored_at_its_end() -> None:
    hour = datetime(2026, 11, 3, 7, tzinfo=UTC)
    objects = [
        StoredObject("t", "ann", "ds_a", "k1", 1000, hour - timedelta(hours=2)),
        StoredObject("t", "ann", "ds_a", "k1", 1000, hour - timedelta(hours=1)),  # a later version reuses it
        StoredObject("t", "ann", "ds_a", "k2", 500, hour + timedelta(minutes=10)),  # committed during hour 7
        StoredObject("t", "bob", "ds_b", "k1", 7, hour + timedelta(hours=2)),  # after hour 8 closed: no record
    ]
    records = storage_records(objects, [hour, hour + timedelta(hours=1)], "store")
    assert [(r.subject, r.start.hour, r.units) for r in records] == [
        ("ds_a", 7, Decimal("0.0000015")), ("ds_a", 8, Decimal("0.0000015"))]
    assert records[0].key == "ds_a/storage/2026-11-03T07:00:00+00:00" and records[0].user == "ann"


def _pass(platform, now: datetime) -> None:  # type: ignore[no-untyped-def]
    with platform.db.session() as s:
        row = s.get(MeteringCursor, "ledger")
        MeteringController().reconcile(s, row, now, "test")


def test_dataset_storage_reaches_the_invoice_once(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    actors = make_tenant(admin, platform.url, "acme")
    member = actors["member"].client(platform.url)
    admin.create_provider("self", ownership="self-hosted")
    admin.create_pool("store", provider="self", region="local", jurisdiction="CN-SH", cluster_id="objects")
    t0 = utcnow() + timedelta(seconds=30)
    # 2,628,000,000 per GB-month (730 h) is 1000 per GB-second: tiny files still cost whole fen.
    admin.add_price("store", "storage-gb-month", "2628000000", effective=t0)
    member.create_dataset("acme", "news")
    for n in (3, 5):
        path = tmp_path / f"v{n}.jsonl"
        path.write_text("".join(json.dumps({"text": f"新闻 {n} {i}"}, ensure_ascii=False) + "\n" for i in range(n)))
        member.upload_dataset("acme", "news", [path])
    # The independent count: the shards' sizes as the versions' manifests list them.
    sizes = sum(shard["size"] for v in (1, 2) for shard in member.dataset_version("acme", "news", v)["shards"])
    assert sizes > 0

    first = hour_floor(t0) + timedelta(hours=2, minutes=5)
    _pass(platform, first)  # samples the hour that closed last: the versions are older
    _pass(platform, first + timedelta(hours=3))  # three more hours closed
    _pass(platform, first + timedelta(hours=3, minutes=1))  # again: nothing new, nothing twice
    with platform.db.session() as s:
        rows = s.scalars(select(MeteredUsage).where(MeteredUsage.sku == "storage-gb-month")).all()
        hours = sorted(r.start for r in rows)
        assert hours == [hour_floor(first) - timedelta(hours=1) + timedelta(hours=i) for i in range(4)]
        assert {r.units for r in rows} == {Decimal(sizes) / 10**9}
        assert {r.user for r in rows} == {actors["member"].user}

    def month(at: datetime) -> str:
        return at.astimezone(CHINA_TZ).strftime("%Y-%m")

    months = sorted({month(h) for h in hours})
    lines = [ln for m in months for ln in admin.invoice("acme", m)["lines"] if ln["sku"] == "storage-gb-month"]
    assert sum(Decimal(ln["usage"]) for ln in lines) == Decimal(sizes) * 4 * 3600 / 10**9  # GB-seconds
    # 1000 per GB-second, one line per month rounded to the fen.
    expected = sum((yuan(Decimal(sizes) * 3600 * sum(1 for h in hours if month(h) == m) / 10**9 * 1000)
                    for m in months), Decimal(0))
    assert sum(Decimal(ln["amount"]) for ln in lines) == expected > 0
