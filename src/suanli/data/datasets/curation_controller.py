"""The curation controller: runs queued curation jobs in threads of this server, and adopts orphans.

Desired state: every job ``succeeded``, ``failed`` or ``cancelled``. A pass over an active job:

- ``queued``: start a thread for it here (``runner`` = this worker) and mark it ``running``;
- ``running`` with its thread alive here: renew ``heartbeat_at`` (and pass on a cancel request);
- ``running`` with no thread here, whose runner is this worker (a restarted server) or whose heartbeat
  is older than :data:`STALE` (a dead server): start it again. Every stage of
  :func:`~suanli.data.datasets.curation_run.run_job` resumes, so a restart redoes no finished shard;
- a cancel request on a job no thread runs: ``cancelled`` at once.

The thread writes progress and the outcome in its own transactions; the outcome is audited.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from suanli.data.datasets.curation_jobs import ACTIVE
from suanli.data.datasets.curation_run import Cancelled, run_job
from suanli.governance.service.enforcement import record_refusal
from suanli.objects import ObjectStore
from suanli.state.data import CurationJob
from suanli.state.db import Database
from suanli.state.models import Claimable, utcnow
from suanli.tenancy import audit

log = logging.getLogger("suanli.data.curation")

STALE = timedelta(seconds=60)
HEARTBEAT = timedelta(seconds=5)
MAX_ATTEMPTS = 3
PROGRESS_INTERVAL_S = 1.0


class CurationController:
    """Runs curation jobs; ``home/curations/<job>`` is each job's work directory until it finishes."""

    name: ClassVar[str] = "curations"
    model: ClassVar[type[Claimable]] = CurationJob

    def __init__(self, home: Path, objects: ObjectStore, db: Database | None = None) -> None:
        self.home = home
        self.objects = objects
        self.db = db
        self._threads: dict[str, threading.Thread] = {}
        self._cancel: set[str] = set()

    def needs_work(self) -> ColumnElement[bool]:
        return CurationJob.status.in_(ACTIVE)

    def running_here(self, job_id: str) -> bool:
        """Whether a thread of this controller works on ``job_id``."""
        thread = self._threads.get(job_id)
        return thread is not None and thread.is_alive()

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Wait for this controller's thread of ``job_id`` to end (tests, shutdown)."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)

    def reconcile(self, session: Session, row: CurationJob, now: datetime, worker: str) -> None:
        if row.status not in ACTIVE:
            return
        if self.running_here(row.id):
            if row.cancel_requested:
                self._cancel.add(row.id)
            if row.heartbeat_at is None or now - row.heartbeat_at > HEARTBEAT:
                row.heartbeat_at = now
            return
        orphan = row.status == "running" and (
            row.runner == worker or row.heartbeat_at is None or now - row.heartbeat_at > STALE)
        if row.cancel_requested and (row.status == "queued" or orphan):
            row.status, row.stage, row.finished_at = "cancelled", "cancelled", now
            self._audit(session, row, "cancelled", 200)
            shutil.rmtree(self._work(row.id), ignore_errors=True)
            return
        if row.status == "running" and not orphan:
            return  # another server's thread runs it and is alive
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.finished_at = "failed", now
            row.error = (row.error or "")[:1500] + f" (gave up after {row.attempts} attempts)"
            self._audit(session, row, "failed", 500)
            return
        if self.db is None:
            self.db = _database_of(session)
        row.status, row.runner, row.heartbeat_at = "running", worker, now
        row.attempts += 1
        row.started_at = row.started_at or now
        row.stage = "starting" if row.attempts == 1 else f"resuming (attempt {row.attempts})"
        # The thread's first write waits for this pass's transaction (it holds the row), so it never
        # sees the row as anything but ours and running.
        self._start(row.id)

    def _work(self, job_id: str) -> Path:
        return self.home / "curations" / job_id

    def _start(self, job_id: str) -> None:
        thread = threading.Thread(target=self._run, args=(job_id,), name=f"curation-{job_id}", daemon=True)
        self._threads[job_id] = thread
        thread.start()

    def _run(self, job_id: str) -> None:
        db = self.db
        assert db is not None
        last = 0.0

        def progress(stage: str, counters: dict[str, Any]) -> None:
            nonlocal last
            if job_id in self._cancel:
                raise Cancelled(job_id)
            now = time.monotonic()
            if now - last < PROGRESS_INTERVAL_S and stage == "curate" and counters:
                return
            last = now
            with db.session() as s:
                job = s.get(CurationJob, job_id)
                if job is None:
                    raise Cancelled(job_id)
                if job.cancel_requested:
                    raise Cancelled(job_id)
                job.stage = stage
                job.progress = {**job.progress, **counters}
                job.heartbeat_at = utcnow()

        try:
            number, ref = run_job(db, self.objects, job_id, self._work(job_id), progress)
        except Cancelled:
            self._finish(job_id, "cancelled", stage="cancelled")
        except Exception as exc:  # the job fails with its reason; the server goes on
            log.exception("curation %s failed", job_id)
            self._finish(job_id, "failed", failure=exc, stage="failed", error=f"{type(exc).__name__}: {exc}"[:1500])
        else:
            self._finish(job_id, "succeeded", stage="done", result_number=number, report=ref)
        finally:
            self._cancel.discard(job_id)

    def _finish(self, job_id: str, status: str, failure: BaseException | None = None, **values: Any) -> None:
        """Store how the run ended (a ``failure`` that policy refused is also a placement decision)."""
        assert self.db is not None
        with self.db.session() as s:
            job = s.get(CurationJob, job_id)
            if job is None:
                return
            if failure is not None:
                record_refusal(s, failure)
            for key, value in values.items():
                setattr(job, key, value)
            job.status, job.finished_at, job.heartbeat_at = status, utcnow(), utcnow()
            self._audit(s, job, status, 200 if status != "failed" else 500)
        if status in ("succeeded", "cancelled"):
            shutil.rmtree(self._work(job_id), ignore_errors=True)

    @staticmethod
    def _audit(session: Session, job: CurationJob, outcome: str, code: int) -> None:
        audit.record(session, principal=None, action=f"dataset.curation.{outcome}",
                     target=f"curation {job.id} of dataset {job.dataset_id} version {job.source_number} "
                            f"with {job.recipe}", status_code=code, request_id=job.id,
                     details={"job": job.id, "dataset": job.dataset_id, "result_version": job.result_number,
                              "report": job.report, "error": job.error, "created_by": job.created_by},
                     target_tenant=job.tenant_id)


def _database_of(session: Session) -> Database:
    """A :class:`Database` on the same engine as ``session`` (the runner does not hand its own in)."""
    bind: Any = session.get_bind()
    return Database.on_engine(bind)
