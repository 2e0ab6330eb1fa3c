"""Health probes of replicas: ``GET /health``, several at once, with short timeouts."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx


@dataclass(frozen=True, slots=True)
class Health:
    """``ok``: answered 200; ``in_flight``: requests the replica is serving (None when it does not say)."""

    ok: bool
    in_flight: int | None = None


def probe(url: str, timeout_s: float = 0.5) -> Health:
    """One probe of ``<url>/health``."""
    try:
        response = httpx.get(f"{url}/health", timeout=timeout_s)
    except httpx.HTTPError:
        return Health(False)
    if response.status_code != 200:
        return Health(False)
    try:
        in_flight = response.json().get("in_flight")
    except (ValueError, AttributeError):
        in_flight = None
    return Health(True, in_flight if isinstance(in_flight, int) else None)


def probe_all(urls: Sequence[str], timeout_s: float = 0.5) -> list[Health]:
    """Probe ``urls`` concurrently, answers in order."""
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(urls))) as pool:
        return list(pool.map(lambda u: probe(u, timeout_s), urls))
