"""Neutral placement in the job controller: among permitted clusters the cheaper device-hour fills first.

The real controller and scheduler on both databases, three clusters of one H100 node each; only the engine
that would start processes is replaced (the recording seam of test_enforced_jobs).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from suanli.governance.service import catalog
from suanli.state.db import Database
from suanli.tenancy import tenants
from suanli.training.controller import JobController

from .test_enforced_jobs import ADMIN, RecordingEngine, add_cluster, job, run_pass, submit

H100 = "accelerator-hour/nvidia-h100"


def seed(db: Database, now: datetime, prices: dict[str, str]) -> dict[str, str]:
    """Clusters a (sorted first), b and c, one 8-device node each; a pool with ``prices`` per cluster."""
    ids = {name: f"clu_{name}" for name in ("a", "b", "c")}
    with db.session() as s:
        tenants.create(s, ADMIN, name="bank", industry="finance")
        catalog.set_residency(s, ADMIN, "bank", "CN-SH")
        catalog.create_provider(s, ADMIN, id="state-cloud", name="", ownership="state-owned")
        catalog.create_provider(s, ADMIN, id="private-cloud", name="", ownership="private")
        for name, cid in ids.items():
            add_cluster(s, cid, name, now)
            if name in prices:
                owner = "state-cloud" if name == "a" else "private-cloud"
                catalog.create_pool(s, ADMIN, id=f"{name}-pool", provider=owner, region="cn-east",
                                    jurisdiction="CN-SH", cluster_id=cid)
                catalog.add_price(s, ADMIN, f"{name}-pool", sku=H100, unit_price=Decimal(prices[name]),
                                  effective=None, now=now)
    return ids


def test_the_cheapest_permitted_cluster_fills_first_then_the_next(db: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    ids = seed(db, now, {"a": "30", "b": "20"})  # c has no pool, so no price
    engine = RecordingEngine()
    controller = JobController(tmp_path, engines={"fake": engine}, min_interval_s=0)
    placed = []
    for i in range(3):
        j = submit(db, None, count=8)
        run_pass(db, controller, now + timedelta(seconds=i + 1))
        placed.append(job(db, j).cluster_id)
    # Topology order alone would have taken a first; price takes b (20), then a (30), then unpriced c.
    assert placed == [ids["b"], ids["a"], ids["c"]]


def test_a_one_device_job_goes_to_the_cheaper_cluster(db: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    ids = seed(db, now, {"a": "25", "b": "18", "c": "25"})
    controller = JobController(tmp_path, engines={"fake": RecordingEngine()}, min_interval_s=0)
    j = submit(db, None, count=1)
    run_pass(db, controller, now + timedelta(seconds=1))
    assert job(db, j).cluster_id == ids["b"]


def test_price_comes_before_best_fit_and_follows_a_price_change(db: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    ids = seed(db, now, {"a": "30", "b": "20"})
    engine = RecordingEngine()
    controller = JobController(tmp_path, engines={"fake": engine}, min_interval_s=0)
    seven = submit(db, None, count=7)
    run_pass(db, controller, now + timedelta(seconds=1))
    assert job(db, seven).cluster_id == ids["b"]  # the cheaper one; b has one device left
    with db.session() as s:  # a becomes the cheapest from now + 2 s
        catalog.add_price(s, ADMIN, "a-pool", sku=H100, unit_price=Decimal("10"),
                          effective=now + timedelta(seconds=2), now=now + timedelta(seconds=1))
    one = submit(db, None, count=1)
    run_pass(db, controller, now + timedelta(seconds=3))
    # Best fit alone would take b's last device; a is cheaper now, and price comes first.
    assert job(db, one).cluster_id == ids["a"]


def test_a_gang_never_spans_two_clusters(db: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    seed(db, now, {"a": "30", "b": "20"})
    engine = RecordingEngine()
    controller = JobController(tmp_path, engines={"fake": engine}, min_interval_s=0)
    gang = submit(db, None, count=16)  # two whole nodes: the three clusters have one each
    run_pass(db, controller, now + timedelta(seconds=1))
    row = job(db, gang)
    assert row.state == "pending" and gang not in engine.launched
