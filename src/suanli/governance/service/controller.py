"""Budget controller: evaluates a budget when its tenant's spending may have changed, and delivers webhooks.

Recording usage bumps the ``generation`` of the budgets of the months it touches; this controller
then fires the thresholds reached (once each, see :mod:`suanli.governance.service.budgets`) and
posts pending webhooks, and drains (or resumes) the tenant's work under the ``drain`` setting (see
:mod:`suanli.governance.service.drain`). A delivery that must be retried bumps the generation again, so the row is
revisited until every alert is delivered or has given up.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from suanli.governance.service import budgets, drain
from suanli.state.governance import TenantBudget
from suanli.state.models import Claimable


class BudgetController:
    """Desired: every threshold a budget's spending has reached has fired and been delivered."""

    name: ClassVar[str] = "budgets"
    model: ClassVar[type[Claimable]] = TenantBudget

    def __init__(self, post: budgets.Post | None = None) -> None:
        self.post = post

    def needs_work(self) -> ColumnElement[bool]:
        return TenantBudget.observed_generation < TenantBudget.generation

    def reconcile(self, session: Session, row: TenantBudget, now: datetime, worker: str) -> None:
        budgets.evaluate(session, row, now)
        if row.month == budgets.month_of(now):  # drain or resume the tenant's work under this month's budget
            drain.enforce(session, row.tenant_id, budgets.check_budget(session, row.tenant_id, now), now)
        if budgets.deliver(session, row.tenant_id, row.month, now, self.post):
            row.generation += 1  # a retry is due later: come back
