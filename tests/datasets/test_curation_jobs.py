"""Curation as a platform job: the server curates version N into N+1, resumes after a restart."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.datasets.conftest import World, docs, write_jsonl, write_parquet

from suanli.core import errors
from suanli.data.datasets import curation_run
from suanli.data.datasets.curation_controller import CurationController
from suanli.state.data import CurationJob
from suanli.state.models import utcnow


def controller(world: World) -> CurationController:
    found = [c for c in world.platform.runner.controllers if isinstance(c, CurationController)]  # type: ignore[attr-defined]
    assert len(found) == 1
    return found[0]


def settle(world: World, c: Any, tenant: str, job: str, timeout: float = 120.0) -> dict[str, Any]:
    """Run controller passes until the job is finished."""
    ctl = controller(world)
    deadline = time.monotonic() + timeout
    while True:
        world.platform.runner.run_pass()  # type: ignore[attr-defined]
        ctl.wait(job, timeout=1.0)
        out: dict[str, Any] = c.curation(tenant, "web", job)
        if out["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return out


def upload_with_duplicates(world: World, tmp_path: Path, n: int = 40, dups: int = 15,
                           parquet: bool = False) -> list[dict[str, object]]:
    c = world.client("member")
    c.create_dataset("alpha", "web")
    unique = docs(n, seed=3, width=120)
    src = (write_parquet(tmp_path / "raw.parquet", unique + unique[:dups]) if parquet
           else write_jsonl(tmp_path / "raw.jsonl.gz", unique + unique[:dups]))
    c.upload_dataset("alpha", "web", [src], chunk_size=world.chunk)
    return unique


def test_the_server_curates_a_version_into_the_next(local_world: World, tmp_path: Path) -> None:
    world = local_world
    upload_with_duplicates(world, tmp_path)
    c = world.client("member")
    job = c.curate_dataset("alpha", "web", "zh-dedup")
    assert (job["status"], job["source_version"], job["recipe"], job["report"]) == ("queued", 1, "zh-dedup", None)
    with pytest.raises(errors.Conflict):
        c.curation_report("alpha", "web", job["id"])  # no report before it succeeds
    done = settle(world, c, "alpha", job["id"])
    assert (done["status"], done["result_version"], done["attempts"], done["error"]) == ("succeeded", 2, 1, "")
    assert done["progress"]["docs_in"] == 55 and done["progress"]["docs_out"] == 40
    v2 = c.dataset_version("alpha", "web", 2)
    assert (v2["parent_number"], v2["recipe"], v2["total_documents"], v2["report"]) == (1, "zh-dedup", 40,
                                                                                     done["report"])
    report = c.curation_report("alpha", "web", job["id"])
    assert (report["source_version"], report["docs_in"], report["docs_out"], report["curation"]) == (
        1, 55, 40, job["id"])
    steps = {s["name"]: s for s in report["steps"]}
    assert steps["dedup_exact"]["docs_in"] == 55 and steps["dedup_near"]["docs_out"] == 40
    assert sum(sum(s["removed"].values()) for s in report["steps"]) == 15
    assert report == c.dataset_report("alpha", "web", 2)  # the same stored report, named by the version
    assert [j["id"] for j in c.curations("alpha", "web")] == [job["id"]]
    assert not (world.platform.home / "curations" / job["id"]).exists()  # type: ignore[attr-defined]
    events = [e for e in world.admin.audit(tenant="alpha", limit=200)]
    assert any(e["action"] == "dataset.curation.succeeded" and job["id"] in e["target"] for e in events)
    assert any(e["action"].startswith("POST") or "curations" in e["target"] for e in events)


def test_a_parquet_version_is_curated_into_json_lines(local_world: World, tmp_path: Path) -> None:
    world = local_world
    unique = upload_with_duplicates(world, tmp_path, parquet=True)
    c = world.client("member")
    job = c.curate_dataset("alpha", "web", "zh-dedup")
    done = settle(world, c, "alpha", job["id"])
    assert (done["status"], done["result_version"]) == ("succeeded", 2), done["error"]
    assert (done["progress"]["docs_in"], done["progress"]["docs_out"]) == (55, 40)
    c.export_dataset("alpha", "web", tmp_path / "out.jsonl", version=2)
    kept = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sorted(d["id"] for d in kept) == sorted(d["id"] for d in unique)


def test_bad_requests_are_refused_and_other_tenants_see_nothing(local_world: World, tmp_path: Path) -> None:
    world = local_world
    upload_with_duplicates(world, tmp_path, n=5, dups=1)
    c = world.client("member")
    with pytest.raises(errors.InvalidInput):
        c.curate_dataset("alpha", "web", "/etc/passwd")  # recipes by path would read the server's files
    with pytest.raises(errors.InvalidInput):
        c.curate_dataset("alpha", "web", "zh-dedup", workers=0)
    with pytest.raises(errors.NotFound):
        c.curate_dataset("alpha", "web", "zh-dedup", version=7)
    with pytest.raises(errors.Forbidden):
        world.client("viewer").curate_dataset("alpha", "web", "zh-dedup")
    job = c.curate_dataset("alpha", "web", "zh-dedup")
    beta = world.client("tenant-admin", "beta")
    with pytest.raises(errors.NotFound):
        beta.curation("alpha", "web", job["id"])
    with pytest.raises(errors.NotFound):
        c.curation("alpha", "web", "cur_nope")
    with pytest.raises(errors.Conflict):
        c.delete_dataset("alpha", "web")  # not while it is being curated
    cancelled = c.cancel_curation("alpha", "web", job["id"])
    assert cancelled["cancel_requested"] is True
    done = settle(world, c, "alpha", job["id"])
    assert done["status"] == "cancelled" and done["result_version"] is None
    with pytest.raises(errors.Conflict):
        c.cancel_curation("alpha", "web", job["id"])
    assert [v["number"] for v in c.dataset_versions("alpha", "web")] == [1]


class Crash(Exception):
    """The server died."""


def test_a_job_whose_server_died_is_resumed_without_redoing_shards(
    local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = local_world
    upload_with_duplicates(world, tmp_path)
    monkeypatch.setattr(curation_run, "SHARD_DOCS", 10)  # 55 documents: 6 shards
    c = world.client("member")
    job = c.curate_dataset("alpha", "web", "zh-dedup")
    db = world.platform.db  # type: ignore[attr-defined]
    ctl = controller(world)
    work = ctl._work(job["id"])

    def dies_after_two_shards(stage: str, counters: dict[str, Any]) -> None:
        if counters.get("shards_done", 0) >= 2:
            raise Crash()

    # The first life of the job: a server started it, committed two shards and died.
    with db.session() as s:
        row = s.get(CurationJob, job["id"])
        row.status, row.runner, row.attempts = "running", "dead-server", 1
        row.heartbeat_at = utcnow() - timedelta(minutes=5)
    with pytest.raises(Crash):
        curation_run.run_job(db, world.store, job["id"], work, dies_after_two_shards)
    assert len(list((work / "parts").glob("*"))) >= 2
    done = settle(world, c, "alpha", job["id"])
    assert (done["status"], done["attempts"], done["result_version"]) == ("succeeded", 2, 2)
    assert done["progress"]["shards_resumed"] == 2 and done["progress"]["shards_done"] == 6
    assert c.dataset_version("alpha", "web", 2)["total_documents"] == 40


def test_a_live_runner_on_another_server_is_left_alone(local_world: World, tmp_path: Path) -> None:
    world = local_world
    upload_with_duplicates(world, tmp_path, n=5, dups=1)
    c = world.client("member")
    job = c.curate_dataset("alpha", "web", "zh-dedup")
    db = world.platform.db  # type: ignore[attr-defined]
    with db.session() as s:
        row = s.get(CurationJob, job["id"])
        row.status, row.runner, row.attempts, row.heartbeat_at = "running", "other-server", 1, utcnow()
    world.platform.runner.run_pass()  # type: ignore[attr-defined]
    assert not controller(world).running_here(job["id"])
    assert c.curation("alpha", "web", job["id"])["attempts"] == 1
