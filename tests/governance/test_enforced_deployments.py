"""Placement policy enforced on deployments, on both databases: forbidden regions are refused at creation and
when scaling out, and the real serving controller starts no replica in a region that a later rule forbids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from suanli.core.errors import InvalidInput
from suanli.governance.service import catalog, policies
from suanli.serving.deployments import service
from suanli.serving.deployments.controller import DeploymentController
from suanli.state.db import Database
from suanli.state.serving import Deployment, Replica
from suanli.tenancy import tenants

from .test_enforced_jobs import ADMIN, RULES

EXTERNAL = {"url": "http://127.0.0.1:9/v1", "model": "m"}


def seed(db: Database, now: datetime, rules: bool = True) -> None:
    with db.session() as s:
        tenants.create(s, ADMIN, name="bank", industry="finance")
        catalog.set_residency(s, ADMIN, "bank", "CN-SH")
        catalog.create_provider(s, ADMIN, id="harbour", name="", ownership="private")
        catalog.create_pool(s, ADMIN, id="hk-pool", provider="harbour", region="hk", jurisdiction="HK")
        catalog.create_pool(s, ADMIN, id="sh-pool", provider="harbour", region="sh", jurisdiction="CN-SH")
        if rules:
            policies.upload(s, ADMIN, RULES.format(effective=now.isoformat()), now)


def create(db: Database, regions: list[str], classification: str | None = "important") -> Deployment:
    bounds: dict[str, Any] = {r: {"min_replicas": 1, "max_replicas": 1} for r in regions}
    with db.session() as s:
        dep = service.create(s, ADMIN, "bank", name="chat", model=None, version="latest", engine="external",
                             engine_options=EXTERNAL, regions=bounds, policy="static-peak", slots_per_replica=4,
                             accelerator_kind=None, accelerators_per_replica=0, scale_to_zero_after_s=300,
                             classification=classification)
        s.expunge(dep)
        return dep


def test_a_forbidden_region_is_refused_with_the_rule(db: Database) -> None:
    seed(db, datetime.now(UTC))
    with pytest.raises(InvalidInput) as caught:
        create(db, ["sh", "hk"])
    assert "placement policy forbids region hk to deployment chat (important data)" in caught.value.message
    assert "rule important-data-stays-home version 1" in caught.value.message
    assert set(caught.value.details["forbidden_regions"]) == {"hk"}
    create(db, ["hk"], classification="public")  # public data may go anywhere


def test_scaling_out_into_a_forbidden_region_is_refused(db: Database) -> None:
    seed(db, datetime.now(UTC))
    dep = create(db, ["sh"])
    with db.session() as s, pytest.raises(InvalidInput, match="forbids region hk"):
        service.update(s, ADMIN, "bank", dep.id, regions={"hk": {"min_replicas": 1, "max_replicas": 1}})


def test_the_controller_starts_no_replica_where_a_later_rule_forbids(db: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    seed(db, now, rules=False)
    dep = create(db, ["sh", "hk"])  # no rules yet: both regions accepted
    later = now + timedelta(seconds=5)
    with db.session() as s:
        policies.upload(s, ADMIN, RULES.format(effective=later.isoformat()), now)
    controller = DeploymentController(tmp_path)
    with db.session() as s:
        row = s.get(Deployment, dep.id)
        assert row is not None
        controller.reconcile(s, row, later + timedelta(seconds=1), "test")
    with db.session() as s:
        regions = [r.region for r in s.scalars(select(Replica).where(Replica.deployment_id == dep.id))]
        stored = s.get(Deployment, dep.id)
        assert stored is not None
        assert regions == ["sh"]
        assert "placement policy forbids it" in stored.autoscaling["hk"]["reason"]
