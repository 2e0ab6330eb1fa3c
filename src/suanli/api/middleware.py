"""ASGI middleware: request ids, body size limit, metrics and the audit trail of mutating calls."""

from __future__ import annotations

import logging
import re
import time

import anyio
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suanli.api import auditing
from suanli.api.errors import error_response
from suanli.core.ids import new_id
from suanli.state.db import Database

log = logging.getLogger("suanli.api")

REQUESTS = Counter("suanli_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("suanli_http_request_seconds", "HTTP request latency", ["method", "route"])

BodyLimit = tuple[str, re.Pattern[str], int]
"""A route that takes larger bodies than JSON: (method, path pattern, limit in bytes)."""


class Observe:
    """Gives every request an ``X-Request-Id``, enforces the body limit, counts it, and audits writes."""

    def __init__(
        self, app: ASGIApp, db: Database, max_body: int, bypass: tuple[str, ...] = (),
        larger_bodies: tuple[BodyLimit, ...] = (),
    ) -> None:
        self.app = app
        self.db = db
        self.max_body = max_body
        self.bypass = bypass
        """Path prefixes served by apps that observe themselves (the /v1 gateway)."""
        self.larger_bodies = larger_bodies

    def _limit(self, method: str, path: str) -> int:
        for m, pattern, limit in self.larger_bodies:
            if method == m and pattern.match(path):
                return limit
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.bypass):
            await self.app(scope, receive, send)
            return
        request_id = new_id("req")
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()
        received = 0
        max_body = self._limit(scope["method"], scope["path"])

        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            # No name or id contains NUL, and PostgreSQL text cannot hold it: refuse it at the edge.
            response = error_response(400, "bad_request", "NUL characters are not allowed in paths or queries")
            response.headers["x-request-id"] = request_id
            await response(scope, receive, send)
            return

        for name, declared in scope["headers"]:
            if name == b"content-length":
                if declared.isdigit() and int(declared) > max_body:
                    await self._too_large(scope, receive, send, request_id, max_body)
                    return
                break

        too_large = False

        async def limited_receive() -> Message:
            # Past the limit, tell the app the client went away (so no handler runs on a cut body);
            # whatever it answers is replaced by a 413 below.
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        audited = not auditing.wanted(scope)

        async def record(code: int) -> None:
            # Before the answer leaves: a client that saw the answer can find the event. A create wrote
            # it already, in the transaction that did the work (no second transaction, no thread hop).
            nonlocal audited
            if not audited:
                audited = True
                if not auditing.done(scope):
                    await anyio.to_thread.run_sync(self._audit, scope, code)

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if too_large:
                if message["type"] == "http.response.start":
                    status = 413
                    await record(status)
                    await self._too_large(scope, receive, send, request_id, max_body)
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
                await record(status)
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
            await record(status)  # the app failed before answering

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, request_id: str, limit: int) -> None:
        response = error_response(
            413, "payload_too_large", f"request body is larger than the limit of {limit} bytes"
        )
        response.headers["x-request-id"] = request_id
        await response(scope, receive, send)

    def _audit(self, scope: Scope, status: int) -> None:
        try:
            with self.db.session() as s:
                auditing.record(s, scope, status)
        except Exception:  # an audit failure must not turn a user's success into an error
            log.exception("could not write audit event for %s", scope.get("state", {}).get("request_id"))
