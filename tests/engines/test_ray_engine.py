"""The ``ray`` engine on a real Ray cluster: a head on 127.0.0.2 and a worker on 127.0.0.3, 4 fake H100s each.

The cluster is started once per test session by ``scripts/ray_cluster.py`` (head and worker side by side)
and stopped at the end by SIGTERM to each node's own ``ray start`` PID; every Ray test shares it. Jobs go
through the real suanli server (``platform``): the cluster is created through the REST API, its nodes come
from Ray's state API, and each start of a job runs as one Ray job whose driver holds the gang in a placement
group (what Ray made of it is read back from Ray's own state API).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.helpers import make_tenant
from tests.appliance.test_up import Server
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.engines.base import LaunchSpec
from suanli.engines.ray import RayEngine
from suanli.engines.ray_config import RayConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import ray_cluster
from tests.polling import until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
H100 = {"accelerator_type:H100": 1.0}


@pytest.fixture(scope="session")
def ray_head() -> Iterator[ray_cluster.RayNode]:
    base = Path(tempfile.mkdtemp(prefix="srt-"))  # short: Ray's socket paths must stay under 107 bytes
    head, worker = ray_cluster.start_cluster(base, ray_cluster.NodeSpec("127.0.0.2", 4, {**H100, "NPU": 2}),
                                             [ray_cluster.NodeSpec("127.0.0.3", 4, H100)])
    yield head
    ray_cluster.stop(worker)
    ray_cluster.stop(head)
    shutil.rmtree(base, ignore_errors=True)


def _ray_jobs(head: ray_cluster.RayNode) -> dict[str, dict[str, Any]]:
    return {j["submission_id"]: j for j in httpx.get(f"{head.dashboard}/api/jobs/", timeout=10).json()
            if j.get("submission_id")}


@pytest.fixture(autouse=True)
def quick_inventory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Autouse, so that it runs before ``platform`` builds its controllers (which read these).

    Passes stay at least 0.5 s apart (the default): each reads every job's state from Ray's dashboard,
    which on this box competes with the jobs for the CPU.
    """
    monkeypatch.setenv("SUANLI_INVENTORY_INTERVAL_S", "1")  # Ray's nodes read every second, not every 5
    monkeypatch.delenv("SUANLI_LOCAL_ACCELERATORS", raising=False)


@pytest.fixture
def ray(ray_head: ray_cluster.RayNode) -> Iterator[ray_cluster.RayNode]:
    """The shared cluster; whatever a test left running on it is stopped afterwards."""
    yield ray_head
    for sid, j in _ray_jobs(ray_head).items():
        if sid.startswith("suanli-") and j["status"] in ("PENDING", "RUNNING"):
            httpx.post(f"{ray_head.dashboard}/api/jobs/{sid}/stop", timeout=10)


def _ray_state(head: ray_cluster.RayNode, what: str, **filters: str) -> list[dict[str, Any]]:
    """Rows of Ray's state API (``/api/v0/<what>``), with their details, filtered by equal values."""
    params: list[tuple[str, str]] = [("detail", "1"), ("limit", "10000")]
    for key, value in filters.items():
        params += [("filter_keys", key), ("filter_predicates", "="), ("filter_values", value)]
    rows: list[dict[str, Any]] = httpx.get(f"{head.dashboard}/api/v0/{what}", params=params,
                                           timeout=10).json()["data"]["result"]["result"]
    return rows


def _group(head: ray_cluster.RayNode, submission: str) -> dict[str, Any]:
    (group,) = _ray_state(head, "placement_groups", name=submission)
    return group


def _strategies(head: ray_cluster.RayNode) -> dict[str, str]:
    """Every placement group's strategy, which only a Ray driver can read (``placement_group_table``)."""
    code = ("import json, logging, ray; ray.init(logging_level=logging.WARNING); "
            "print('PGS=' + json.dumps({p['name']: p['strategy'] for p in ray.util.placement_group_table().values()}))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           env={**ray_cluster._env(), "RAY_ADDRESS": head.gcs_address})
    line = next((x for x in found.stdout.splitlines() if x.startswith("PGS=")), None)
    assert line is not None, found.stderr[-2000:]
    strategies: dict[str, str] = json.loads(line.removeprefix("PGS="))
    return strategies


def _node_ids(head: ray_cluster.RayNode) -> dict[str, str]:
    """Ray's node id -> the node's IP, for the alive nodes."""
    return {n["node_id"]: n["node_ip"] for n in _ray_state(head, "nodes") if n["state"] == "ALIVE"}


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
    assert ray_job["driver_node_id"] and ray_job["entrypoint"].endswith(" -m suanli.engines.ray_gang")
    group = _group(ray, f"suanli-{job['id']}-0-0")
    assert group["state"] == "REMOVED"  # the driver removed it when the job ended
    (bundle,) = group["bundles"]
    ip = node["name"].replace("-", ".")
    assert bundle["unit_resources"] == {"GPU": 2.0, f"node:{ip}": 0.001}
    assert _node_ids(ray)[bundle["node_id"]] == ip


_TERM_TRAP = ('trap \'echo "rank $SUANLI_NODE_RANK got TERM"; exit 143\' TERM; echo "rank $SUANLI_NODE_RANK up"; '
              'sleep 300 & wait')


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_gang_runs_as_one_ray_job_in_one_placement_group(platform, ray) -> None:  # type: ignore[no-untyped-def]
    """A two-node gang is one Ray job; Ray's own state shows its STRICT_SPREAD placement group, one bundle
    per chosen node with the devices there, and each rank's actor on its node, in its bundle.

    On SQLite only: where Ray runs each rank and which variable it sets do not depend on the database.
    """
    admin, member = _setup(platform, ray)
    nodes = {n["id"]: n["name"] for n in wait_for(platform, lambda: _nodes(admin, "gpu")).values()}
    script = 'echo "rank=$SUANLI_NODE_RANK of $SUANLI_NUM_NODES node=$SUANLI_NODE devices=$CUDA_VISIBLE_DEVICES"'
    gang = member.submit_job("acme", script=script, accelerators=4, nodes=2, kind="nvidia-h100")
    npu = member.submit_job("acme", script='echo "npus=$ASCEND_RT_VISIBLE_DEVICES"', accelerators=2,
                            kind="ascend-910b")
    for job in (gang, npu):
        done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"), timeout=60)
        assert done["state"] == "succeeded", done
        job["placement"] = done["placement"]
    submission = f"suanli-{gang['id']}-0-0"
    assert [s for s in _ray_jobs(ray) if s.startswith(f"suanli-{gang['id']}-")] == [submission]  # one Ray job
    chosen = [(nodes[node_id], tuple(devices)) for node_id, devices in gang["placement"]["devices"]]
    assert sorted(name for name, _ in chosen) == ["127-0-0-2", "127-0-0-3"]
    logs = member.job_logs("acme", gang["id"])["data"]
    for rank, (name, devices) in enumerate(chosen):
        assert f"rank={rank} of 2 node={name} devices={','.join(map(str, devices))}\n" in logs, logs
    ips = _node_ids(ray)
    group = _group(ray, submission)
    assert group["state"] == "REMOVED"
    assert [(ips[b["node_id"]], b["unit_resources"]) for b in group["bundles"]] == [
        (name.replace("-", "."), {"GPU": float(len(devices)), f"node:{name.replace('-', '.')}": 0.001})
        for name, devices in chosen]
    actors = {a["name"]: a for a in _ray_state(ray, "actors", placement_group_id=group["placement_group_id"])}
    assert sorted(actors) == [f"{submission}-rank-0", f"{submission}-rank-1"]
    for rank, (name, _) in enumerate(chosen):
        assert ips[actors[f"{submission}-rank-{rank}"]["node_id"]] == name.replace("-", ".")
    assert "npus=0,1" in member.job_logs("acme", npu["id"])["data"]
    strategies = _strategies(ray)
    assert strategies[submission] == "STRICT_SPREAD" and strategies[f"suanli-{npu['id']}-0-0"] == "STRICT_PACK"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_gang_ray_cannot_place_waits_whole_and_cancel_removes_its_group(platform, ray) -> None:  # type: ignore[no-untyped-def]
    """Ray's view disagrees with suanli's (a Ray job of someone else holds a node's GPUs): the gang waits in
    ``starting`` with Ray's reason, and no rank runs, not even on the free node; a cancel removes its group."""
    _, member = _setup(platform, ray)
    blocker = f"blocker-{int(time.time() * 1000)}"
    httpx.post(f"{ray.dashboard}/api/jobs/", timeout=10, json={
        "entrypoint": "sleep 300", "submission_id": blocker, "entrypoint_num_cpus": 0, "entrypoint_num_gpus": 4,
        "entrypoint_resources": {"node:127.0.0.3": 0.001}}).raise_for_status()
    try:
        until(lambda: _ray_jobs(ray)[blocker]["status"] == "RUNNING", 60)
        job = member.submit_job("acme", script="echo rank $SUANLI_NODE_RANK ran; sleep 300", accelerators=8, nodes=2,
                                kind="nvidia-h100")
        submission = f"suanli-{job['id']}-0-0"
        waiting = wait_for(platform, lambda: "placement group" in (member.job("acme", job["id"])["pending_reason"]
                                                                   or "") and member.job("acme", job["id"]),
                           timeout=60)
        assert waiting["state"] == "starting", waiting
        assert "placement group (2 bundles)" in waiting["pending_reason"], waiting
        time.sleep(3)  # were it not atomic, the rank on the free node would run now
        assert member.job("acme", job["id"])["state"] == "starting"
        assert _group(ray, submission)["state"] == "PENDING"
        assert not _ray_state(ray, "actors", placement_group_id=_group(ray, submission)["placement_group_id"])
        assert "ran" not in member.job_logs("acme", job["id"])["data"]
        member.cancel_job("acme", job["id"])
        wait_for(platform, job_state(member, "acme", job["id"], "cancelled"), timeout=30)
        assert _ray_jobs(ray)[submission]["status"] == "STOPPED"
        until(lambda: _group(ray, submission)["state"] == "REMOVED", 10)
    finally:
        httpx.post(f"{ray.dashboard}/api/jobs/{blocker}/stop", timeout=10)
    until(lambda: _ray_jobs(ray)[blocker]["status"] == "STOPPED", 30)


def test_cancel_stops_every_rank_and_removes_the_placement_group(platform, ray) -> None:  # type: ignore[no-untyped-def]
    _, member = _setup(platform, ray)
    job = member.submit_job("acme", script=_TERM_TRAP, accelerators=4, nodes=2, kind="nvidia-h100")
    wait_for(platform, lambda: "rank 1 up" in (logs := member.job_logs("acme", job["id"])["data"])
             and "rank 0 up" in logs, timeout=60)
    submission = f"suanli-{job['id']}-0-0"
    assert _group(ray, submission)["state"] == "CREATED"
    member.cancel_job("acme", job["id"])
    done = wait_for(platform, job_state(member, "acme", job["id"], "cancelled"), timeout=30)
    assert done["finished_at"] is not None
    assert _ray_jobs(ray)[submission]["status"] == "STOPPED"
    assert _group(ray, submission)["state"] == "REMOVED"
    logs = member.job_logs("acme", job["id"])["data"]
    assert "rank 0 got TERM" in logs and "rank 1 got TERM" in logs, logs  # SIGTERM first, with time to act


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failing_rank_fails_the_gang_and_stops_the_others(platform, ray) -> None:  # type: ignore[no-untyped-def]
    _, member = _setup(platform, ray)
    script = f'[ "$SUANLI_NODE_RANK" = 1 ] && {{ sleep 2; echo "rank 1 fails"; exit 3; }}; {_TERM_TRAP}'
    job = member.submit_job("acme", script=script, accelerators=4, nodes=2, kind="nvidia-h100")
    done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"), timeout=60)
    assert done["state"] == "failed" and done["exit_code"] == 3, done
    logs = member.job_logs("acme", job["id"])["data"]
    assert "rank 1 fails" in logs and "rank 0 got TERM" in logs and "rank 1 on 127-0-0-" in logs, logs
    assert _group(ray, f"suanli-{job['id']}-0-0")["state"] == "REMOVED"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_killed_node_requeues_its_job(platform, ray) -> None:  # type: ignore[no-untyped-def]
    """A Ray node killed without notice: Ray reports it dead, suanli requeues its job onto another node.

    On SQLite only: what it shows is the Ray engine's reading of a dead node, and the controller's requeue of
    a lost node's jobs is the same code on both backends (tested there with the local and Slurm engines).
    """
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


def test_a_worker_whose_start_fails_is_started_again(ray) -> None:  # type: ignore[no-untyped-def]
    """``ray start`` exiting 1 (as when its raylet misses Ray's 30 s to register on a loaded box) is retried."""
    base = Path(tempfile.mkdtemp(prefix="srt-r-"))
    with (base / "ray-start.log").open("wb") as log:
        failed = subprocess.Popen(["sh", "-c", "echo 'The current node timed out during startup.'; exit 1"],
                                  stdout=log)
    spec = ray_cluster.NodeSpec("127.0.0.5", 0, {"retried": 1})
    joined = ray_cluster._joined(failed, base, ray.temp_dir, spec, ray.gcs_address, timeout_s=60)
    try:
        assert joined.pid != failed.pid and joined.poll() is None
        assert _ray_state(ray, "nodes", node_ip="127.0.0.5", state="ALIVE")
    finally:
        ray_cluster.stop_pid(joined.pid)
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
    assert engine.status(spec.job_id, first).state in ("starting", "running")  # Ray's PENDING, then RUNNING
    assert until(lambda: engine.status(spec.job_id, first).state == "running", 30)
    engine.cancel(spec.job_id, first)
    deadline = time.monotonic() + 30
    while engine.status(spec.job_id, first).state == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert engine.status(spec.job_id, first).state == "lost"  # stopped by someone: no exit code of its own
    gone = {"submission_id": f"suanli-{spec.job_id}-9-0"}
    assert engine.status(spec.job_id, gone).state == "lost"
    unreachable = RayEngine(RayConfig.of({"address": "http://127.0.0.9:9"}), timeout_s=1)
    assert unreachable.status(spec.job_id, first).state == "running"  # the node grace decides, not a blip
    assert unreachable.logs(spec.job_id) == b""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ray_jobs_survive_a_sigkilled_server(tmp_path: Path, database_url: str, ray) -> None:  # type: ignore[no-untyped-def]
    """``suanli up`` killed with SIGKILL while jobs run on Ray, then restarted: every job is found again.

    One job ends while the server is down (read back as succeeded), one outlives it (adopted: the same Ray
    job, no second start), and one is stopped in Ray while the server is down (lost: its restart policy
    starts it once more).

    On SQLite only (about 50 s a run here): what it adds is the Ray engine's side (Ray jobs read back and
    adopted after a restart); that the controller's writes survive a SIGKILL on both backends is what
    ``tests/jobs/test_jobs_crash.py`` and the Slurm crash test show, each on both. It passed on PostgreSQL
    too when it was written.
    """
    release = tmp_path / "release"
    server = Server(tmp_path / "home", database_url)
    server.env.pop("SUANLI_LOCAL_ACCELERATORS", None)
    server.start()
    try:
        admin = Client(server.url, server.token())
        admin.create_cluster("gpu", engine="ray", config={"address": ray.dashboard})
        admin.create_tenant("acme")

        def submit(script: str, **kw: Any) -> str:
            job_id: str = admin.submit_job("acme", script=script, kind="nvidia-h100", **kw)["id"]
            return job_id

        def state(job_id: str) -> str:
            found: str = admin.job("acme", job_id)["state"]
            return found

        finishes = submit(f"echo waiting; while [ ! -e {release} ]; do sleep 0.2; done; echo finished")
        survives = submit("echo started; sleep 300")
        dies = submit('[ "$SUANLI_RESTART_COUNT" -ge 1 ] && exit 0; echo started; sleep 300',
                      restart_policy="on-failure(1)")
        jobs = (finishes, survives, dies)
        until(lambda: all(state(j) == "running" for j in jobs), 90)

        server.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        server.proc.wait()  # type: ignore[union-attr]
        release.touch()
        httpx.post(f"{ray.dashboard}/api/jobs/suanli-{dies}-0-0/stop", timeout=10).raise_for_status()
        until(lambda: _ray_jobs(ray)[f"suanli-{finishes}-0-0"]["status"] == "SUCCEEDED"
               and _ray_jobs(ray)[f"suanli-{dies}-0-0"]["status"] == "STOPPED", 30)

        server.start()
        until(lambda: state(finishes) == "succeeded" and state(dies) == "succeeded", 60)
        assert "finished" in admin.job_logs("acme", finishes)["data"]
        assert state(survives) == "running"
        ours = {s: j["status"] for s, j in _ray_jobs(ray).items() if s.startswith(f"suanli-{survives}-")}
        assert ours == {f"suanli-{survives}-0-0": "RUNNING"}  # adopted, never started again
        assert admin.job_logs("acme", survives)["data"].count("--- suanli: start") == 1
        died = admin.job("acme", dies)
        assert died["restart_count"] == 1 and died["exit_code"] == 0, died
        assert _ray_jobs(ray)[f"suanli-{dies}-1-0"]["status"] == "SUCCEEDED"
        assert f"suanli-{dies}-2-0" not in _ray_jobs(ray)
        assert any("stopped in Ray" in e["message"] and "restarting (1/1)" in e["message"]
                   for e in admin.job_events("acme", dies))
        admin.cancel_job("acme", survives)
        until(lambda: state(survives) == "cancelled", 30)
        assert _ray_jobs(ray)[f"suanli-{survives}-0-0"]["status"] == "STOPPED"
        code, err = server.stop()
        assert code == 0, err
    finally:
        if server.proc and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


