"""The gateway's ASGI app: authenticate, limit, route, forward, meter. See the package docstring."""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

import anyio
from starlette.types import Receive, Scope, Send

from suanli.core.errors import SuanliError
from suanli.core.ids import new_id
from suanli.serving.gateway.auth import KeyCache
from suanli.serving.gateway.config import GatewayConfig
from suanli.serving.gateway.forward import Call, forward
from suanli.serving.gateway.limits import RateLimiter
from suanli.serving.gateway.meter import Meter
from suanli.serving.gateway.shared_limits import SharedWindows
from suanli.serving.gateway.table import LiveReplica, ReplicaTable, Served
from suanli.serving.gateway.upstream import Pool
from suanli.serving.gateway.wire import send_error, send_json
from suanli.serving.routing import RouteRequest, WaitQueue
from suanli.state.db import Database
from suanli.tenancy.principal import Principal

log = logging.getLogger("suanli.gateway")

AVOID_FAILED_S = 5.0
"""A replica whose connection failed gets no new request for this long (the controller will see it)."""
_BLOCK_CHARS = 256
_AFFINITY_BLOCKS = 4


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def prefix_blocks(document: dict[str, Any], chat: bool) -> list[int]:
    """Hashes of the prompt's leading blocks (cumulative, so a block's key implies its prefix)."""
    if chat:
        text = "".join(str(m.get("content", "")) for m in document.get("messages") or () if isinstance(m, dict))
    else:
        prompt = document.get("prompt")
        text = prompt if isinstance(prompt, str) else ""
    return [
        zlib.crc32(text[: _BLOCK_CHARS * (i + 1)].encode())
        for i in range(min(_AFFINITY_BLOCKS, len(text) // _BLOCK_CHARS))
    ]


class Gateway:
    """``/v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings`` and ``/v1/models`` for every tenant's
    deployments."""

    def __init__(
        self, db: Database, config: GatewayConfig | None = None, poke: Callable[[], None] | None = None
    ) -> None:
        self.config = config or GatewayConfig.from_env()
        self.table = ReplicaTable(db)
        self.meter = Meter(db)
        self.keys = KeyCache(db)
        self.limiter = RateLimiter(self.config.limits)
        self.shared = SharedWindows(db)
        self.router = self.config.router()
        self.rng = random.Random()
        self.poke = poke or (lambda: None)
        self.queues: dict[str, WaitQueue[object]] = {}
        self._gone: set[int] = set()
        self.upstream = Pool()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._urgent = threading.Event()
        self._loaded = False

    # lifecycle ---------------------------------------------------------------------------------

    def _background(self) -> None:
        last_sample = 0.0
        while not self._stop.is_set():
            urgent = self._urgent.wait(self.config.refresh_s)
            self._urgent.clear()
            try:
                self.reload()
                now = time.monotonic()
                sample = urgent or now - last_sample >= 1.0
                if sample:
                    last_sample = now
                self.meter.flush(samples=sample)
                if urgent:
                    self.poke()
            except Exception:  # the database may be briefly away; the next round retries
                log.exception("gateway background round failed")

    async def _ensure_started(self) -> None:
        if not self._loaded:
            await anyio.to_thread.run_sync(self.reload)
            self._loaded = True
        if self._thread is None:
            self._thread = threading.Thread(target=self._background, name="suanli-gateway", daemon=True)
            self._thread.start()

    def reload(self) -> None:
        """Read deployments, replicas and the tenants' rate limits from the database, and exchange
        rate-limit counts with the other gateways."""
        self.table.reload()
        self.limiter.override(self.table.rate_limits)
        self.shared.exchange(self.limiter, time.time())

    def close(self) -> None:
        """Stop the background thread and write what is still queued (tests, shutdown)."""
        self._stop.set()
        self._urgent.set()
        if self._thread is not None:
            self._thread.join(5)
        self.meter.flush()

    def flush(self) -> None:
        """Write queued usage records and load samples now."""
        self.meter.flush()

    # ASGI --------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await self._ensure_started()
        path, method = scope["path"], scope["method"]
        if path.endswith("/chat/completions"):
            endpoint = "chat"
        elif path.endswith("/completions"):
            endpoint = "completions"
        elif path.endswith("/embeddings"):
            endpoint = "embeddings"
        elif path.endswith("/models"):
            endpoint = "models"
        else:
            await send_error(
                send,
                404,
                f"unknown path {path}; this gateway serves /v1/chat/completions, /v1/completions, /v1/embeddings"
                " and /v1/models",
                code="unknown_url",
            )
            return
        if (endpoint == "models") != (method == "GET") or method not in ("GET", "POST"):
            await send_error(send, 405, f"{method} is not allowed on {path}", code="method_not_allowed")
            return
        principal = await self._authenticate(scope, send)
        if principal is None:
            return
        if endpoint == "models":
            await self._models(principal, send)
        else:
            await self._complete(scope, receive, send, principal, endpoint)

    async def _authenticate(self, scope: Scope, send: Send) -> Principal | None:
        header = _header(scope, b"authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            await send_error(
                send, 401, "You didn't provide an API key. Send 'Authorization: Bearer sl-...'.", code="invalid_api_key"
            )
            return None
        try:
            return await self.keys.principal(token.strip())
        except SuanliError as exc:
            await send_error(send, 401, exc.message, code="invalid_api_key")
            return None

    async def _models(self, principal: Principal, send: Send) -> None:
        data = [
            {"id": s.name, "object": "model", "created": s.created, "owned_by": principal.tenant_name}
            for s in self.table.of_tenant(principal.tenant_id)
        ]
        await send_json(send, 200, {"object": "list", "data": data})

    async def _read(self, receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body = message.get("body", b"")
            size += len(body)
            if size > self.config.max_body_bytes:
                return None
            chunks.append(body)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _complete(
        self, scope: Scope, receive: Receive, send: Send, principal: Principal, endpoint: str
    ) -> None:
        chat = endpoint == "chat"
        started = time.monotonic()
        raw = await self._read(receive)
        if raw is None:
            await send_error(send, 413, f"request body over {self.config.max_body_bytes} bytes", code="body_too_large")
            return
        try:
            document = json.loads(raw)
        except ValueError:
            await send_error(send, 400, "We could not parse the JSON body of your request.", code="invalid_json")
            return
        model = document.get("model") if isinstance(document, dict) else None
        if not isinstance(model, str):
            await send_error(send, 400, "you must provide a model parameter", code="missing_model", param="model")
            return
        served = self.table.lookup(principal.tenant_id, model)
        if served is None and principal.is_platform_admin and "/" in model:
            served = self.table.lookup_qualified(*model.split("/", 1))
        if served is None:
            await send_error(
                send,
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
                param="model",
            )
            return
        verdict = self.limiter.check(principal.key_id, principal.tenant_id, time.time())
        if not verdict.allowed:
            await send_error(
                send,
                429,
                f"Rate limit reached; retry in {verdict.retry_after_s:.0f}s.",
                code="rate_limit_exceeded",
                headers=[*verdict.headers, (b"retry-after", f"{verdict.retry_after_s:.0f}".encode())],
            )
            return
        forwarded = _header(scope, b"x-forwarded-for")
        client = scope.get("client")
        route = RouteRequest(
            region=_header(scope, b"x-suanli-region"),
            client_ip=forwarded.split(",")[0].strip() if forwarded else (client[0] if client else None),
            prefix_blocks=(
                prefix_blocks(document, chat) if self.router.affinity is not None and endpoint != "embeddings" else ()
            ),
        )
        replica = await self._pick(served, route, started)
        if replica is None:
            await send_error(
                send,
                503,
                f"no replica of `{model}` could take the request in time; retry later",
                code="overloaded",
                headers=[*verdict.headers, (b"retry-after", b"5")],
            )
            return
        request_id = str(scope.get("state", {}).get("request_id") or new_id("req"))
        call = Call(
            gateway=self,
            served=served,
            principal=principal,
            document=document,
            chat=chat,
            embeddings=endpoint == "embeddings",
            route=route,
            replica=replica,
            started=started,
            request_id=request_id,
            rate_headers=verdict.headers,
            api_key=os.environ.get(served.api_key_env) if served.api_key_env else None,
        )
        await forward(call, send)

    # routing -----------------------------------------------------------------------------------

    def candidates(self, served: Served) -> list[LiveReplica]:
        current = self.table.served.get((served.tenant_id, served.name)) or served
        cutoff = time.monotonic() - AVOID_FAILED_S
        return [r for r in current.replicas if r.failed_at < cutoff]

    def pick_now(self, served: Served, route: RouteRequest, tried: list[str]) -> LiveReplica | None:
        """A replica with room now, none of ``tried``."""
        return self.router.pick(route, self.candidates(served), self.rng, exclude=tried)

    def retry_on(self, served: Served, route: RouteRequest, tried: list[str]) -> LiveReplica | None:
        """Another replica for a request whose connection failed before anything reached the client."""
        return self.router.pick_retry(route, self.candidates(served), self.rng, tried)

    def region_for(self, served: Served, route: RouteRequest) -> str:
        """The region a request that found no replica is counted against (the autoscaler scales it)."""
        if route.region in served.regions:
            return route.region
        if self.router.regions is not None:
            origin = self.router.regions.client_region(route.region, route.client_ip)
            return self.router.regions.nearest_first(origin, served.regions)[0]
        return served.regions[0]

    async def _pick(self, served: Served, route: RouteRequest, started: float) -> LiveReplica | None:
        queue = self.queues.get(served.id)
        if queue is None:
            queue = self.queues[served.id] = WaitQueue(self.config.queue_capacity, self.config.queue_timeout_s)
        if not len(queue):
            replica = self.pick_now(served, route, [])
            if replica is not None:
                return replica
        # No room (e.g. scaling up from zero): wait in the bounded queue, first come first served.
        marker = object()
        if not queue.offer(marker, started):
            return None
        load = self.meter.load(served.id, self.region_for(served, route))
        load.queued += 1
        load.move(1, time.monotonic())
        self._urgent.set()  # a sample now, and the controller woken: scale from zero at once
        settled = False  # popped as ours, or expired: nothing of ours is left in the queue
        try:
            while True:
                now = time.monotonic()
                self._gone.update(id(m) for m in queue.expire(now))
                if id(marker) in self._gone:
                    self._gone.discard(id(marker))
                    settled = True
                    return None
                while len(queue) and id(queue.peek()) in self._gone:
                    self._gone.discard(id(queue.pop()))
                if queue.peek() is marker:
                    replica = self.pick_now(served, route, [])
                    if replica is not None:
                        queue.pop()
                        settled = True
                        return replica
                await anyio.sleep(0.05)
        finally:
            load.queued -= 1
            load.move(-1, time.monotonic())
            if not settled:
                self._gone.add(id(marker))  # cancelled while waiting: skipped when it reaches the head


def create_gateway(
    db: Database, config: GatewayConfig | None = None, poke: Callable[[], None] | None = None
) -> Gateway:
    """The gateway ASGI app over ``db``; ``poke`` wakes the controllers when a request waits for capacity."""
    return Gateway(db, config, poke)
