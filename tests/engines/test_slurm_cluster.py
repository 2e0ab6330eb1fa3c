"""The Slurm engine on a real Slurm 22.05 cluster, through the suanli server.

``scripts/slurm.py`` starts munged, slurmctld and three slurmd (``sim1``..``sim3``, eight fake A100s each)
once for the session; every test creates a ``slurm`` cluster pointing at its ``slurm.conf`` and drives the
job controller pass by pass.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.api.helpers import make_tenant
from tests.appliance.test_up import Server
from tests.jobs.conftest import job_state, wait_for
from tests.polling import until

from suanli.client import Client
from suanli.core.errors import InvalidInput
from suanli.engines import slurm_text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import slurm  # noqa: E402

pytestmark = pytest.mark.integration

PRINT = ("import os; print('DEV=' + os.environ.get('CUDA_VISIBLE_DEVICES', '-'),"
         " 'SUANLI=' + os.environ['SUANLI_DEVICES'], 'NODE=' + os.environ['SUANLI_NODE'],"
         " 'RANK=' + os.environ['SUANLI_NODE_RANK'],"
         " 'START=' + os.environ['SUANLI_RESTART_COUNT'])")
GRACEFUL = 'trap \'echo "got TERM, checkpointing"; exit 0\' TERM; echo started; sleep 300 & wait'


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[dict[str, Any]]:
    base = Path(tempfile.mkdtemp(prefix="suanli-slurm-"))
    info = slurm.start(base)
    yield info
    slurm.stop(base)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def every_pass_schedules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")
    monkeypatch.delenv("SUANLI_LOCAL_ACCELERATORS", raising=False)


def scontrol(info: dict[str, Any], *args: str) -> str:
    env = {**os.environ, "SLURM_CONF": info["slurm_conf"]}
    return subprocess.run(["scontrol", *args], env=env, check=True, capture_output=True, text=True).stdout


def squeue(info: dict[str, Any], name: str) -> list[str]:
    env = {**os.environ, "SLURM_CONF": info["slurm_conf"]}
    out = subprocess.run(["squeue", "--noheader", "--states=all", f"--name={name}", "--format=%T"], env=env,
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def connect(platform: Any, info: dict[str, Any]) -> tuple[Client, Client]:
    admin = Client(platform.url, platform.admin_token)
    admin.create_cluster("hpc", engine="slurm", config={"slurm_conf": info["slurm_conf"], "partition": "gpu"})
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    return admin, member


def slurm_nodes(admin: Client) -> dict[str, tuple[str, int, bool]]:
    return {n["name"]: (n["accelerator_kind"], n["accelerator_count"], n["healthy"])
            for n in admin.cluster("hpc")["nodes"]}


def test_nodes_appear_and_a_job_runs_on_its_placed_gpus(platform, slurm_cluster) -> None:  # type: ignore[no-untyped-def]
    admin, member = connect(platform, slurm_cluster)
    wait_for(platform, lambda: len(slurm_nodes(admin)) == 3)
    assert slurm_nodes(admin) == {f"sim{i}": ("nvidia-a100", 8, True) for i in (1, 2, 3)}
    job = member.submit_job("acme", command=[sys.executable, "-c", PRINT], accelerators=2, kind="nvidia-a100")
    done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"))
    assert done["state"] == "succeeded" and done["exit_code"] == 0, done
    out = member.job_logs("acme", job["id"])["data"]
    [line] = [x for x in out.splitlines() if x.startswith("DEV=")]
    fields = dict(f.split("=", 1) for f in line.split())
    node = admin.cluster("hpc")["nodes"]
    placed = {n["id"]: n["name"] for n in node}
    [(node_id, devices)] = done["placement"]["devices"]
    assert fields["NODE"] == placed[node_id] and fields["RANK"] == "0" and fields["START"] == "0"
    assert fields["SUANLI"] == ",".join(map(str, devices))
    assert len(fields["DEV"].split(",")) == 2  # Slurm chose two of the node's GPUs and said which
    assert f"--- suanli: start 0 of {job['id']}" in out
    assert "started by the slurm engine" in [e["message"] for e in member.job_events("acme", job["id"])]


def test_a_two_node_job_runs_one_rank_per_node(platform, slurm_cluster) -> None:  # type: ignore[no-untyped-def]
    admin, member = connect(platform, slurm_cluster)
    wait_for(platform, lambda: len(slurm_nodes(admin)) == 3)
    job = member.submit_job("acme", command=[sys.executable, "-c", PRINT], accelerators=16, nodes=2,
                            kind="nvidia-a100")
    done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"))
    assert done["state"] == "succeeded", done
    lines = [x for x in member.job_logs("acme", job["id"])["data"].splitlines() if x.startswith("DEV=")]
    fields = [dict(f.split("=", 1) for f in x.split()) for x in lines]
    ranks = sorted((f["RANK"], f["NODE"]) for f in fields)
    assert [r for r, _ in ranks] == ["0", "1"] and len({n for _, n in ranks}) == 2
    assert all("DEV=0,1,2,3,4,5,6,7" in x for x in lines)


def test_cancel_stops_a_long_job_gracefully(platform, slurm_cluster) -> None:  # type: ignore[no-untyped-def]
    admin, member = connect(platform, slurm_cluster)
    wait_for(platform, lambda: len(slurm_nodes(admin)) == 3)
    job = member.submit_job("acme", script=GRACEFUL, accelerators=1, kind="nvidia-a100")
    wait_for(platform, job_state(member, "acme", job["id"], "running"))
    wait_for(platform, lambda: "started" in member.job_logs("acme", job["id"])["data"])
    member.cancel_job("acme", job["id"])
    done = wait_for(platform, job_state(member, "acme", job["id"], "cancelled"))
    assert "got TERM, checkpointing" in member.job_logs("acme", job["id"])["data"]
    assert done["state"] == "cancelled"
    # SIGTERM, not a kill: the job exited 0 by itself, so Slurm records it COMPLETED, not CANCELLED.
    assert squeue(slurm_cluster, f"suanli-{job['id']}-0") == ["COMPLETED"]


def test_a_node_set_down_requeues_its_job(platform, slurm_cluster) -> None:  # type: ignore[no-untyped-def]
    admin, member = connect(platform, slurm_cluster)
    wait_for(platform, lambda: len(slurm_nodes(admin)) == 3)
    job = member.submit_job("acme", script=GRACEFUL, accelerators=4, kind="nvidia-a100",
                            restart_policy="on-failure(2)")
    first = wait_for(platform, job_state(member, "acme", job["id"], "running"))
    names = {n["id"]: n["name"] for n in admin.cluster("hpc")["nodes"]}
    [(node_id, _)] = first["placement"]["devices"]
    down = names[node_id]
    scontrol(slurm_cluster, "update", f"NodeName={down}", "State=DOWN", "Reason=suanli-test")
    try:
        def moved() -> dict[str, Any] | None:
            j = member.job("acme", job["id"])
            on = [names.get(i) for i, _ in (j["placement"] or {}).get("devices", [])]
            return j if j["state"] == "running" and on and down not in on else None
        again = wait_for(platform, moved, timeout=60)
        assert slurm_nodes(admin)[down][2] is False  # suanli sees the node as lost
        events = [e["state"] for e in member.job_events("acme", job["id"])]
        assert events.count("running") >= 2 and ("preempted" in events or "pending" in events[1:]), events
        assert again["restart_count"] + again["preemptions"] >= 1
        member.cancel_job("acme", job["id"])
        wait_for(platform, job_state(member, "acme", job["id"], "cancelled"))
    finally:
        scontrol(slurm_cluster, "update", f"NodeName={down}", "State=RESUME")


def slurm_records(info: dict[str, Any], name: str) -> list[dict[str, str]]:
    """Slurm's own records of the jobs named ``name`` (``scontrol show job``)."""
    return [r for r in slurm_text.records(scontrol(info, "--oneliner", "show", "job")) if r.get("JobName") == name]


def sbatch(info: dict[str, Any], *args: str) -> str:
    env = {**os.environ, "SLURM_CONF": info["slurm_conf"]}
    return subprocess.run(["sbatch", "--parsable", *args], env=env, check=True, capture_output=True,
                          text=True).stdout.strip().split(";")[0]


def test_a_job_waiting_inside_slurm_shows_as_starting_with_slurm_s_reason(  # type: ignore[no-untyped-def]
        platform, slurm_cluster) -> None:
    """Work that is not suanli's holds sim1's GPUs: suanli's jobs placed there wait in Slurm (PENDING).

    They stay ``starting`` (not ``running``) with Slurm's reason as their pending reason and in an event; one
    is cancelled while it waits, the other runs once the GPUs are free.
    """
    admin, member = connect(platform, slurm_cluster)
    wait_for(platform, lambda: len(slurm_nodes(admin)) == 3)
    for node in ("sim2", "sim3"):  # so that suanli places the jobs on sim1
        admin.node_action("hpc", node, "cordon")
    filler = sbatch(slurm_cluster, "--nodelist=sim1", "--gres=gpu:a100:8", "--job-name=not-suanli",
                    "--output=/dev/null", "--wrap=sleep 300")
    try:
        wait_for(platform, lambda: "RUNNING" in scontrol(slurm_cluster, "show", "job", filler))
        waits = member.submit_job("acme", script="sleep 2; echo ran", accelerators=1, kind="nvidia-a100")
        cancelled = member.submit_job("acme", script="echo never", accelerators=1, kind="nvidia-a100")

        def shows_slurm_s_reason(job_id: str) -> dict[str, Any] | None:
            [record] = slurm_records(slurm_cluster, f"suanli-{job_id}-0")
            found: dict[str, Any] = member.job("acme", job_id)
            reason = f"waiting in Slurm: {record['Reason']} (Slurm job {record['JobId']} pending)"
            return found if record["Reason"] != "None" and found["pending_reason"] == reason else None

        for job in (waits, cancelled):  # the first waits for "Resources", the second behind it (Priority, ...)
            found = wait_for(platform, lambda j=job: shows_slurm_s_reason(j["id"]))
            assert found["state"] == "starting", found
            assert squeue(slurm_cluster, f"suanli-{job['id']}-0") == ["PENDING"]
        for _ in range(5):  # pass after pass, still waiting: never shown as running
            platform.runner.run_pass()
            time.sleep(0.2)
        assert {member.job("acme", j["id"])["state"] for j in (waits, cancelled)} == {"starting"}
        waited = member.job("acme", waits["id"])
        events = member.job_events("acme", waits["id"])
        assert "running" not in [e["state"] for e in events], events
        assert any(e["message"].startswith("waiting in Slurm: ") for e in events[3:]), events

        member.cancel_job("acme", cancelled["id"])
        done = wait_for(platform, job_state(member, "acme", cancelled["id"], "cancelled"))
        assert done["pending_reason"] is None and "never" not in member.job_logs("acme", cancelled["id"])["data"]
        assert squeue(slurm_cluster, f"suanli-{cancelled['id']}-0") == ["CANCELLED"]
    finally:
        env = {**os.environ, "SLURM_CONF": slurm_cluster["slurm_conf"]}
        subprocess.run(["scancel", filler], env=env, check=False)
    running = wait_for(platform, job_state(member, "acme", waits["id"], "running", "succeeded", "failed"))
    assert running["state"] == "running" and running["pending_reason"] is None, running
    # Its run (and its max runtime) counts from when Slurm started it, not from when it was sent to wait.
    assert datetime.fromisoformat(running["started_at"]) > datetime.fromisoformat(waited["started_at"])
    ran = wait_for(platform, job_state(member, "acme", waits["id"], "succeeded", "failed"))
    assert ran["state"] == "succeeded" and ran["pending_reason"] is None, ran
    assert "ran" in member.job_logs("acme", waits["id"])["data"]


def test_bad_slurm_configs_are_refused(platform, slurm_cluster) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    for config in ({}, {"slurm_conf": "/nonexistent/slurm.conf"}, {"slurm_conf": slurm_cluster["slurm_conf"], "x": 1}):
        with pytest.raises(InvalidInput):
            admin.create_cluster("bad", engine="slurm", config=config)
    assert "bad" not in [c["name"] for c in admin.clusters()]


def test_slurm_jobs_survive_a_sigkilled_server(  # type: ignore[no-untyped-def]
        tmp_path: Path, database_url: str, slurm_cluster) -> None:
    server = Server(tmp_path / "home", database_url)
    server.env.pop("SUANLI_LOCAL_ACCELERATORS", None)
    server.start()
    try:
        admin = Client(server.url, server.token())
        admin.create_cluster("hpc", engine="slurm", config={"slurm_conf": slurm_cluster["slurm_conf"]})
        admin.create_tenant("acme")
        finishes = admin.submit_job("acme", script="sleep 3; echo finished", kind="nvidia-a100")["id"]
        survives = admin.submit_job("acme", script=GRACEFUL, kind="nvidia-a100")["id"]
        until(lambda: all(admin.job("acme", j)["state"] == "running" for j in (finishes, survives)), 60)

        server.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        server.proc.wait()  # type: ignore[union-attr]
        until(lambda: squeue(slurm_cluster, f"suanli-{finishes}-0") == ["COMPLETED"], 30)

        server.start()
        until(lambda: admin.job("acme", finishes)["state"] == "succeeded", 30)
        assert "finished" in admin.job_logs("acme", finishes)["data"]
        assert admin.job("acme", survives)["state"] == "running"
        assert squeue(slurm_cluster, f"suanli-{survives}-0") == ["RUNNING"]  # adopted, not started again
        assert squeue(slurm_cluster, f"suanli-{survives}-1") == []
        assert admin.job_logs("acme", survives)["data"].count("--- suanli: start") == 1
        admin.cancel_job("acme", survives)
        until(lambda: admin.job("acme", survives)["state"] == "cancelled", 30)
        code, err = server.stop()
        assert code == 0, err
    finally:
        if server.proc and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


