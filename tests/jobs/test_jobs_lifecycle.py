"""Quotas through the core, cancel of a process tree, restart policies, max runtime, lost and drained nodes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.core.errors import Conflict, Forbidden, InvalidInput
from suanli.engines.proctree import alive
from suanli.state.models import utcnow
from suanli.state.training import ComputeNode


def _tenant(platform, name: str = "acme") -> tuple[Client, Client]:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    return admin, make_tenant(admin, platform.url, name)["member"].client(platform.url)


def test_quota_is_enforced_by_the_core(platform) -> None:  # type: ignore[no-untyped-def]
    admin, member = _tenant(platform)
    admin.set_quota("acme", "nvidia-h100", nominal=2, borrowing_limit=1)
    held = member.submit_job("acme", script="sleep 60", accelerators=3, kind="nvidia-h100")
    wait_for(platform, job_state(member, "acme", held["id"], "running"))
    blocked = member.submit_job("acme", script="true", accelerators=1, kind="nvidia-h100")
    platform.runner.run_pass()
    shown = member.job("acme", blocked["id"])
    assert shown["state"] == "pending"
    assert "quota" in shown["pending_reason"] and "3/3" in shown["pending_reason"], shown["pending_reason"]
    queue = member.queue()
    assert [j["id"] for j in queue] == [blocked["id"]] and queue[0]["queue_position"] == 0
    member.cancel_job("acme", held["id"])
    wait_for(platform, job_state(member, "acme", blocked["id"], "succeeded"))


def test_cancel_kills_the_whole_process_tree(platform) -> None:  # type: ignore[no-untyped-def]
    _, member = _tenant(platform)
    script = "sleep 300 & echo $! > pids; setsid sleep 301 & echo $! >> pids; wait"
    job = member.submit_job("acme", script=script, accelerators=1, kind="nvidia-h100")
    pids_file = Path(platform.home) / "jobs" / job["id"] / "work" / "pids"
    wait_for(platform, lambda: pids_file.exists() and len(pids_file.read_text().split()) == 2)
    pids = [int(p) for p in pids_file.read_text().split()]
    assert all(alive(p, None) for p in pids)
    member.cancel_job("acme", job["id"])
    done = wait_for(platform, job_state(member, "acme", job["id"], "cancelled"))
    assert done["finished_at"] is not None
    deadline = time.monotonic() + 5
    while any(alive(p, None) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p, None) for p in pids)  # the one that left the process group too
    with pytest.raises(Conflict):
        member.cancel_job("acme", job["id"])


def test_restart_policy(platform) -> None:  # type: ignore[no-untyped-def]
    _, member = _tenant(platform)
    flaky = 'echo "start $SUANLI_RESTART_COUNT"; [ "$SUANLI_RESTART_COUNT" -ge 1 ] || exit 3'
    retried = member.submit_job("acme", script=flaky, kind="nvidia-h100", restart_policy="on-failure(2)")
    once = member.submit_job("acme", script=flaky, kind="nvidia-h100", restart_policy="never")
    ok = wait_for(platform, job_state(member, "acme", retried["id"], "succeeded", "failed"))
    failed = wait_for(platform, job_state(member, "acme", once["id"], "succeeded", "failed"))
    assert ok["state"] == "succeeded" and ok["restart_count"] == 1
    assert failed["state"] == "failed" and failed["exit_code"] == 3
    assert "start 0" in member.job_logs("acme", retried["id"])["data"]
    assert "start 1" in member.job_logs("acme", retried["id"])["data"]
    assert any("restarting (1/2)" in e["message"] for e in member.job_events("acme", retried["id"]))


def test_max_runtime_stops_the_job(platform) -> None:  # type: ignore[no-untyped-def]
    _, member = _tenant(platform)
    job = member.submit_job("acme", script="sleep 120", kind="nvidia-h100", max_runtime_s=0.5)
    done = wait_for(platform, job_state(member, "acme", job["id"], "failed"))
    assert "max runtime" in done["message"]


def test_bad_submissions_are_refused(platform) -> None:  # type: ignore[no-untyped-def]
    admin, member = _tenant(platform)
    viewer = make_tenant(admin, platform.url, "other")["viewer"].client(platform.url)
    for bad in (
        {"command": ["x"], "script": "y"}, {}, {"command": []}, {"command": ["x"], "kind": "no-such-chip"},
        {"command": ["x"], "accelerators": 3, "nodes": 2}, {"command": ["x"], "restart_policy": "always"},
        {"command": ["x"], "env": {"SUANLI_RESTART_COUNT": "9"}}, {"command": ["x"], "checkpoint_dir": "/etc"},
        {"command": ["x"], "checkpoint_dir": "a/../../b"}, {"command": ["x"], "priority_class": "urgent"},
    ):
        with pytest.raises(InvalidInput):
            member.submit_job("acme", **bad)
    with pytest.raises(Forbidden):
        viewer.submit_job("other", command=["true"])
    assert member.jobs("acme") == []


def test_lost_node_requeues_its_jobs_and_drain_preempts(platform) -> None:  # type: ignore[no-untyped-def]
    admin, member = _tenant(platform)
    admin.create_cluster("sim", engine="local", heartbeat_grace_s=30)
    admin.add_node("sim", "sim1", kind="cambricon-mlu370", count=4)
    admin.add_node("sim", "sim2", kind="cambricon-mlu370", count=4)
    job = member.submit_job("acme", script="sleep 300", accelerators=4, kind="cambricon-mlu370")
    first = wait_for(platform, job_state(member, "acme", job["id"], "running"))
    node_id = first["placement"]["devices"][0][0]
    lost = next(n for n in admin.cluster("sim")["nodes"] if n["id"] == node_id)
    other = "sim2" if lost["name"] == "sim1" else "sim1"
    admin.node_action("sim", other, "heartbeat")
    with platform.db.session() as s:  # the node went silent a minute ago
        s.execute(update(ComputeNode).where(ComputeNode.id == node_id)
                  .values(last_heartbeat_at=utcnow() - timedelta(seconds=60)))
    again = wait_for(platform, lambda: (j := member.job("acme", job["id"]))["state"] == "running"
                     and j["placement"]["devices"][0][0] != node_id and j)
    assert again["preemptions"] == 1
    assert any("stopped heartbeating" in e["message"] for e in member.job_events("acme", job["id"]))
    assert not next(n for n in admin.cluster("sim")["nodes"] if n["id"] == node_id)["healthy"]
    # Drain the node it runs on now: the job is asked to stop and waits, since no other node is healthy.
    admin.node_action("sim", other, "drain")
    drained = wait_for(platform, lambda: (j := member.job("acme", job["id"]))["state"] in ("preempted", "pending")
                       and "cambricon-mlu370" in (j["pending_reason"] or "") and j)  # the pass after the requeue
    assert drained["preemptions"] == 2
    admin.node_action("sim", other, "uncordon")
    wait_for(platform, job_state(member, "acme", job["id"], "running"))
    member.cancel_job("acme", job["id"])
    wait_for(platform, job_state(member, "acme", job["id"], "cancelled"))


def test_cordon_keeps_new_work_off_a_node(platform) -> None:  # type: ignore[no-untyped-def]
    admin, member = _tenant(platform)
    platform.runner.run_pass()  # the local cluster appears with the first pass
    host = next(n for n in admin.cluster("local")["nodes"] if n["accelerator_kind"] == "nvidia-h100")
    admin.node_action("local", host["name"], "cordon")
    job = member.submit_job("acme", script="true", kind="nvidia-h100")
    platform.runner.run_pass()
    assert member.job("acme", job["id"])["state"] == "pending"
    admin.node_action("local", host["name"], "uncordon")
    wait_for(platform, job_state(member, "acme", job["id"], "succeeded"))


def test_control_characters_are_refused_not_stored(platform) -> None:  # type: ignore[no-untyped-def]
    admin, member = _tenant(platform)
    with pytest.raises(InvalidInput):
        member.submit_job("acme", command=["true"], name="bad\x00name")
    with pytest.raises(InvalidInput):
        member.submit_job("acme", script="echo \x00")
    with pytest.raises(InvalidInput):
        admin.create_cluster("east", engine="local", region="cn\x00east")
    admin.create_cluster("east", engine="local", region="cn-east")
    with pytest.raises(InvalidInput):
        admin.add_node("east", "n1", kind="nvidia-h100", count=8, rack="r\x001")
    assert member.jobs("acme") == [] and admin.cluster("east")["nodes"] == []


def test_a_waiting_job_gets_an_estimated_start_from_time_limits(platform) -> None:  # type: ignore[no-untyped-def]
    _, member = _tenant(platform)
    first = member.submit_job("acme", script="sleep 60", accelerators=8, kind="nvidia-h100", max_runtime_s=600)
    running = wait_for(platform, job_state(member, "acme", first["id"], "running"))
    second = member.submit_job("acme", command=["true"], accelerators=8, kind="nvidia-h100")
    platform.runner.run_pass()
    waiting = member.job("acme", second["id"])
    assert waiting["state"] == "pending" and "nvidia-h100" in waiting["pending_reason"]
    estimate = datetime.fromisoformat(waiting["estimated_start_at"])
    started = datetime.fromisoformat(running["started_at"])
    assert started + timedelta(seconds=600) <= estimate <= started + timedelta(seconds=700)
    member.cancel_job("acme", first["id"])
    wait_for(platform, job_state(member, "acme", second["id"], "succeeded"))


def test_servers_sharing_a_database_keep_to_their_own_box(platform) -> None:  # type: ignore[no-untyped-def]
    admin, member = _tenant(platform)
    platform.runner.run_pass()
    other = Client(platform.url, platform.admin_token)
    other.add_node("local", "other-box", kind="nvidia-h100", count=8)  # as another server's pass would
    job = member.submit_job("acme", script="true", accelerators=8, kind="nvidia-h100")
    busy = member.submit_job("acme", script="sleep 60", accelerators=8, kind="nvidia-h100")
    wait_for(platform, job_state(member, "acme", job["id"], "succeeded"))
    wait_for(platform, job_state(member, "acme", busy["id"], "running"))
    names = {n["id"]: n["name"] for n in admin.cluster("local")["nodes"]}
    for j in (job["id"], busy["id"]):  # never launched here on the other server's node
        assert names[member.job("acme", j)["placement"]["devices"][0][0]] != "other-box"
    assert next(n for n in admin.cluster("local")["nodes"] if n["name"] == "other-box")["accelerator_count"] == 8
    member.cancel_job("acme", busy["id"])
    wait_for(platform, job_state(member, "acme", busy["id"], "cancelled"))


def test_a_cluster_config_is_checked_by_its_engine(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    with pytest.raises(InvalidInput, match="take no config"):
        admin.create_cluster("plain", engine="local", config={"address": "http://x"})
    with pytest.raises(InvalidInput, match="at most 8192 bytes"):
        admin.create_cluster("huge", engine="local", config={"x": "y" * 9000})
    assert admin.create_cluster("plain", engine="local")["config"] == {}
