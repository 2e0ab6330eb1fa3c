"""A bounded wait queue for requests that find no replica with room (e.g. scaling up from zero).

Waiting beats failing while capacity is on its way, but only up to a point: the queue holds at most
``capacity`` requests for at most ``timeout_s`` each, so a deployment that cannot come up sheds load
instead of holding connections forever. Time is passed in; the queue never reads a clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from suanli.core.errors import InvalidInput

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Waiting(Generic[T]):
    """An item and the time it joined the queue."""

    item: T
    since: float


class WaitQueue(Generic[T]):
    """FIFO with a size bound and a per-item timeout."""

    def __init__(self, capacity: int, timeout_s: float) -> None:
        if capacity < 0 or timeout_s <= 0:
            raise InvalidInput("wait queue needs capacity >= 0 and timeout_s > 0")
        self.capacity = capacity
        self.timeout_s = timeout_s
        self._items: deque[Waiting[T]] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, item: T, now: float) -> bool:
        """Queue ``item``; False (the caller answers 503/429) when the queue is full."""
        if len(self._items) >= self.capacity:
            return False
        self._items.append(Waiting(item, now))
        return True

    def expire(self, now: float) -> list[T]:
        """Remove and return the items that waited ``timeout_s`` or longer."""
        gone: list[T] = []
        while self._items and now - self._items[0].since >= self.timeout_s:
            gone.append(self._items.popleft().item)
        return gone

    def peek(self) -> T | None:
        """The oldest waiting item, or None."""
        return self._items[0].item if self._items else None

    def pop(self) -> T | None:
        """Remove and return the oldest waiting item, or None."""
        return self._items.popleft().item if self._items else None

    def oldest_since(self) -> float | None:
        """When the oldest item joined, or None when empty."""
        return self._items[0].since if self._items else None
