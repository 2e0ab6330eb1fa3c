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
    """Two one-minute buckets of one counter: this gateway's own, and what the other gateways counted."""

    __slots__ = ("bucket", "changed", "current", "elsewhere", "previous")

    def __init__(self) -> None:
        self.bucket = 0
        self.current = 0
        self.previous = 0
        self.changed = False
        """Counted here since the last :meth:`RateLimiter.counted`."""
        self.elsewhere: tuple[int, int, int] = (0, 0, 0)
        """(bucket, its count, the bucket before's count) of the other gateways, as last read."""

    def _roll(self, now: float) -> None:
        bucket = int(now // 60)
        if bucket != self.bucket:
            self.previous = self.current if bucket == self.bucket + 1 else 0
            self.current = 0
            self.bucket = bucket

    def _totals(self, now: float) -> tuple[int, int]:
        """(current, previous) bucket counts, here and elsewhere together."""
        self._roll(now)
        bucket, current, previous = self.elsewhere
        if bucket == self.bucket - 1:
            current, previous = 0, current
        elif bucket != self.bucket:
            current, previous = 0, 0
        return self.current + current, self.previous + previous

    def used(self, now: float) -> float:
        """The sliding-window estimate of the last 60 s."""
        current, previous = self._totals(now)
        return previous * (1.0 - (now % 60) / 60) + current

    def add(self, now: float, amount: int) -> None:
        self._roll(now)
        self.current += amount
        self.changed = True

    def reset_after(self, now: float, limit: int) -> float:
        """Seconds until the estimate falls below ``limit`` again (at most two minutes)."""
        if self.used(now) < limit:
            return 0.0
        current, previous = self._totals(now)
        into = now % 60
        if current >= limit:
            # Only the next bucket helps: there, current * (1 - t/60) < limit once t > 60 * (1 - limit/current).
            return (60 - into) + 60 * (1 - limit / current)
        # previous * (1 - t/60) + current < limit  <=>  t > 60 * (1 - (limit - current) / previous)
        t = 60 * (1 - (limit - current) / previous)
        return max(0.0, t - into)


@dataclass(frozen=True, slots=True)
class Count:
    """One gateway's count of one scope in one minute (``minute`` = Unix time // 60)."""

    kind: str
    """``requests`` or ``tokens``."""
    scope: str
    """``k:<key id>`` or ``t:<tenant id>``."""
    minute: int
    amount: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """Admit or not, how long to wait, and the ``x-ratelimit-*`` headers (the tighter scope's)."""

    allowed: bool
    retry_after_s: float
    headers: list[tuple[bytes, bytes]]


class RateLimiter:
    """Windows per key and per tenant, kept in memory by each gateway process.

    Gateways that share a database add up their counts: each writes what it counted
    (:meth:`counted`) and reads the others' (:meth:`absorb`) every half second
    (:mod:`suanli.serving.gateway.shared_limits`), so N gateways together admit the limit, overshooting
    it by at most what the others admitted since the last exchange. Time is Unix time, in seconds, so
    that gateways agree on the minute.
    """

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
            # setdefault: the exchange thread may create the same window at the same time.
            w = table.setdefault(scope, Window())
        return w

    def counted(self) -> list[Count]:
        """This gateway's counts of its windows' two minutes, for every window that changed since the
        last call (the exchange thread; the request path may count at the same time, so nothing here
        rolls a window over)."""
        found: list[Count] = []
        for kind, table in (("requests", self._requests), ("tokens", self._tokens)):
            for scope, w in list(table.items()):
                if not w.changed:
                    continue
                w.changed = False  # first: a request counted from here on marks it again
                bucket, current, previous = w.bucket, w.current, w.previous
                found += [Count(kind, scope, bucket, current), Count(kind, scope, bucket - 1, previous)]
        return [c for c in found if c.amount]

    def unsent(self, counts: list[Count]) -> None:
        """Counts that :meth:`counted` gave but could not be written: their windows are sent again."""
        for c in counts:
            table = self._requests if c.kind == "requests" else self._tokens
            table[c.scope].changed = True

    def absorb(self, others: list[Count], now: float) -> None:
        """Take the other gateways' counts (summed per scope and minute) in place of the last ones."""
        minute = int(now // 60)
        seen: dict[tuple[str, str], dict[int, int]] = {}
        for c in others:
            seen.setdefault((c.kind, c.scope), {})[c.minute] = c.amount
        for kind, table in (("requests", self._requests), ("tokens", self._tokens)):
            for scope in {s for k, s in seen if k == kind}:
                self._window(table, scope)
            for scope, w in list(table.items()):
                counts = seen.get((kind, scope), {})
                w.elsewhere = (minute, counts.get(minute, 0), counts.get(minute - 1, 0))

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
