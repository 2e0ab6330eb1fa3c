"""The ``ray`` engine on a real Ray cluster: a head on 127.0.0.2 and a worker on 127.0.0.3, 4 fake H100s each.

The cluster is started once per test session by ``scripts/ray_cluster.py`` and stopped at the end by SIGTERM
to each node's own ``ray start`` PID. Jobs go through the real suanli server (``platform``): the cluster is
created through the REST API, its nodes come from Ray's state API, and jobs run as Ray jobs.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.engines.base import LaunchSpec
from suanli.engines.ray import RayEngine
from suanli.engines.ray_config import RayConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import ray_cluster

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
H100 = {"accelerator_type:H100": 1}


@pytest.fixture(scope="session")
def ray_head() -> Iterator[ray_cluster.RayNode]:
    base = Path(tempfile.mkdtemp(prefix="srt-"))  # short: Ray's socket paths must stay under 107 bytes
    head = ray_cluster.start_head(base / "head", "127.0.0.2", num_gpus=4, resources={**H100, "NPU": 2})
    try:
        worker = ray_cluster.start_worker(base / "worker", head, "127.0.0.3", num_gpus=4, resources=H100)
    except BaseException:
        ray_cluster.stop(head)
        raise
    yield head
    ray_cluster.stop(worker)
    ray_cluster.stop(head)
    shutil.rmtree(base, ignore_errors=True)


def _ray_jobs(head: ray_cluster.RayNode) -> dict[str, dict[str, Any]]:
    return {j["submission_id"]: j for j in httpx.get(f"{head.dashboard}/api/jobs/", timeout=10).json()
            if j.get("submission_id")}


@pytest.fixture
def ray(ray_head: ray_cluster.RayNode, monkeypatch: pytest.MonkeyPatch) -> Iterator[ray_cluster.RayNode]:
    """The shared cluster; whatever a test left running on it is stopped afterwards."""
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")
    monkeypatch.delenv("SUANLI_LOCAL_ACCELERATORS", raising=False)
    yield ray_head
    for sid, j in _ray_jobs(ray_head).items():
        if sid.startswith("suanli-") and j["status"] in ("PENDING", "RUNNING"):
            httpx.post(f"{ray_head.dashboard}/api/jobs/{sid}/stop", timeout=10)


def _setup(platform: Any, head: ray_cluster.RayNode, name: str = "gpu") -> tuple[Client, Client]:
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    admin.create_cluster(name, engine="ray", heartbeat_grace_s=30,
                         config={"address": head.dashboard, "resources": {"NPU": "ascend-910b"}})
    return admin, member


def _nodes(admin: Client, cluster: str) -> dict[str, dict[str, Any]]:
    return {n["name"]: n for n in admin.cluster(cluster)["nodes"]}


def test_a_ray_cluster_runs_a_job_on_the_devices_suanli_chose(platform, ray) -> None:  # type: ignore[no-untyped-def]
    admin, member = _setup(platform, ray)
    nodes = wait_for(platform, lambda: _nodes(admin, "gpu"))
    assert {(k, v["accelerator_kind"], v["accelerator_count"]) for k, v in nodes.items() if v["healthy"]} == {
        ("127-0-0-2", "nvidia-h100", 4), ("127-0-0-3", "nvidia-h100", 4), ("127-0-0-2-ascend-910b", "ascend-910b", 2)}
    script = 'echo "devices=$CUDA_VISIBLE_DEVICES node=$SUANLI_NODE rank=$SUANLI_NODE_RANK"'
    job = member.submit_job("acme", script=script, accelerators=2, kind="nvidia-h100")
    done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"), timeout=60)
    assert done["state"] == "succeeded", done
    node_id, devices = done["placement"]["devices"][0]
    node = next(n for n in nodes.values() if n["id"] == node_id)
    logs = member.job_logs("acme", job["id"])
    expected = f"devices={','.join(str(d) for d in devices)} node={node['name']} rank=0"
    assert expected in logs["data"], logs
    tail = member.job_logs("acme", job["id"], offset=logs["next_offset"] - 10)
    assert tail["data"] == logs["data"][-10:]
    ray_job = _ray_jobs(ray)[f"suanli-{job['id']}-0-0"]
    assert ray_job["status"] == "SUCCEEDED"
    assert ray_job["driver_node_id"] and ray_job["entrypoint"].startswith("CUDA_VISIBLE_DEVICES=")


def test_a_gang_runs_one_rank_per_node_and_npus_get_their_variable(platform, ray) -> None:  # type: ignore[no-untyped-def]
    _, member = _setup(platform, ray)
    script = 'echo "rank=$SUANLI_NODE_RANK of $SUANLI_NUM_NODES devices=$CUDA_VISIBLE_DEVICES"'
    gang = member.submit_job("acme", script=script, accelerators=8, nodes=2, kind="nvidia-h100")
    npu = member.submit_job("acme", script='echo "npus=$ASCEND_RT_VISIBLE_DEVICES"', accelerators=2,
                            kind="ascend-910b")
    for job in (gang, npu):
        done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"), timeout=60)
        assert done["state"] == "succeeded", done
    ranks = _ray_jobs(ray)
    assert ranks[f"suanli-{gang['id']}-0-0"]["status"] == ranks[f"suanli-{gang['id']}-0-1"]["status"] == "SUCCEEDED"
    assert {ranks[f"suanli-{gang['id']}-0-{r}"]["driver_node_id"] for r in (0, 1)}.__len__() == 2
    assert "rank=0 of 2 devices=0,1,2,3" in member.job_logs("acme", gang["id"])["data"]
    assert "npus=0,1" in member.job_logs("acme", npu["id"])["data"]


def test_cancel_stops_the_ray_job(platform, ray) -> None:  # type: ignore[no-untyped-def]
    _, member = _setup(platform, ray)
    job = member.submit_job("acme", script="echo started; sleep 300", accelerators=4, kind="nvidia-h100")
    wait_for(platform, lambda: "started" in member.job_logs("acme", job["id"])["data"], timeout=60)
    member.cancel_job("acme", job["id"])
    done = wait_for(platform, job_state(member, "acme", job["id"], "cancelled"), timeout=30)
    assert done["finished_at"] is not None
    assert _ray_jobs(ray)[f"suanli-{job['id']}-0-0"]["status"] == "STOPPED"


def test_a_killed_node_requeues_its_job(platform, ray) -> None:  # type: ignore[no-untyped-def]
    admin, member = _setup(platform, ray)
    base = Path(tempfile.mkdtemp(prefix="srt-w-"))
    doomed = ray_cluster.start_worker(base, ray, "127.0.0.4", num_gpus=0,
                                      resources={"NPU": 2, "accelerator_type:Ascend910B": 1})
    try:
        wait_for(platform, lambda: "127-0-0-4" in _nodes(admin, "gpu"), timeout=30)
        admin.node_action("gpu", "127-0-0-2-ascend-910b", "cordon")  # so the job lands on the doomed node
        job = member.submit_job("acme", script="echo up on $SUANLI_NODE; sleep 60", accelerators=2,
                                kind="ascend-910b", restart_policy="on-failure(2)")
        wait_for(platform, lambda: "up on 127-0-0-4" in member.job_logs("acme", job["id"])["data"], timeout=60)
        admin.node_action("gpu", "127-0-0-2-ascend-910b", "uncordon")
        ray_cluster.kill_node(doomed)
        try:
            again = wait_for(platform, lambda: "up on 127-0-0-2-ascend-910b" in
                             member.job_logs("acme", job["id"])["data"] and member.job("acme", job["id"]), timeout=60)
        except AssertionError:
            raise AssertionError((member.job("acme", job["id"]), member.job_events("acme", job["id"]),
                                  member.job_logs("acme", job["id"]), _nodes(admin, "gpu"))) from None
        assert again["preemptions"] + again["restart_count"] == 1, again
        events = " ".join(e["message"] for e in member.job_events("acme", job["id"]))
        assert "stopped heartbeating" in events or "restarting (1/2)" in events, events
        assert not _nodes(admin, "gpu")["127-0-0-4"]["healthy"]
        member.cancel_job("acme", job["id"])
        wait_for(platform, job_state(member, "acme", job["id"], "cancelled"), timeout=30)
    finally:
        ray_cluster.stop(doomed)
        shutil.rmtree(base, ignore_errors=True)


def test_a_repeated_launch_is_adopted_not_run_twice(ray, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = RayEngine(RayConfig.of({"address": ray.dashboard}))
    nodes = {r.name: r for r in engine.inventory()}
    assert nodes["127-0-0-3"].count == 4
    spec = LaunchSpec(job_id=f"job_adopt{int(time.time() * 1000)}", tenant="t", command=("sleep", "30"),
                      kind="nvidia-h100", devices=(("127-0-0-3", (1,)),))
    first = engine.submit(spec)
    again = RayEngine(RayConfig.of({"address": ray.dashboard})).submit(spec)  # as after a restart of suanli
    assert first == again
    assert [s for s in _ray_jobs(ray) if s.startswith(f"suanli-{spec.job_id}-")] == [f"suanli-{spec.job_id}-0-0"]
    assert engine.status(spec.job_id, first).state == "running"
    engine.cancel(spec.job_id, first)
    deadline = time.monotonic() + 30
    while engine.status(spec.job_id, first).state == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert engine.status(spec.job_id, first).state == "lost"  # stopped by someone: no exit code of its own
    gone = {"ranks": [{"submission_id": f"suanli-{spec.job_id}-9-0"}]}
    assert engine.status(spec.job_id, gone).state == "lost"
    unreachable = RayEngine(RayConfig.of({"address": "http://127.0.0.9:9"}), timeout_s=1)
    assert unreachable.status(spec.job_id, first).state == "running"  # the node grace decides, not a blip
    assert unreachable.logs(spec.job_id) == b""
