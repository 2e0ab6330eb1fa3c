"""Bytes on the wire: OpenAI-shaped error answers, JSON answers, and server-sent-event parsing."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Send

Headers = list[tuple[bytes, bytes]]

_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    502: "api_error",
    503: "api_error",
    504: "api_error",
}


async def send_json(send: Send, status: int, document: Any, headers: Headers | None = None) -> None:
    body = json.dumps(document, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_error(
    send: Send,
    status: int,
    message: str,
    code: str | None = None,
    param: str | None = None,
    headers: Headers | None = None,
) -> None:
    """OpenAI's error shape: ``{"error": {"message", "type", "param", "code"}}``."""
    kind = _TYPES.get(status, "api_error")
    await send_json(send, status, {"error": {"message": message, "type": kind, "param": param, "code": code}}, headers)


def usage_of(document: Any) -> tuple[int, int] | None:
    """``(prompt_tokens, completion_tokens)`` of a response or a stream chunk that carries usage."""
    if not isinstance(document, dict):
        return None
    usage = document.get("usage")
    if not isinstance(usage, dict):
        return None
    p, c = usage.get("prompt_tokens"), usage.get("completion_tokens", 0)  # embeddings report no completion
    if isinstance(p, int) and isinstance(c, int):
        return p, c
    return None


class EventSplitter:
    """Splits an SSE byte stream into whole events (``data: ...\\n\\n``)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        if b"\n\n" not in self._buffer:
            return []
        *events, self._buffer = self._buffer.split(b"\n\n")
        return [e + b"\n\n" for e in events]

    def rest(self) -> bytes:
        rest, self._buffer = self._buffer, b""
        return rest


def event_json(event: bytes) -> Any:
    """The JSON document of a ``data:`` event, or None (``[DONE]``, comments, junk)."""
    for line in event.split(b"\n"):
        if line.startswith(b"data:"):
            payload = line[5:].strip()
            if payload and payload != b"[DONE]":
                try:
                    return json.loads(payload)
                except ValueError:
                    return None
    return None


def text_of_chunk(document: Any) -> str:
    """The generated text in one stream chunk (chat delta or completion text)."""
    if not isinstance(document, dict):
        return ""
    out = []
    for choice in document.get("choices") or ():
        if isinstance(choice, dict):
            delta = choice.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                out.append(delta["content"])
            elif isinstance(choice.get("text"), str):
                out.append(choice["text"])
    return "".join(out)


def estimate_tokens(text: str) -> int:
    """A local count when the upstream reports no usage: about 4 characters a token (1 for CJK)."""
    cjk = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return cjk + (len(text) - cjk + 3) // 4
