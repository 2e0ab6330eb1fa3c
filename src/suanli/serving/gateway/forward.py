"""Forwarding one completion to a replica: retry before the first byte, stream through, meter.

The upstream is always asked for usage (``stream_options.include_usage``); the usage chunk is passed
on only when the client asked for it too. Without usage from the upstream, tokens are counted here
(one per content chunk, the prompt estimated from its characters) and the record says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.types import Send

from suanli.serving.gateway.limits import RateLimiter
from suanli.serving.gateway.meter import Meter
from suanli.serving.gateway.table import LiveReplica, Served
from suanli.serving.gateway.upstream import ConnectFailed, Pool, UpstreamBroken, UpstreamResponse
from suanli.serving.gateway.wire import EventSplitter, Headers, estimate_tokens, event_json, send_error, usage_of
from suanli.serving.routing import RouteRequest, may_retry
from suanli.tenancy.principal import Principal


class Gateway(Protocol):
    """What forwarding needs of the gateway (:class:`suanli.serving.gateway.app.Gateway`)."""

    upstream: Pool
    meter: Meter
    limiter: RateLimiter

    def retry_on(self, served: Served, route: RouteRequest, tried: list[str]) -> LiveReplica | None:
        """Another replica for a request whose connection failed before anything reached the client."""


@dataclass
class Call:
    """One request on its way through the gateway."""

    gateway: Gateway
    served: Served
    principal: Principal
    document: dict[str, Any]
    chat: bool
    route: RouteRequest
    replica: LiveReplica
    started: float
    request_id: str
    rate_headers: Headers
    api_key: str | None = None
    embeddings: bool = False
    """``/v1/embeddings``: never streamed, no completion tokens."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    counted_by: str = "upstream"
    status: int = 200
    first_byte_at: float | None = None
    finished: bool = False


def _prompt_text(call: Call) -> str:
    if call.embeddings:
        value = call.document.get("input")
        return value if isinstance(value, str) else "".join(v for v in value or () if isinstance(v, str))
    if call.chat:
        return "".join(str(m.get("content", "")) for m in call.document.get("messages") or () if isinstance(m, dict))
    prompt = call.document.get("prompt")
    return prompt if isinstance(prompt, str) else json.dumps(prompt)


async def _open(call: Call, payload: bytes) -> UpstreamResponse | None:
    """Send to the chosen replica; on a connection failure retry elsewhere (nothing reached the client)."""
    gw = call.gateway
    headers = {"content-type": "application/json"}
    if call.api_key:
        headers["authorization"] = f"Bearer {call.api_key}"
    path = "/v1/embeddings" if call.embeddings else "/v1/chat/completions" if call.chat else "/v1/completions"
    tried: list[str] = []
    attempts = 0
    while True:
        replica = call.replica
        replica.outstanding += 1
        try:
            return await gw.upstream.post(replica.url + path, payload, headers)
        except ConnectFailed:
            replica.outstanding -= 1
            replica.failed_at = time.monotonic()
            attempts += 1
            tried.append(replica.id)
            retry = gw.retry_on(call.served, call.route, tried) if may_retry(0, attempts) else None
            if retry is None:
                return None
            call.replica = retry


async def forward(call: Call, send: Send) -> None:
    """Forward ``call``, answer the client, and record usage and load whatever happens."""
    gw = call.gateway
    stream = bool(call.document.get("stream")) and not call.embeddings
    options = call.document.get("stream_options")
    client_wants_usage = stream and isinstance(options, dict) and bool(options.get("include_usage"))
    document = dict(call.document)
    if stream:
        document["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
    document["model"] = call.served.upstream_model or call.served.name
    payload = json.dumps(document, separators=(",", ":")).encode()
    load = gw.meter.load(call.served.id, call.replica.region)
    load.move(1, time.monotonic())
    response = None
    try:
        response = await _open(call, payload)
        if response is None:
            call.status = 503
            await send_error(
                send,
                503,
                "no replica answered; retry later",
                code="upstream_unavailable",
                headers=[*call.rate_headers, (b"retry-after", b"1")],
            )
            return
        call.status = response.status
        if not stream or response.status != 200:
            try:
                body = await response.read()
            except UpstreamBroken:
                call.status = 502
                await send_error(send, 502, "the upstream broke off its answer", code="upstream_error")
                return
            call.first_byte_at = time.monotonic()
            try:
                found = usage_of(json.loads(body)) if response.status == 200 else None
            except ValueError:
                found = None
            _count(call, found, body.decode("utf-8", "replace"))
            _finish(call, load)  # before the answer leaves: a client that has it can find the record
            kind = response.headers.get("content-type", "application/json").encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": [
                        (b"content-type", kind),
                        (b"content-length", str(len(body)).encode()),
                        *call.rate_headers,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await _stream(call, response, send, client_wants_usage, lambda: _finish(call, load))
    finally:
        if response is not None:
            response.close()
            call.replica.outstanding -= 1
        _finish(call, load)


async def _stream(
    call: Call, response: UpstreamResponse, send: Send, client_wants_usage: bool, done: Callable[[], None]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"), *call.rate_headers],
        }
    )
    splitter = EventSplitter()
    found: tuple[int, int] | None = None
    content_events = 0
    try:
        async for chunk in response.iter_body():
            if call.first_byte_at is None:
                call.first_byte_at = time.monotonic()
            out = []
            for event in splitter.feed(chunk):
                if b'"usage"' in event:
                    document = event_json(event)
                    usage = usage_of(document)
                    if usage is not None:
                        found = usage
                        if not document.get("choices") and not client_wants_usage:
                            continue
                elif b'"content"' in event or b'"text"' in event:
                    content_events += 1
                out.append(event)
            if out:
                await send({"type": "http.response.body", "body": b"".join(out), "more_body": True})
        _tokens(call, found, content_events)
        done()
        await send({"type": "http.response.body", "body": splitter.rest(), "more_body": False})
    except OSError:  # the client went away: closing the upstream stops the generation
        call.status = 499
        _tokens(call, found, content_events)
    except UpstreamBroken:  # after the first byte nothing can be retried: end the stream where it broke
        call.status = 502
        _tokens(call, found, content_events)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _tokens(call: Call, found: tuple[int, int] | None, content_events: int) -> None:
    if found is None:
        call.counted_by = "gateway"
        call.prompt_tokens = estimate_tokens(_prompt_text(call))
        call.completion_tokens = content_events
    else:
        call.prompt_tokens, call.completion_tokens = found


def _count(call: Call, found: tuple[int, int] | None, body: str) -> None:
    if found is not None:
        call.prompt_tokens, call.completion_tokens = found
    elif call.status == 200:
        call.counted_by = "gateway"
        call.prompt_tokens = estimate_tokens(_prompt_text(call))
        call.completion_tokens = 0 if call.embeddings else estimate_tokens(body)


def _finish(call: Call, load: Any) -> None:
    if call.finished:
        return
    call.finished = True
    gw = call.gateway
    now = time.monotonic()
    load.move(-1, now)
    load.requests += 1
    load.prompt_tokens += call.prompt_tokens
    load.completion_tokens += call.completion_tokens
    if call.first_byte_at is not None:
        load.ttfts.append(call.first_byte_at - call.started)
    tokens = call.prompt_tokens + call.completion_tokens
    gw.limiter.charge(call.principal.key_id, call.principal.tenant_id, tokens, time.time())
    gw.meter.record(
        request_id=call.request_id,
        tenant_id=call.principal.tenant_id,
        key_id=call.principal.key_id,
        deployment_id=call.served.id,
        model=call.served.name,
        model_version_id=call.replica.model_version_id,
        replica_id=call.replica.id,
        endpoint="embeddings" if call.embeddings else "chat.completions" if call.chat else "completions",
        streamed=bool(call.document.get("stream")) and not call.embeddings,
        prompt_tokens=call.prompt_tokens,
        completion_tokens=call.completion_tokens,
        counted_by=call.counted_by,
        status_code=call.status,
        duration_ms=(now - call.started) * 1000.0,
    )
