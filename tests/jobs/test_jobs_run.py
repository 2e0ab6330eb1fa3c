"""A real local job through the API: queued, admitted by the core, run as a process, its output kept."""

from __future__ import annotations

import sys

from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.core.errors import InvalidInput

PRINT_ENV = "import os; print('DEV=' + os.environ.get('{var}', '-'), 'RESTART=' + os.environ['SUANLI_RESTART_COUNT'])"


def test_job_runs_on_fake_gpus_and_succeeds(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    job = member.submit_job("acme", command=[sys.executable, "-c", PRINT_ENV.format(var="CUDA_VISIBLE_DEVICES")],
                            accelerators=2, kind="nvidia-h100", name="hello")
    assert job["state"] == "pending" and job["restart_policy"] == "never"
    done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"))
    assert done["state"] == "succeeded" and done["exit_code"] == 0, done
    out = member.job_logs("acme", job["id"])["data"]
    assert "DEV=0,1 RESTART=0" in out
    states = [e["state"] for e in member.job_events("acme", job["id"])]
    assert states == ["pending", "admitted", "starting", "running", "succeeded"] or \
        states == ["pending", "admitted", "starting", "succeeded"], states
    local = admin.cluster("local")
    assert {(n["accelerator_kind"], n["accelerator_count"]) for n in local["nodes"]} == {
        ("nvidia-h100", 8), ("ascend-910b", 4)}


def test_ascend_devices_come_through_their_own_variable(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    first = member.submit_job("acme", script="sleep 30", accelerators=3, kind="ascend-910b")
    wait_for(platform, job_state(member, "acme", first["id"], "running", "starting"))
    second = member.submit_job(
        "acme", command=[sys.executable, "-c", PRINT_ENV.format(var="ASCEND_RT_VISIBLE_DEVICES")],
        accelerators=1, min_memory_gb=60)  # any kind with >= 60 GB: H100 80 GB or 910B 64 GB
    done = wait_for(platform, job_state(member, "acme", second["id"], "succeeded", "failed"))
    out = member.job_logs("acme", second["id"])["data"]
    # The smallest memory that suffices, on the kind nobody else waits for: the last idle 910B.
    assert done["placement"]["kind"] == "ascend-910b" and "DEV=3 " in out
    member.cancel_job("acme", first["id"])
    wait_for(platform, job_state(member, "acme", first["id"], "cancelled"))


def test_batch_submission_is_all_or_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    ids = member.submit_jobs("acme", [{"command": ["true"], "kind": "nvidia-h100"}, {"script": "exit 0"}])
    assert [j["id"] for j in member.jobs("acme")] == ids
    try:
        member.submit_jobs("acme", [{"command": ["true"]}, {"command": ["true"], "restart_policy": "sometimes"}])
    except InvalidInput as exc:
        assert exc.message.startswith("job 1: invalid restart policy")
    else:
        raise AssertionError("a bad job in a batch must refuse the batch")
    assert len(member.jobs("acme")) == 2
    wait_for(platform, lambda: all(member.job("acme", i)["state"] == "succeeded" for i in ids))
