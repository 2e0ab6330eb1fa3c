"""Gateways that share a database keep one rate limit together, not one each.

Every half second each gateway's background thread writes the per-minute counts that changed since its
last exchange (absolute counts, so a repeated write changes nothing) and reads the sum of every other
gateway's counts for the current and the previous minute (``gateway_windows``). Rows older than that
are deleted by whichever gateway comes by. A gateway that stops leaves its counts until they age out,
which is right: what it admitted still counts against the minute.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from suanli.core.ids import new_id
from suanli.serving.gateway.limits import Count, RateLimiter
from suanli.state.db import Database
from suanli.state.serving import GatewayWindow


class SharedWindows:
    """One gateway's side of the exchange."""

    def __init__(self, db: Database, gateway_id: str | None = None) -> None:
        self.db = db
        self.gateway_id = gateway_id or new_id("gw")

    def exchange(self, limiter: RateLimiter, now: float) -> None:
        """Write this gateway's changed counts, read the others' (``now``: Unix time in seconds)."""
        minute = int(now // 60)
        mine = limiter.counted()
        try:
            # Reading alone takes no write lock (SQLite has one for the whole database).
            with self.db.session() if mine else self.db.read_session() as s:
                if mine:
                    dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
                    upsert = dialect.insert(GatewayWindow)
                    s.execute(upsert.on_conflict_do_update(
                        index_elements=["gateway", "kind", "scope", "minute"],
                        set_={"amount": upsert.excluded.amount},
                    ), [{"gateway": self.gateway_id, "kind": c.kind, "scope": c.scope, "minute": c.minute,
                         "amount": c.amount} for c in mine])
                    s.execute(delete(GatewayWindow).where(GatewayWindow.minute < minute - 1))
                rows = s.execute(
                    select(GatewayWindow.kind, GatewayWindow.scope, GatewayWindow.minute,
                           func.sum(GatewayWindow.amount))
                    .where(GatewayWindow.gateway != self.gateway_id, GatewayWindow.minute >= minute - 1)
                    .group_by(GatewayWindow.kind, GatewayWindow.scope, GatewayWindow.minute)
                ).all()
        except Exception:
            limiter.unsent(mine)  # written at the next exchange instead
            raise
        limiter.absorb([Count(kind, scope, int(m), int(amount)) for kind, scope, m, amount in rows], now)
