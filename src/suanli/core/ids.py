"""Identifiers: short, sortable by creation time, with a prefix that names the kind of object."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _b32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


_lock = threading.Lock()
_last = (0, 0)


def new_id(prefix: str) -> str:
    """A new id such as ``ten_01jd7x...``: 48 bits of milliseconds then 80 random bits (ULID layout).

    Ids sort by creation time, which keyset pagination and "newest first" listings rely on; within
    one millisecond a process increments the random part (monotonic ULIDs) so its ids stay ordered.
    """
    global _last
    with _lock:
        millis = time.time_ns() // 1_000_000
        last_millis, last_rand = _last
        if millis <= last_millis:
            millis, rand = last_millis, last_rand + 1
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 1  # leave room to increment
        _last = (millis, rand)
    return f"{prefix}_{_b32(millis, 10)}{_b32(rand, 16)}"
