"""Waiting in tests for something that happens in another process or thread: poll until it holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(check: Callable[[], T | None], timeout: float = 30.0, every: float = 0.1,
          step: Callable[[], object] | None = None) -> T:
    """Call ``check`` (after ``step``, when given) until it answers something truthy, and answer that.

    Fails the test when ``timeout`` seconds pass first; the check always runs once more after the
    deadline, so a slow machine never fails a condition that did hold.
    """
    deadline = time.monotonic() + timeout
    while True:
        if step is not None:
            step()
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in {timeout:g} s")
        time.sleep(every)
