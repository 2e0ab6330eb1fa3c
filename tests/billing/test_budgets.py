"""Budgets: alerts at 50/80/100% fire once each, webhooks are retried, the hard stop refuses with a reason."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from tests.billing.helpers import month_of, next_hour, tenant_world, usage
from tests.billing.test_service import seed_usage

from suanli.client import Client
from suanli.core import errors
from suanli.governance.service import budgets, check_budget, require_budget
from suanli.state.governance import BudgetAlertEvent
from suanli.state.models import utcnow


class Receiver:
    """A local webhook receiver that fails its first ``failures`` requests with 500."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.received.append(body)
                self.send_response(500 if len(outer.received) <= outer.failures else 200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(failures=2)
    r.thread.start()
    yield r
    r.server.shutdown()


def spend(admin: Client, key: str, start, hours: int) -> None:  # type: ignore[no-untyped-def]
    admin.record_usage([usage(key, "bank", start, hours=hours, units="1")])  # ¥16.00 an hour


def test_alerts_fire_once_each_and_the_hard_stop_refuses(platform) -> None:  # type: ignore[no-untyped-def]
    admin, actors, tenant_id = tenant_world(platform.url, platform.admin_token)
    owner = actors["tenant-admin"].client(platform.url)
    t0 = next_hour()
    month = month_of(t0)
    t0 = min(t0, t0.replace(day=1) + timedelta(days=27))  # keep every hour of usage inside the month
    owner.set_budget("bank", month, "100.00", hard_stop=True)
    with pytest.raises(errors.Forbidden):
        actors["member"].client(platform.url).set_budget("bank", month, "1000000")

    fired = lambda: [a["threshold"] for a in owner.budget_alerts("bank", month=month)]  # noqa: E731
    spend(admin, "a", t0, 4)  # ¥64: past 50%
    platform.runner.run_pass()
    assert fired() == [50]
    platform.runner.run_pass()
    spend(admin, "a", t0, 4)  # a replay: spending unchanged
    platform.runner.run_pass()
    assert fired() == [50]
    with platform.db.session() as s:
        assert not check_budget(s, "bank", t0).refuse_new
        assert check_budget(s, "bank", t0, estimate=budgets.Decimal("40")).refuse_new  # 64 + 40 > 100
    spend(admin, "b", t0 + timedelta(hours=4), 3)  # ¥112: past 80% and 100% at once
    platform.runner.run_pass()
    platform.runner.run_pass()
    assert fired() == [50, 80, 100]

    state = owner.budget("bank", month)
    assert state["spent"] == "112.00" and state["refuse_new"] is True
    assert "has spent ¥112.00 of its ¥100.00 budget" in state["reason"]
    with platform.db.session() as s:
        decision = check_budget(s, tenant_id, t0)
        assert decision.refuse_new and "new jobs and deployments are refused" in decision.reason
        with pytest.raises(errors.QuotaExceeded, match="budget"):
            require_budget(s, tenant_id, t0)
        assert not check_budget(s, "bank", t0 + timedelta(days=40)).refuse_new  # another month: no budget
        row = budgets._find(s, tenant_id, month)
        assert row is not None and budgets.evaluate(s, row, utcnow()) == []  # nothing fires twice

    owner.set_budget("bank", month, "1000.00", hard_stop=True)  # raising the limit lifts the stop
    assert owner.budget("bank", month)["refuse_new"] is False


def test_webhooks_are_retried_until_delivered(platform, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    admin, actors, tenant_id = tenant_world(platform.url, platform.admin_token)
    owner = actors["tenant-admin"].client(platform.url)
    t0 = next_hour()
    month = month_of(t0)
    owner.set_budget("bank", month, "20.00", webhook_url=receiver.url)
    spend(admin, "a", t0, 1)  # ¥16: 80%
    platform.runner.run_pass()
    alerts = owner.budget_alerts("bank", month=month)
    assert [(a["threshold"], a["delivery"], a["attempts"]) for a in alerts] == [(50, "pending", 1), (80, "pending", 1)]
    later = utcnow()
    for _ in range(3):
        later += timedelta(minutes=5)
        with platform.db.session() as s:
            budgets.deliver(s, tenant_id, month, later)
    alerts = owner.budget_alerts("bank", month=month)
    assert [(a["delivery"], a["last_error"]) for a in alerts] == [("delivered", None), ("delivered", None)]
    ids = [r["id"] for r in receiver.received]
    assert set(ids) == {a["id"] for a in alerts} and len(ids) == 4  # 2 failures, then one delivery each
    assert receiver.received[-1]["type"] == "budget.threshold" and receiver.received[-1]["tenant"] == "bank"


def test_a_webhook_that_never_answers_gives_up(db) -> None:  # type: ignore[no-untyped-def]
    tenant_id, month, now = seed_usage(db, webhook="http://127.0.0.1:9/never")
    calls: list[str] = []

    def refuse(url: str, document: dict[str, Any]) -> None:
        calls.append(document["id"])
        raise OSError("connection refused")

    with db.session() as s:
        row = budgets._find(s, tenant_id, month)
        assert row is not None
        assert [a.threshold for a in budgets.evaluate(s, row, now)] == [50, 80, 100]
        waiting = [budgets.deliver(s, tenant_id, month, now + timedelta(hours=i), post=refuse)
                   for i in range(budgets.MAX_ATTEMPTS + 2)]
        rows = s.scalars(select(BudgetAlertEvent).where(BudgetAlertEvent.tenant_id == tenant_id)).all()
        assert {(a.delivery, a.attempts) for a in rows} == {("failed", budgets.MAX_ATTEMPTS)}
    assert waiting == [True] * (budgets.MAX_ATTEMPTS - 1) + [False] * 3
    assert len(calls) == 3 * budgets.MAX_ATTEMPTS
