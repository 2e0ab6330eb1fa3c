"""Cursor pagination: ``?limit=&cursor=``, answered as ``{"items": [...], "next_cursor": ...}``.

The cursor is the last id of the page, opaque to clients (base64). Ids sort by creation time, so
pages are stable while rows are added.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from suanli.core.errors import InvalidInput

T = TypeVar("T")
Row = TypeVar("Row")

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def decode(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        value = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    if not value or len(value) > 64 or not value.replace("_", "").isalnum():
        raise InvalidInput("invalid cursor: pass next_cursor from the previous page unchanged")
    return value


def page(rows: Sequence[Row], limit: int, render: Callable[[Row], T], key: Callable[[Row], str]) -> Page[T]:
    """A page from ``limit + 1`` fetched rows: the extra row only tells that more exist."""
    more = len(rows) > limit
    shown = list(rows[:limit])
    nxt = base64.urlsafe_b64encode(key(shown[-1]).encode()).decode() if more and shown else None
    return Page[T](items=[render(r) for r in shown], next_cursor=nxt)
