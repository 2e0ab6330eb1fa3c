"""How the Ray engine reads a start's state from the Jobs API and the state API (answers from a mock head)."""

from __future__ import annotations

from typing import Any

import httpx

from suanli.engines.ray import RayEngine
from suanli.engines.ray_config import RayConfig


def _engine(jobs: dict[str, dict[str, Any]], groups: list[dict[str, Any]], asked: list[str]) -> RayEngine:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/api/v0/placement_groups":
            name = request.url.params["filter_values"]
            rows = [g for g in groups if g["name"] == name]
            return httpx.Response(200, json={"data": {"result": {"result": rows}}})
        if request.url.path.endswith("/stop"):
            return httpx.Response(200, json={"stopped": True})
        found = jobs.get(request.url.path.removeprefix("/api/jobs/"))
        return httpx.Response(200, json=found) if found else httpx.Response(404, text="not found")
    return RayEngine(RayConfig.of({"address": "http://head:8265"}), transport=httpx.MockTransport(answer))


def test_a_running_driver_is_starting_until_its_placement_group_is_placed_then_running() -> None:
    sid = "suanli-job_1-0-0"
    jobs = {sid: {"status": "RUNNING"}}
    groups: list[dict[str, Any]] = []
    asked: list[str] = []
    engine = _engine(jobs, groups, asked)
    handle = {"engine": "ray", "start": 0, "submission_id": sid}
    assert engine.status("job_1", handle).message == "waiting in Ray: the gang's driver is starting"
    groups.append({"name": sid, "state": "PENDING", "bundles": [{}, {}], "stats": {"scheduling_state": "INFEASIBLE"}})
    waiting = engine.status("job_1", handle)
    assert waiting.state == "starting" and waiting.message.endswith("(2 bundles): no node can ever hold it")
    groups[0]["state"] = "CREATED"
    assert engine.status("job_1", handle).state == "running"
    asked.clear()
    assert engine.status("job_1", handle).state == "running"
    assert asked == [f"/api/jobs/{sid}"]  # once placed, the group is not asked for again
    jobs[sid] = {"status": "FAILED", "driver_exit_code": 3}
    assert engine.status("job_1", handle).exit_code == 3


def test_a_handle_of_one_ray_job_per_rank_is_still_read_and_a_broken_gang_stopped() -> None:
    jobs = {"suanli-job_2-0-0": {"status": "RUNNING"}, "suanli-job_2-0-1": {"status": "FAILED", "driver_exit_code": 2}}
    asked: list[str] = []
    engine = _engine(jobs, [], asked)
    handle = {"engine": "ray", "start": 0, "ranks": [{"submission_id": s} for s in sorted(jobs)]}
    assert engine.status("job_2", handle).exit_code == 2
    assert "/api/jobs/suanli-job_2-0-0/stop" in asked and "/api/v0/placement_groups" not in asked
