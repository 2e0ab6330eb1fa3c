"""API keys at the gateway: the foundation's ``authenticate``, through the verified-key cache.

The cache (:mod:`suanli.tenancy.key_cache`, the same one the REST API uses) keeps the database off the hot
path: one lookup per key per ``ttl_s``. A key revoked, a user disabled or a tenant suspended on this server
stops working here at once; on another server sharing the database, within ``ttl_s``.
"""

from __future__ import annotations

import time

import anyio

from suanli.core.errors import SuanliError
from suanli.settings import KEY_CACHE_TTL_S
from suanli.state.db import Database
from suanli.state.models import utcnow
from suanli.tenancy import key_cache
from suanli.tenancy.principal import Principal, authenticate


class KeyCache:
    """``token -> Principal``, trusted for at most ``ttl_s`` seconds (by the token's digest, never the token)."""

    def __init__(self, db: Database, ttl_s: float = KEY_CACHE_TTL_S, max_entries: int = 100_000) -> None:
        self.db = db
        self.verified = key_cache.VerifiedKeys(ttl_s, max_entries)

    async def principal(self, token: str) -> Principal:
        """The key's principal, or :class:`SuanliError` (401) from ``authenticate``."""
        digest = key_cache.digest(token)
        hit = self.verified.get(digest, time.monotonic(), utcnow())
        if hit is not None:
            return hit
        seen = key_cache.epoch()  # before the query: a credential withdrawn meanwhile keeps it out of the cache
        principal = await anyio.to_thread.run_sync(self._lookup, token)
        self.verified.put(seen, digest, principal, time.monotonic())
        return principal

    def _lookup(self, token: str) -> Principal:
        with self.db.session() as s:
            return authenticate(s, token, utcnow())


__all__ = ["KeyCache", "SuanliError"]
