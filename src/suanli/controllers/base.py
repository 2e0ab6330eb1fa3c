"""What a controller is: which rows need work, and how to converge one row."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from suanli.state.models import Claimable


class Controller(Protocol):
    """A reconcile loop over one table of claimable rows.

    ``reconcile`` runs inside the transaction that releases the claim, so its database writes
    commit exactly when the claim is released with the right lease token; any side effect outside
    the database must be idempotent, because a crash may repeat it on the next pass.

    A controller may also have ``prepare(db, now)``, which the runner calls before each pass's claim,
    outside any transaction: for reading (in :meth:`~suanli.state.db.Database.read_session`) what the
    pass would otherwise read while holding SQLite's write lock. ``reconcile`` must check what it
    assumed still holds.
    """

    name: ClassVar[str]
    model: ClassVar[type[Claimable]]

    def needs_work(self) -> ColumnElement[bool]:
        """SQL condition selecting the rows whose observed state lags their desired state."""
        ...

    def reconcile(self, session: Session, row: Any, now: datetime, worker: str) -> None:
        """Converge one row; raise to retry it after a back-off."""
        ...
