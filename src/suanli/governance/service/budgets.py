"""Budgets per tenant and month: alerts at 50/80/100% (events, optional webhook) and the hard stop.

Alerts fire once each: a UNIQUE (tenant, month, threshold) row is inserted with ``ON CONFLICT DO
NOTHING``, so two evaluators, a crash and a retry, or spending that falls and rises again never
fire one twice. Webhooks are delivered at least once (the payload carries the alert id so a
receiver can drop a repeat), with retries and back-off, by the budget controller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from suanli.core.errors import InvalidInput, NotFound, QuotaExceeded
from suanli.core.ids import new_id
from suanli.core.money import yuan
from suanli.governance.budgets import Budget, BudgetState, RunningWork, StopDecision, hard_stop, observe
from suanli.governance.periods import CHINA_TZ, month_bounds
from suanli.governance.service.catalog import exact
from suanli.governance.service.spending import month_spent
from suanli.state.governance import BudgetAlertEvent, TenantBudget
from suanli.state.models import Tenant, utcnow
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

MAX_ATTEMPTS = 5
WEBHOOK_TIMEOUT_S = 3.0

Post = Callable[[str, dict[str, Any]], None]
"""Deliver one JSON payload to a URL; raise on any failure (the transport seam of the tests)."""


def month_of(now: datetime) -> str:
    """The billing month (China time) containing ``now``."""
    local = now.astimezone(CHINA_TZ)
    return f"{local.year:04d}-{local.month:02d}"


def set_budget(
    session: Session, principal: Principal, tenant_ref: str, month: str, *, limit: Decimal,
    hard_stop: bool = False, running: str = "leave", webhook_url: str | None = None,
) -> TenantBudget:
    """Create or replace a tenant's budget for ``month`` (tenant admins and platform admins)."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.USERS_MANAGE)
    month_bounds(month)
    try:
        mode = RunningWork(running)
    except ValueError:
        raise InvalidInput(f"running must be 'leave' or 'drain', got {running!r}") from None
    Budget(tenant.name, month, exact(limit, "limit"), hard_stop, mode)  # validates the limit
    if webhook_url is not None and not webhook_url.startswith(("http://", "https://")):
        raise InvalidInput(f"webhook_url must be an http:// or https:// URL, got {webhook_url!r}")
    row = _find(session, tenant.id, month)
    if row is None:
        row = TenantBudget(id=new_id("bud"), tenant_id=tenant.id, month=month)
        session.add(row)
    row.limit, row.hard_stop, row.running, row.webhook_url = limit, hard_stop, mode.value, webhook_url
    row.updated_at = utcnow()
    row.generation = (row.generation or 1) + 1  # evaluate against the new limit
    session.flush()
    return row


def budget_report(session: Session, principal: Principal, tenant_ref: str, month: str) -> dict[str, Any]:
    """A budget with what has been spent, the thresholds fired and the hard-stop decision."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    row = _find(session, tenant.id, month)
    if row is None:
        raise NotFound(f"tenant {tenant.name!r} has no budget for {month}")
    state = _state(session, tenant, row)
    decision = hard_stop(state)
    return {
        "tenant": tenant.name, "month": month, "limit": str(yuan(row.limit)), "hard_stop": row.hard_stop,
        "running": row.running, "webhook_url": row.webhook_url, "spent": str(yuan(state.spent)),
        "percent": str(state.percent), "fired": sorted(state.fired), "refuse_new": decision.refuse_new,
        "reason": decision.reason, "updated_at": row.updated_at.isoformat(),
    }


def check_budget(session: Session, tenant: str, now: datetime, estimate: Decimal = Decimal(0)) -> StopDecision:
    """Whether a tenant (id or name) may start new work at ``now``; the job and deployment planes call this.

    ``estimate`` is the expected cost of the new work (0: refuse only once the limit is spent).
    A tenant without a budget for the month is never refused.
    """
    row_tenant = tenants.find(session, tenant)
    if row_tenant is None:
        raise NotFound(f"no tenant {tenant!r}")
    month = month_of(now)
    row = _find(session, row_tenant.id, month)
    if row is None:
        return StopDecision(False, f"tenant {row_tenant.name} has no budget for {month}", RunningWork.LEAVE)
    return hard_stop(_state(session, row_tenant, row), estimate)


_HARD_STOP = (
    select(TenantBudget.id)
    .where(TenantBudget.tenant_id == bindparam("tenant"), TenantBudget.month == bindparam("month"),
           TenantBudget.hard_stop.is_(True))
    .limit(1)
)


def require_budget(session: Session, tenant_id: str, now: datetime, estimate: Decimal = Decimal(0)) -> None:
    """Raise QuotaExceeded (429) with the reason when the budget's hard stop refuses new work.

    ``tenant_id`` is the id of a tenant the caller has resolved. Every job submission passes here: a tenant
    without a hard-stop budget this month (nothing can refuse it) costs one small precompiled query.
    """
    if session.connection().execute(_HARD_STOP, {"tenant": tenant_id, "month": month_of(now)}).first() is None:
        return
    decision = check_budget(session, tenant_id, now, estimate)
    if decision.refuse_new:
        raise QuotaExceeded(decision.reason, details={"budget": "hard_stop", "running": decision.running.value})


def evaluate(session: Session, row: TenantBudget, now: datetime) -> list[BudgetAlertEvent]:
    """Fire the thresholds that spending has reached and that have not fired yet; returns the new alerts."""
    tenant = session.get(Tenant, row.tenant_id)
    if tenant is None:
        return []
    state = _state(session, tenant, row)
    _, alerts = observe(BudgetState(state.budget, Decimal(0), state.fired), state.spent)
    fired: list[BudgetAlertEvent] = []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for alert in alerts:
        values = {
            "id": new_id("bal"), "tenant_id": row.tenant_id, "month": row.month, "threshold": alert.threshold,
            "spent": alert.spent, "limit": alert.limit, "message": alert.message, "at": now,
            "webhook_url": row.webhook_url, "delivery": "pending" if row.webhook_url else "none",
            "attempts": 0, "next_attempt_at": now if row.webhook_url else None,
        }
        result = session.execute(
            dialect.insert(BudgetAlertEvent)
            .on_conflict_do_nothing(index_elements=["tenant_id", "month", "threshold"])
            .returning(BudgetAlertEvent.id),
            [values],
        )
        if result.first() is not None:
            fired.append(session.get_one(BudgetAlertEvent, values["id"]))
    return fired


def alerts(session: Session, principal: Principal, tenant_ref: str, month: str | None = None,
           after: str | None = None, limit: int = 50) -> Sequence[BudgetAlertEvent]:
    """A tenant's budget alerts, oldest first (the events the console shows)."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = select(BudgetAlertEvent).where(BudgetAlertEvent.tenant_id == tenant.id)
    if month is not None:
        query = query.where(BudgetAlertEvent.month == month)
    if after:
        query = query.where(BudgetAlertEvent.id > after)
    return session.scalars(query.order_by(BudgetAlertEvent.id).limit(limit)).all()


def deliver(session: Session, tenant_id: str, month: str, now: datetime, post: Post | None = None) -> bool:
    """Post due webhooks of one budget month; True when some delivery still awaits a retry."""
    send = post or http_post
    query = select(BudgetAlertEvent).where(
        BudgetAlertEvent.tenant_id == tenant_id, BudgetAlertEvent.month == month,
        BudgetAlertEvent.delivery == "pending",
    ).order_by(BudgetAlertEvent.threshold)
    waiting = False
    tenant = session.get(Tenant, tenant_id)
    for alert in session.scalars(query):
        if alert.next_attempt_at is not None and alert.next_attempt_at > now:
            waiting = True
            continue
        alert.attempts += 1
        try:
            send(alert.webhook_url or "", payload(alert, tenant.name if tenant else tenant_id))
        except Exception as exc:  # any failure of the receiver: retry later, then give up
            alert.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if alert.attempts >= MAX_ATTEMPTS:
                alert.delivery = "failed"
            else:
                alert.next_attempt_at = now + timedelta(seconds=2 ** alert.attempts)
                waiting = True
            continue
        alert.delivery, alert.last_error, alert.next_attempt_at = "delivered", None, None
    session.flush()
    return waiting


def payload(alert: BudgetAlertEvent, tenant: str) -> dict[str, Any]:
    """The JSON a webhook receives; ``id`` is stable across retries."""
    return {
        "id": alert.id, "type": "budget.threshold", "tenant": tenant, "month": alert.month,
        "threshold": alert.threshold, "spent": str(yuan(alert.spent)), "limit": str(yuan(alert.limit)),
        "message": alert.message, "at": alert.at.isoformat(),
    }


def http_post(url: str, document: dict[str, Any]) -> None:
    """POST ``document`` to ``url``; a non-2xx answer is a failure."""
    response = httpx.post(url, json=document, timeout=WEBHOOK_TIMEOUT_S)
    response.raise_for_status()


def _find(session: Session, tenant_id: str, month: str) -> TenantBudget | None:
    query = select(TenantBudget).where(TenantBudget.tenant_id == tenant_id, TenantBudget.month == month)
    return session.scalars(query).first()


def _state(session: Session, tenant: Tenant, row: TenantBudget) -> BudgetState:
    budget = Budget(tenant.name, row.month, row.limit, row.hard_stop, RunningWork(row.running))
    spent = month_spent(session, tenant.id, row.month)
    fired = session.scalars(
        select(BudgetAlertEvent.threshold).where(
            BudgetAlertEvent.tenant_id == tenant.id, BudgetAlertEvent.month == row.month
        )
    )
    return BudgetState(budget, spent, frozenset(fired))
