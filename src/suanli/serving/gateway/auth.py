"""API keys at the gateway: the foundation's ``authenticate``, cached for a few seconds per token.

The cache keeps the database off the hot path (one lookup per key per ``ttl_s``); a revoked key
therefore stops working at the gateway within ``ttl_s`` (10 s), not at once.
"""

from __future__ import annotations

import hashlib
import time

import anyio

from suanli.core.errors import SuanliError
from suanli.state.db import Database
from suanli.state.models import utcnow
from suanli.tenancy.principal import Principal, authenticate


class KeyCache:
    """``token -> Principal`` for ``ttl_s`` seconds (by the token's hash, never the token itself)."""

    def __init__(self, db: Database, ttl_s: float = 10.0, max_entries: int = 100_000) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[bytes, tuple[float, Principal]] = {}

    async def principal(self, token: str) -> Principal:
        """The key's principal, or :class:`SuanliError` (401) from ``authenticate``."""
        digest = hashlib.blake2b(token.encode(), digest_size=16).digest()
        now = time.monotonic()
        hit = self._entries.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        principal = await anyio.to_thread.run_sync(self._lookup, token)
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[digest] = (now + self.ttl_s, principal)
        return principal

    def _lookup(self, token: str) -> Principal:
        with self.db.session() as s:
            return authenticate(s, token, utcnow())


__all__ = ["KeyCache", "SuanliError"]
