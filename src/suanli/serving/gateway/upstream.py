"""A small HTTP/1.1 client for the gateway's upstream calls: pooled keep-alive connections, nothing else.

The gateway's latency budget is about a millisecond; a general client (httpx over httpcore and anyio)
spends most of that on machinery the gateway does not need: it sends one POST with a JSON body and
reads a response that has a content length or chunked transfer encoding. Errors raised before any
response byte arrived are :class:`ConnectFailed`, so the caller may retry on another replica.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class ConnectFailed(Exception):
    """The request did not reach the upstream, or it closed before answering: safe to retry elsewhere."""


class UpstreamBroken(Exception):
    """The upstream broke the response off half-way."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = False


@dataclass
class UpstreamResponse:
    """Status, headers (lower-case names) and a body to read whole or chunk by chunk, exactly once."""

    status: int
    headers: dict[str, str]
    _pool: Pool
    _key: tuple[str, int]
    _conn: _Connection
    _done: bool = field(default=False)

    async def iter_body(self) -> AsyncIterator[bytes]:
        reader = self._conn.reader
        try:
            length = self.headers.get("content-length")
            if length is not None:
                if int(length):
                    yield await reader.readexactly(int(length))
            elif self.headers.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        await reader.readuntil(b"\r\n")
                        break
                    data = await reader.readexactly(size + 2)
                    yield data[:-2]
            else:  # until the upstream closes
                while chunk := await reader.read(65536):
                    yield chunk
                self.headers["connection"] = "close"
        except (OSError, asyncio.IncompleteReadError, ValueError, asyncio.LimitOverrunError) as exc:
            self.headers["connection"] = "close"
            raise UpstreamBroken(str(exc)) from None
        self._done = True

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.iter_body()])

    def close(self) -> None:
        """Give the connection back when the body was read whole and kept alive; close it otherwise."""
        if self._done and self.headers.get("connection", "").lower() != "close":
            self._pool.release(self._key, self._conn)
        else:
            self._conn.writer.close()


class Pool:
    """Idle keep-alive connections per (host, port)."""

    def __init__(self, max_idle_per_host: int = 256, connect_timeout_s: float = 2.0) -> None:
        self.max_idle = max_idle_per_host
        self.connect_timeout_s = connect_timeout_s
        self._idle: dict[tuple[str, int], list[_Connection]] = {}

    def release(self, key: tuple[str, int], conn: _Connection) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) < self.max_idle and not conn.writer.is_closing():
            conn.reused = True
            idle.append(conn)
        else:
            conn.writer.close()

    async def _connect(self, key: tuple[str, int], tls: bool) -> _Connection:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if not conn.writer.is_closing() and not conn.reader.at_eof():
                return conn
            conn.writer.close()
        try:
            context = ssl.create_default_context() if tls else None
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(*key, ssl=context, limit=1 << 20), self.connect_timeout_s
            )
        except (OSError, TimeoutError) as exc:
            raise ConnectFailed(f"cannot connect to {key[0]}:{key[1]}: {exc}") from None
        return _Connection(reader, writer)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> UpstreamResponse:
        """POST ``body`` and read the status line and headers; the body is read by the caller."""
        parts = urlsplit(url)
        key = (parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80))
        tls = parts.scheme == "https"
        head = [f"POST {parts.path or '/'} HTTP/1.1", f"host: {parts.netloc}", f"content-length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        for attempt in range(2):  # a kept-alive connection the upstream closed meanwhile: one fresh try
            conn = await self._connect(key, tls)
            try:
                conn.writer.write(request)
                status_line = await conn.reader.readuntil(b"\r\n")
                raw = await conn.reader.readuntil(b"\r\n\r\n")
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                conn.writer.close()
                if conn.reused and attempt == 0:
                    continue
                raise ConnectFailed(f"{url}: {exc.__class__.__name__}") from None
            fields = {}
            for line in raw.decode("latin-1").split("\r\n"):
                name, sep, value = line.partition(":")
                if sep:
                    fields[name.strip().lower()] = value.strip()
            try:
                status = int(status_line.split(b" ", 2)[1])
            except (IndexError, ValueError):
                conn.writer.close()
                raise ConnectFailed(f"{url}: not an HTTP answer") from None
            return UpstreamResponse(status, fields, self, key, conn)
        raise ConnectFailed(url)  # pragma: no cover - the loop returns or raises
