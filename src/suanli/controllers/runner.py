"""Runs every controller in a background thread, pass after pass."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

from prometheus_client import Counter, Histogram
from sqlalchemy.orm import Session

from suanli.controllers import claims
from suanli.controllers.base import Controller
from suanli.state.db import Database
from suanli.state.models import utcnow

log = logging.getLogger("suanli.controllers")

RECONCILES = Counter("suanli_reconciles_total", "Rows reconciled", ["controller", "result"])
PASS_SECONDS = Histogram("suanli_controller_pass_seconds", "Duration of one controller pass", ["controller"])

LEASE = timedelta(seconds=30)
BACKOFF = timedelta(seconds=5)
BATCH = 50


class ControllerRunner:
    """Drives controllers against one database as one worker; see :mod:`suanli.controllers.claims`."""

    def __init__(self, db: Database, controllers: Sequence[Controller], worker: str, interval_s: float = 1.0):
        self.db = db
        self.controllers = list(controllers)
        self.worker = worker
        self.interval_s = interval_s
        self.last_pass_at: float | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        for c in self.controllers:
            claims.clear_worker(self.db, c.model, self.worker)
        self._thread = threading.Thread(target=self._loop, name="suanli-controllers", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def poke(self) -> None:
        """Run the next pass now (called after a write that creates work)."""
        self._wake.set()

    @property
    def healthy(self) -> bool:
        """Running, and a pass finished recently."""
        alive = self._thread is not None and self._thread.is_alive()
        stale_after = max(30.0, 10 * self.interval_s)
        recent = self.last_pass_at is not None and time.monotonic() - self.last_pass_at < stale_after
        return alive and recent

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_pass()
            self._wake.wait(self.interval_s)
            self._wake.clear()

    def run_pass(self) -> int:
        """One pass over every controller; returns the number of rows reconciled."""
        done = 0
        for c in self.controllers:
            with PASS_SECONDS.labels(c.name).time():
                try:
                    done += self._pass(c)
                except Exception:  # the database may be briefly unreachable: the next pass retries
                    log.exception("controller %s pass failed", c.name)
        self.last_pass_at = time.monotonic()
        return done

    def _pass(self, c: Controller) -> int:
        prepare = getattr(c, "prepare", None)  # optional: reading work done before the claim's transaction
        if prepare is not None:
            try:
                prepare(self.db, utcnow())
            except Exception:  # the pass then does the work itself
                log.exception("controller %s could not prepare its pass", c.name)
        ids, token = claims.claim(
            self.db, c.model, c.needs_work(), worker=self.worker, now=utcnow(), lease=LEASE, limit=BATCH
        )
        for row_id in ids:
            if self._stop.is_set():
                break  # unfinished claims are cleared at the next start or expire
            try:
                with self.db.session() as s:
                    self._reconcile_one(s, c, row_id, token)
                RECONCILES.labels(c.name, "ok").inc()
            except claims.LeaseLost:
                RECONCILES.labels(c.name, "lease_lost").inc()
            except Exception:
                log.exception("controller %s failed on %s; retrying later", c.name, row_id)
                RECONCILES.labels(c.name, "error").inc()
                claims.back_off(self.db, c.model, row_id, token, utcnow() + BACKOFF)
        return len(ids)

    def _reconcile_one(self, s: Session, c: Controller, row_id: object, token: str) -> None:
        row = s.get(c.model, row_id)
        if row is None or row.lease_token != token:
            raise claims.LeaseLost(f"{c.name}: {row_id} no longer ours")
        generation = row.generation
        c.reconcile(s, row, utcnow(), self.worker)
        s.flush()
        claims.release(s, c.model, row_id, token, observed_generation=generation)
