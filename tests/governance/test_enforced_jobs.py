"""Placement policy enforced by the job controller, on both databases: the real controller and scheduler,
two clusters described by pools in different jurisdictions and one described by none; only the engine that
would start processes is replaced (a seam that records what it was asked to start)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suanli.engines.base import LaunchSpec, NodeReport, RunStatus
from suanli.governance.service import catalog, policies
from suanli.state.db import Database
from suanli.state.governance import PlacementDecision
from suanli.state.training import ComputeCluster, ComputeNode, SchedulerLease, TrainingJob
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Role
from suanli.training import jobs
from suanli.training.controller import JobController

ADMIN = Principal(key_id="key_t", user_id="usr_t", user_name="ops", tenant_id="ten_admin", tenant_name="admin",
                  role=Role.PLATFORM_ADMIN)
RULES = """
rules:
  - id: important-data-stays-home
    version: 1
    author: compliance@bank.example
    effective: {effective}
    description: important and core data may not leave the tenant's jurisdiction
    applies_to: {{classification_at_least: important}}
    forbid: {{outside_tenant_jurisdiction: true}}
  - id: core-needs-mlps3
    version: 1
    author: compliance@bank.example
    effective: {effective}
    applies_to: {{classification_at_least: core}}
    forbid: {{lacking_certification: mlps-3}}
"""


class RecordingEngine:
    """Starts nothing; remembers each launch and reports it running."""

    name = "fake"

    def __init__(self) -> None:
        self.launched: dict[str, LaunchSpec] = {}

    def submit(self, spec: LaunchSpec) -> dict[str, Any]:
        self.launched[spec.job_id] = spec
        return {"engine": "fake"}

    def status(self, job_id: str, handle: Mapping[str, Any]) -> RunStatus:
        return RunStatus("running")

    def cancel(self, job_id: str, handle: Mapping[str, Any], *, force: bool = False) -> None:
        pass

    def logs(self, job_id: str, offset: int = 0, limit: int = 1 << 20) -> bytes:
        return b""

    def inventory(self) -> list[NodeReport]:
        return []


def seed(db: Database, now: datetime) -> dict[str, str]:
    """A CN-SH finance tenant; clusters hk (pool in HK, sorted first), sh (pool in CN-SH), bj (no pool)."""
    ids = {"hk": "clu_a_hk", "sh": "clu_b_sh", "bj": "clu_c_bj"}
    with db.session() as s:
        tenants.create(s, ADMIN, name="bank", industry="finance")
        catalog.set_residency(s, ADMIN, "bank", "CN-SH")
        catalog.create_provider(s, ADMIN, id="harbour", name="", ownership="private")
        catalog.create_provider(s, ADMIN, id="telecom-cloud", name="", ownership="state-owned")
        catalog.create_pool(s, ADMIN, id="hk-pool", provider="harbour", region="hk", jurisdiction="HK",
                            cluster_id=ids["hk"], certifications=["mlps-3"])
        catalog.create_pool(s, ADMIN, id="sh-pool", provider="telecom-cloud", region="cn-east",
                            jurisdiction="CN-SH", cluster_id="sh")  # by name
        for name, cid in ids.items():
            add_cluster(s, cid, name, now)
        policies.upload(s, ADMIN, RULES.format(effective=now.isoformat()), now)
    return ids


def add_cluster(s: Session, cid: str, name: str, now: datetime) -> None:
    """Cluster ``name`` (engine ``fake``) with one healthy node ``<name>-0`` of 8 H100s."""
    s.add(ComputeCluster(id=cid, name=name, engine="fake", provider="p", region=name, heartbeat_grace_s=3600,
                         config={}, created_at=now))
    s.flush()
    s.add(ComputeNode(id=f"node_{name}", cluster_id=cid, name=f"{name}-0", accelerator_kind="nvidia-h100",
                      accelerator_count=8, memory_gb=80, last_heartbeat_at=now, created_at=now))


def submit(db: Database, classification: str | None, count: int = 8) -> str:
    with db.session() as s:
        job = jobs.submit(s, ADMIN, "bank", jobs.JobRequest(command=["true"], accelerators=count,
                                                            kind="nvidia-h100", classification=classification))
        return job.id


def run_pass(db: Database, controller: JobController, now: datetime) -> None:
    with db.session() as s:
        lease = s.get(SchedulerLease, "scheduler")
        assert lease is not None
        controller.reconcile(s, lease, now, "test")


def job(db: Database, job_id: str) -> TrainingJob:
    with db.session() as s:
        row = s.get(TrainingJob, job_id)
        assert row is not None
        s.expunge(row)
        return row


def test_jobs_are_never_placed_where_policy_forbids(db: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    ids = seed(db, now)
    engine = RecordingEngine()
    controller = JobController(tmp_path, engines={"fake": engine}, min_interval_s=0)
    first = submit(db, "important")
    run_pass(db, controller, now + timedelta(seconds=1))
    # Nodes are tried in topology order (hk first): without policy it would have gone to hk.
    assert job(db, first).cluster_id == ids["sh"]
    assert engine.launched[first].devices[0][0] == "sh-0"

    # sh is full: the next important job waits although hk and bj are idle, and says so.
    second = submit(db, "important")
    public = submit(db, None)
    run_pass(db, controller, now + timedelta(seconds=2))
    waiting = job(db, second)
    assert waiting.state == "pending" and waiting.cluster_id is None and second not in engine.launched
    assert "placement policy excludes 2 node(s)" in (waiting.pending_reason or "")
    assert job(db, public).cluster_id in {ids["hk"], ids["bj"]}  # public data may go anywhere


def test_a_job_no_cluster_is_permitted_to_waits_with_the_rules_as_reason(db: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    seed(db, now)
    controller = JobController(tmp_path, engines={"fake": RecordingEngine()}, min_interval_s=0)
    core = submit(db, "core", count=1)
    for i in (1, 2):
        run_pass(db, controller, now + timedelta(seconds=i))
    row = job(db, core)
    assert row.state == "pending" and row.cluster_id is None
    reason = row.pending_reason or ""
    assert reason.startswith(f"placement policy forbids every cluster to {core} (core data)")
    assert "hk: pool hk-pool excluded by rule important-data-stays-home version 1" in reason
    assert "sh: pool sh-pool excluded by rule core-needs-mlps3 version 1" in reason
    assert "bj is described by no pool" in reason
    with db.session() as s:  # audited once, not once per pass
        assert s.scalar(select(func.count()).select_from(PlacementDecision)
                        .where(PlacementDecision.workload == core)) == 1


def test_unknown_classification_is_refused(db: Database, tmp_path: Path) -> None:
    import pytest

    from suanli.core.errors import InvalidInput

    seed(db, datetime.now(UTC))
    with pytest.raises(InvalidInput, match="unknown data classification"):
        submit(db, "secret")
