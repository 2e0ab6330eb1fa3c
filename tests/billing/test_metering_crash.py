"""THE METERING CRASH TEST: a real ``suanli up`` is SIGKILLed while a client posts usage.

After a restart, the client replays every batch it was unsure of (with the same keys). The totals
the server reports, and its invoice, must equal an independent count of what the client sent:
nothing lost, nothing counted twice.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.appliance.test_up import Server
from tests.billing.helpers import month_of, next_hour
from tests.governance.oracles import invoice_lines

from suanli.client import Client
from suanli.governance import Price, PriceBook, Sku, UsageRecord

BATCH = 5
SKUS = ("accelerator-hour/ascend-910b", "cpu-core-hour")


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    s = Server(tmp_path / "home", database_url)
    yield s
    if s.proc and s.proc.poll() is None:
        s.proc.kill()
        s.proc.wait()


def batch(i: int, tenant: str, t0: datetime) -> list[dict[str, Any]]:
    """Batch ``i``: slices of different holders, SKUs, lengths and sizes (deterministic)."""
    out = []
    for j in range(BATCH):
        n = i * BATCH + j
        start = t0 + timedelta(minutes=n % 170, seconds=n % 7)
        end = start + timedelta(minutes=1 + n % 59)
        out.append({"key": f"job_{n % 13}/replica-{j}/{start.isoformat()}", "tenant": tenant, "user": f"u{n % 3}",
                    "subject": f"job_{n % 13}", "pool": "sh-telecom", "sku": SKUS[n % 2], "units": str(1 + n % 8),
                    "start": start.isoformat(), "end": end.isoformat()})
    return out


def test_sigkill_while_metering_loses_nothing_and_counts_nothing_twice(server: Server) -> None:
    server.start()
    admin = Client(server.url, server.token(), retries=0)
    admin.create_tenant("bank", industry="finance")
    admin.create_provider("telecom-cloud", ownership="state-owned")
    admin.create_pool("sh-telecom", provider="telecom-cloud", region="cn-east", jurisdiction="CN-SH")
    prices = [admin.add_price("sh-telecom", SKUS[0], "16.00"), admin.add_price("sh-telecom", SKUS[1], "0.37")]
    t0 = next_hour()
    if month_of(t0) != month_of(t0 + timedelta(hours=4)):
        t0 += timedelta(hours=5)
    month = month_of(t0)

    unsure: dict[int, list[dict[str, Any]]] = {}
    sent: dict[int, list[dict[str, Any]]] = {}
    confirmed = threading.Event()
    auth = {"Authorization": f"Bearer {server.token()}"}

    def meter() -> None:
        with httpx.Client(base_url=server.url, headers=auth, timeout=5) as c:
            for i in range(100_000):
                sent[i] = unsure[i] = batch(i, "bank", t0)
                try:
                    r = c.post("/api/v1/usage", json={"records": sent[i]})
                except httpx.TransportError:
                    return
                assert r.status_code == 200, r.text
                del unsure[i]
                if i == 30:
                    confirmed.set()

    writer = threading.Thread(target=meter)
    writer.start()
    assert confirmed.wait(60)
    server.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
    server.proc.wait()  # type: ignore[union-attr]
    writer.join()
    assert len(sent) > 30 and unsure, "the kill must leave the client unsure of something"

    server.start()  # the next start opens the database and repairs
    admin = Client(server.url, server.token())
    replayed = {"recorded": 0, "duplicates": 0}
    for records in [*list(unsure.values()), sent[0], sent[1]]:  # and two it was sure of: they count once
        result = admin.record_usage(records)
        replayed = {k: replayed[k] + result[k] for k in replayed}
    assert replayed["duplicates"] >= 2 * BATCH

    expected: dict[str, Decimal] = {}
    records = []
    for r in (r for b in sent.values() for r in b):
        start, end = datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])
        seconds = Decimal((end - start) // timedelta(microseconds=1)) / 1_000_000
        expected[r["sku"]] = expected.get(r["sku"], Decimal(0)) + Decimal(r["units"]) * seconds
        records.append(UsageRecord(r["key"], "bank", r["user"], r["subject"], r["pool"], Sku.parse(r["sku"]),
                                   Decimal(r["units"]), start, end))
    assert len({r.key for r in records}) == len(records) == BATCH * len(sent)
    totals = {t["sku"]: Decimal(t["usage"]) for t in admin.usage("bank", month)["totals"]}
    assert totals == expected

    book = PriceBook("sh-telecom", "telecom-cloud", tuple(
        Price(Sku.parse(p["sku"]), Decimal(p["unit_price"]), datetime.fromisoformat(p["effective"])) for p in prices))
    lines = invoice_lines("bank", month, records, [book])
    invoice = admin.invoice("bank", month)
    assert Decimal(invoice["total"]) == sum(lines.values(), Decimal(0)) > 0
