"""Requests-per-minute and tokens-per-minute limits, per API key and per tenant.

A sliding window approximated from two fixed one-minute buckets (the previous bucket weighted by the
part of it still inside the window), as Cloudflare and nginx do: O(1) memory per key and no timer.
Tokens are known only after a response, so a request is admitted when the window's tokens are below
the limit and charged when it ends. Time is an argument (seconds, monotonic).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-minute limits; 0 means unlimited."""

    key_rpm: int = 600
    key_tpm: int = 200_000
    tenant_rpm: int = 3_000
    tenant_tpm: int = 1_000_000

    @classmethod
    def from_env(cls) -> Limits:
        """``SUANLI_GATEWAY_{KEY,TENANT}_{RPM,TPM}`` override the defaults."""

        def get(name: str, default: int) -> int:
            return int(os.environ.get(f"SUANLI_GATEWAY_{name}", default))

        d = cls()
        return cls(
            get("KEY_RPM", d.key_rpm),
            get("KEY_TPM", d.key_tpm),
            get("TENANT_RPM", d.tenant_rpm),
            get("TENANT_TPM", d.tenant_tpm),
        )


LIMIT_FIELDS = ("key_rpm", "key_tpm", "tenant_rpm", "tenant_tpm")
Overrides = tuple[int | None, int | None, int | None, int | None]
"""A tenant's stored limits in ``LIMIT_FIELDS`` order; None keeps the gateway's default."""


def merged(defaults: Limits, overrides: Overrides | None) -> Limits:
    """The limits a tenant gets: its own where set, the gateway's defaults elsewhere."""
    if overrides is None:
        return defaults
    values = [d if o is None else o for d, o in zip(
        (defaults.key_rpm, defaults.key_tpm, defaults.tenant_rpm, defaults.tenant_tpm), overrides, strict=True
    )]
    return Limits(*values)


class Window:
    """Two one-minute buckets of one counter."""

    __slots__ = ("bucket", "current", "previous")

    def __init__(self) -> None:
        self.bucket = 0
        self.current = 0
        self.previous = 0

    def _roll(self, now: float) -> None:
        bucket = int(now // 60)
        if bucket != self.bucket:
            self.previous = self.current if bucket == self.bucket + 1 else 0
            self.current = 0
            self.bucket = bucket

    def used(self, now: float) -> float:
        """The sliding-window estimate of the last 60 s."""
        self._roll(now)
        return self.previous * (1.0 - (now % 60) / 60) + self.current

    def add(self, now: float, amount: int) -> None:
        self._roll(now)
        self.current += amount

    def reset_after(self, now: float, limit: int) -> float:
        """Seconds until the estimate falls below ``limit`` again (at most two minutes)."""
        if self.used(now) < limit:
            return 0.0
        into = now % 60
        if self.current >= limit:
            # Only the next bucket helps: there, current * (1 - t/60) < limit once t > 60 * (1 - limit/current).
            return (60 - into) + 60 * (1 - limit / self.current)
        # previous * (1 - t/60) + current < limit  <=>  t > 60 * (1 - (limit - current) / previous)
        t = 60 * (1 - (limit - self.current) / self.previous)
        return max(0.0, t - into)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Admit or not, how long to wait, and the ``x-ratelimit-*`` headers (the tighter scope's)."""

    allowed: bool
    retry_after_s: float
    headers: list[tuple[bytes, bytes]]


class RateLimiter:
    """Windows per key and per tenant; in memory, per gateway process (documented: N gateways
    allow N times the limit unless the limit is divided among them)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._requests: dict[str, Window] = {}
        self._tokens: dict[str, Window] = {}
        self._tenants: dict[str, Limits] = {}

    def override(self, tenants: dict[str, Overrides]) -> None:
        """Replace the per-tenant limits (the gateway reloads them from the database every half second).

        The windows keep their counts: a changed limit applies at once to what was already used.
        """
        self._tenants = {tenant: merged(self.limits, o) for tenant, o in tenants.items()}

    def limits_for(self, tenant_id: str) -> Limits:
        """The limits that apply to ``tenant_id`` and its keys."""
        return self._tenants.get(tenant_id, self.limits)

    def _window(self, table: dict[str, Window], scope: str) -> Window:
        w = table.get(scope)
        if w is None:
            w = table[scope] = Window()
        return w

    def check(self, key_id: str, tenant_id: str, now: float) -> Verdict:
        """Admit one request now (counting it) unless a request or token limit is reached."""
        limits = self._tenants.get(tenant_id, self.limits)
        scopes = (
            ("k:" + key_id, limits.key_rpm, limits.key_tpm),
            ("t:" + tenant_id, limits.tenant_rpm, limits.tenant_tpm),
        )
        wait, blocked = 0.0, False
        req_left, req_limit, req_reset = math.inf, 0, 0.0
        tok_left, tok_limit, tok_reset = math.inf, 0, 0.0
        for scope, rpm, tpm in scopes:
            if rpm:
                w = self._window(self._requests, scope)
                left = rpm - w.used(now)
                if left < 1:
                    blocked, wait = True, max(wait, w.reset_after(now, rpm))
                if left < req_left:
                    req_left, req_limit, req_reset = left, rpm, 60 - now % 60
            if tpm:
                w = self._window(self._tokens, scope)
                left = tpm - w.used(now)
                if left <= 0:
                    blocked, wait = True, max(wait, w.reset_after(now, tpm))
                if left < tok_left:
                    tok_left, tok_limit, tok_reset = left, tpm, 60 - now % 60
        allowed = not blocked
        if allowed:
            for scope, rpm, _ in scopes:
                if rpm:
                    self._window(self._requests, scope).add(now, 1)
            req_left -= 1
        headers: list[tuple[bytes, bytes]] = []
        if req_limit:
            headers += [
                (b"x-ratelimit-limit-requests", str(req_limit).encode()),
                (b"x-ratelimit-remaining-requests", str(max(0, int(req_left))).encode()),
                (b"x-ratelimit-reset-requests", f"{req_reset:.0f}s".encode()),
            ]
        if tok_limit:
            headers += [
                (b"x-ratelimit-limit-tokens", str(tok_limit).encode()),
                (b"x-ratelimit-remaining-tokens", str(max(0, int(tok_left))).encode()),
                (b"x-ratelimit-reset-tokens", f"{tok_reset:.0f}s".encode()),
            ]
        return Verdict(allowed, max(1.0, math.ceil(wait)) if not allowed else 0.0, headers)

    def charge(self, key_id: str, tenant_id: str, tokens: int, now: float) -> None:
        """Count a finished request's tokens."""
        limits = self._tenants.get(tenant_id, self.limits)
        if limits.key_tpm:
            self._window(self._tokens, "k:" + key_id).add(now, tokens)
        if limits.tenant_tpm:
            self._window(self._tokens, "t:" + tenant_id).add(now, tokens)
