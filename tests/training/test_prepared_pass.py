"""A pass scheduled from a read-only snapshot taken before its transaction (``JobController.prepare``):
its decisions are applied only where they still hold. The real controller and scheduler on both
databases; only the engine that would start processes is replaced (the recording seam)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.governance.test_enforced_jobs import ADMIN, RecordingEngine, add_cluster, job, run_pass

from suanli.state.db import Database
from suanli.tenancy import tenants
from suanli.training import clusters, jobs
from suanli.training import controller as controller_module
from suanli.training.controller import JobController

NOW = datetime.now(UTC)


def _world(db: Database, tmp_path: Path) -> tuple[JobController, RecordingEngine]:
    with db.session() as s:
        tenants.create(s, ADMIN, name="bank", industry="finance")
        add_cluster(s, "clu_a", "a", NOW)
    engine = RecordingEngine()
    controller = JobController(tmp_path, engines={"fake": engine}, min_interval_s=0)
    run_pass(db, controller, NOW)  # the first pass learns which engines it drives
    return controller, engine


def _submit(db: Database, count: int = 8) -> str:
    with db.session() as s:
        return jobs.submit(s, ADMIN, "bank", jobs.JobRequest(command=["true"], accelerators=count,
                                                              kind="nvidia-h100")).id


def test_the_prepared_decisions_are_applied_without_scheduling_again(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    controller, engine = _world(db, tmp_path)
    first = _submit(db)
    controller.prepare(db, NOW + timedelta(seconds=1))

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the pass scheduled again instead of applying the prepared plan")

    monkeypatch.setattr(controller_module, "build", refuse)
    run_pass(db, controller, NOW + timedelta(seconds=1))
    assert job(db, first).state == "starting" and first in engine.launched


def test_a_job_cancelled_after_the_snapshot_is_not_started(db: Database, tmp_path: Path) -> None:
    controller, engine = _world(db, tmp_path)
    first = _submit(db)
    controller.prepare(db, NOW + timedelta(seconds=1))
    with db.session() as s:
        jobs.cancel(s, ADMIN, "bank", first)
    run_pass(db, controller, NOW + timedelta(seconds=1))
    row = job(db, first)
    assert row.state == "cancelled" and row.pending_reason is None and first not in engine.launched


def test_a_node_cordoned_after_the_snapshot_gets_no_work(db: Database, tmp_path: Path) -> None:
    controller, engine = _world(db, tmp_path)
    first = _submit(db)
    controller.prepare(db, NOW + timedelta(seconds=1))
    with db.session() as s:
        clusters.set_schedulable(s, ADMIN, "a", "a-0", "cordoned")
    run_pass(db, controller, NOW + timedelta(seconds=1))
    assert job(db, first).state == "pending" and first not in engine.launched


def test_a_quota_changed_after_the_snapshot_means_scheduling_again(db: Database, tmp_path: Path) -> None:
    from suanli.tenancy import quotas

    controller, engine = _world(db, tmp_path)
    first = _submit(db)
    controller.prepare(db, NOW + timedelta(seconds=1))
    with db.session() as s:
        quotas.put(s, ADMIN, "bank", "nvidia-h100", nominal=0, borrowing_limit=0)
    run_pass(db, controller, NOW + timedelta(seconds=1))
    row = job(db, first)
    assert row.state == "pending" and "quota" in (row.pending_reason or "") and first not in engine.launched


def test_a_stale_plan_is_dropped(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    controller, engine = _world(db, tmp_path)
    first = _submit(db)
    controller.prepare(db, NOW + timedelta(seconds=1))
    calls = []
    real = controller_module.build
    monkeypatch.setattr(controller_module, "build", lambda *a, **k: calls.append(1) or real(*a, **k))
    run_pass(db, controller, NOW + timedelta(seconds=30))  # long after the snapshot
    assert calls == [1] and first in engine.launched
