"""The connection every call of the SDK goes through: authentication, retries, errors, pagination."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, Self

import httpx

from suanli.core import errors

_BY_STATUS: dict[int, type[errors.SuanliError]] = {
    400: errors.InvalidInput, 401: errors.Unauthenticated, 403: errors.Forbidden, 404: errors.NotFound,
    409: errors.Conflict, 413: errors.PayloadTooLarge, 422: errors.InvalidInput, 429: errors.QuotaExceeded,
    503: errors.Unavailable,
}


class Transport:
    """One suanli server over httpx; the calls of each plane are built on :meth:`request`.

    ``transport`` is the test seam (``httpx.MockTransport`` or an ASGI transport); creates send an
    ``Idempotency-Key`` so that the built-in retry never creates twice.
    """

    def __init__(
        self, url: str, token: str | None = None, *, timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None, retries: int = 2,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self.retries = retries
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def send(self, method: str, path: str, *, retry: bool, unreachable: str = "", **options: Any) -> httpx.Response:
        """One HTTP exchange, tried again on a connection error when ``retry`` (the request is safe to repeat).

        Answers the response whatever its status; ``unreachable`` ends the error raised when the server
        cannot be reached.
        """
        attempt = 0
        while True:
            try:
                return self._http.request(method, path, **options)
            except httpx.TransportError as exc:
                if retry and attempt < self.retries:
                    attempt += 1
                    continue
                raise errors.Unavailable(
                    f"cannot reach suanli at {self.url} ({exc.__class__.__name__})"
                    + (unreachable or "; start it with `suanli up` or set SUANLI_URL")
                ) from None

    def request(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                idempotent: bool = False) -> Any:
        """Send one request; answer the decoded JSON body, or raise the matching :class:`SuanliError`."""
        headers = {"Idempotency-Key": uuid.uuid4().hex} if idempotent else {}
        safe = method in ("GET", "PUT", "DELETE") or idempotent
        response = self.send(method, path, retry=safe, json=json, params=params, headers=headers)
        check(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def call(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        """:meth:`request` for the calls that answer a JSON object (most of them)."""
        result: dict[str, Any] = self.request(method, path, **options)
        return result

    def call_list(self, method: str, path: str, **options: Any) -> list[dict[str, Any]]:
        """:meth:`request` for the calls that answer a JSON array of objects."""
        result: list[dict[str, Any]] = self.request(method, path, **options)
        return result

    def paginate(self, path: str, params: dict[str, Any] | None = None, limit: int | None = None) -> Iterator[Any]:
        """Every item of a paginated list, following ``next_cursor``, up to ``limit`` items."""
        params = dict(params or {})
        seen = 0
        while True:
            page = self.request("GET", path, params=params)
            for item in page["items"]:
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield item
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]

    def ready(self) -> dict[str, Any]:
        """The server's readiness report (``/readyz``), whether it is ready or not."""
        try:
            result: dict[str, Any] = self._http.get("/readyz").json()
        except httpx.TransportError:
            raise errors.Unavailable(
                f"cannot reach suanli at {self.url}; start it with `suanli up` or set SUANLI_URL"
            ) from None
        return result


def check(response: httpx.Response) -> None:
    """Raise the :class:`SuanliError` that an error response carries; do nothing for a success."""
    if response.status_code < 400:
        return
    try:
        body = response.json()["error"]
        message, details = str(body["message"]), body.get("details")
    except (ValueError, KeyError, TypeError):
        message, details = f"HTTP {response.status_code}: {response.text[:200]}", None
    raise _BY_STATUS.get(response.status_code, errors.SuanliError)(message, details)
