"""Metering and load: usage records for billing, load samples for the autoscaler.

Both are written by the gateway's background thread in batches (every half second), never on the
request path. A crash loses at most the last half second of records; the ``request_id`` is unique, so
a record is never written twice.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from suanli.core.ids import new_id
from suanli.state.db import Database
from suanli.state.models import utcnow
from suanli.state.serving import LoadSample, UsageRecord

log = logging.getLogger("suanli.gateway")


@dataclass
class RegionLoad:
    """Counters of one deployment's region between two samples (event-loop thread only)."""

    level: int = 0
    """Requests in the system now: waiting or running."""
    queued: int = 0
    area: float = 0.0
    changed_at: float = field(default_factory=time.monotonic)
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttfts: list[float] = field(default_factory=list)

    def move(self, delta: int, now: float) -> None:
        self.area += self.level * (now - self.changed_at)
        self.changed_at = now
        self.level += delta

    def sample(self, deployment_id: str, region: str, now: float, tick_s: float, at: datetime) -> LoadSample | None:
        """The tick's sample (and a reset), or None when nothing happened."""
        self.move(0, now)
        if not (self.area or self.requests or self.queued or self.level):
            return None
        ttfts = sorted(self.ttfts)
        p90 = ttfts[min(len(ttfts) - 1, int(0.9 * len(ttfts)))] if ttfts else None
        out = LoadSample(
            deployment_id=deployment_id,
            region=region,
            at=at,
            # The time average, but never below the requests in the system now: a request just queued
            # for a deployment at zero replicas must read as load at once.
            concurrency=max(self.area / tick_s, float(self.level)),
            queue_depth=self.queued,
            request_rate=self.requests / tick_s,
            token_rate=self.completion_tokens / tick_s,
            prompt_token_rate=self.prompt_tokens / tick_s,
            ttft_p90_s=p90,
        )
        self.area, self.requests, self.prompt_tokens, self.completion_tokens, self.ttfts = 0.0, 0, 0, 0, []
        return out


class Meter:
    """Collects usage records and load counters; :meth:`flush` writes them (background thread)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.loads: dict[tuple[str, str], RegionLoad] = {}
        self._usage: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # one flush at a time: a flush returns after earlier records are written
        self._last_sample = time.monotonic()

    def load(self, deployment_id: str, region: str) -> RegionLoad:
        key = (deployment_id, region)
        found = self.loads.get(key)
        if found is None:
            found = self.loads[key] = RegionLoad()
        return found

    def record(self, **fields: Any) -> None:
        """Queue one usage record (``request_id`` makes it idempotent)."""
        fields["id"] = new_id("use")
        fields.setdefault("at", utcnow())
        with self._lock:
            self._usage.append(fields)

    def flush(self, samples: bool = True) -> None:
        """Write queued usage records and, when ``samples``, one load sample per active region."""
        with self._writing:
            self._flush(samples)

    def _flush(self, samples: bool) -> None:
        with self._lock:
            usage, self._usage = self._usage, []
        loads: list[LoadSample] = []
        if samples:
            now = time.monotonic()
            tick = max(1e-3, now - self._last_sample)
            self._last_sample = now
            at = utcnow()
            for (dep, region), load in list(self.loads.items()):
                sample = load.sample(dep, region, now, tick, at)
                if sample is not None:
                    loads.append(sample)
        if not usage and not loads:
            return
        try:
            # One multi-row INSERT: the ORM's unit of work would hold the GIL for ms per hundred rows.
            with self.db.session() as s:
                if usage:
                    s.execute(insert(UsageRecord), usage)
                s.add_all(loads)
        except IntegrityError:  # a retried request id: write the others one by one
            for row in usage:
                try:
                    with self.db.session() as s:
                        s.execute(insert(UsageRecord), [row])
                except IntegrityError:
                    log.info("usage record %s already written", row.get("request_id"))
            with self.db.session() as s:
                s.add_all(loads)
        except Exception:
            log.exception("could not write %d usage rows; keeping them for the next flush", len(usage))
            with self._lock:
                self._usage[:0] = usage
