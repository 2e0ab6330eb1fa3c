"""Verified API keys, remembered for a few seconds so that most requests skip the key check's query.

What is cached is the outcome of :func:`~suanli.tenancy.principal.authenticate` for one exact token (by its
BLAKE2b digest, never the token itself): the caller's principal. Only successes are cached; a refused token
goes to the database every time.

How an entry stops being trusted:

- **On this process, at once.** Whatever revokes a key, disables a user, changes a role or suspends a tenant
  calls :func:`credentials_changed` with its session. That bumps a process-wide epoch at once and again when
  the session commits; every cache drops all its entries when it sees a new epoch. A lookup that read the
  database before the commit cannot put a stale entry back: it stores only if the epoch it saw before its
  query is still current.
- **Key expiry** is judged on every hit against the key's ``expires_at`` (kept on the principal).
- **Other processes on the same database** (several ``suanli up`` on one PostgreSQL, or a CLI writing to the
  SQLite file) do not see this process's epoch: there an entry lives at most ``ttl_s`` seconds, so a key
  revoked on another server stops working here within ``ttl_s`` (default 2 s; ``SUANLI_KEY_CACHE_TTL_S``,
  0 turns the cache off).
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from suanli.settings import KEY_CACHE_TTL_S as DEFAULT_TTL_S
from suanli.tenancy.principal import Principal

_CHANGED = "suanli.credentials_changed"
_counter = itertools.count(1)
_epoch = 0


def epoch() -> int:
    """The process-wide credentials epoch: it moves whenever a credential may have been withdrawn."""
    return _epoch


def _bump() -> None:
    global _epoch
    _epoch = next(_counter)  # next() on a count is atomic under the GIL: concurrent bumps never go back


def credentials_changed(session: Session) -> None:
    """Say that ``session`` withdraws or changes a credential: caches forget now and after it commits."""
    session.info[_CHANGED] = True
    _bump()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _bump()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_CHANGED, None)


def digest(token: str) -> bytes:
    """What the cache keys an entry by: a token's BLAKE2b digest."""
    return hashlib.blake2b(token.encode(), digest_size=16).digest()


class VerifiedKeys:
    """``token digest -> (principal, valid until)``; the caller passes the clocks (monotonic and UTC)."""

    def __init__(self, ttl_s: float = DEFAULT_TTL_S, max_entries: int = 100_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[bytes, tuple[float, Principal]] = {}
        self._seen = epoch()

    def get(self, key: bytes, clock: float, now: datetime) -> Principal | None:
        """The cached principal for ``key``, or None (a miss: ask the database)."""
        if self._seen != _epoch:
            self._entries.clear()
            self._seen = _epoch
            return None
        hit = self._entries.get(key)
        if hit is None:
            return None
        until, principal = hit
        expires = principal.key_expires_at
        if until <= clock or (expires is not None and expires <= now):
            del self._entries[key]
            return None
        return principal

    def put(self, seen: int, key: bytes, principal: Principal, clock: float) -> None:
        """Remember ``principal`` for ``key`` if no credential changed since ``seen`` (the epoch before the query)."""
        if self.ttl_s <= 0 or seen != _epoch:
            return
        if self._seen != seen:
            self._entries.clear()
            self._seen = seen
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (clock + self.ttl_s, principal)

    def __len__(self) -> int:
        return len(self._entries)
