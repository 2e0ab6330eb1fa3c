"""Deleting a finished job's checkpoints through the API: refused while any job may resume from them."""

from __future__ import annotations

import sys

import pytest
from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.core.errors import Conflict

WRITE = ("import os, pathlib; d = pathlib.Path(os.environ['SUANLI_CHECKPOINT_DIR']); "
         "(d / 'step-1').mkdir(parents=True, exist_ok=True); (d / 'step-1' / 'w.bin').write_bytes(b'w' * 1000); "
         "(d / 'latest').write_text('step-1')")


def test_a_finished_jobs_checkpoints_are_deleted_once_nobody_resumes_from_them(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    first = member.submit_job("acme", command=[sys.executable, "-c", WRITE], checkpoint_dir="run1")
    assert wait_for(platform, job_state(member, "acme", first["id"], "succeeded", "failed"))["state"] == "succeeded"
    folder = platform.home / "checkpoints" / member.tenant("acme")["id"] / "run1"
    assert (folder / "step-1" / "w.bin").stat().st_size == 1000
    # A running job keeps its checkpoints in a folder inside run1: it may resume from them.
    second = member.submit_job("acme", script="sleep 60", checkpoint_dir="run1/second")
    wait_for(platform, job_state(member, "acme", second["id"], "running", "starting"))
    with pytest.raises(Conflict, match=f"job\\(s\\) {second['id']} keep checkpoints in or around 'run1'"):
        member.delete_job_checkpoints("acme", first["id"])
    with pytest.raises(Conflict, match="may resume from its checkpoints; cancel it first"):
        member.delete_job_checkpoints("acme", second["id"])
    member.cancel_job("acme", second["id"])
    wait_for(platform, job_state(member, "acme", second["id"], "cancelled"))

    assert member.delete_job_checkpoints("acme", first["id"]) == {"job_id": first["id"], "files": 2, "bytes": 1006}
    assert not folder.exists()
    assert member.delete_job_checkpoints("acme", first["id"])["files"] == 0  # again: nothing left, no error
    events = [e["message"] for e in member.job_events("acme", first["id"])]
    assert "checkpoints deleted by member-acme: 2 file(s), 1006 bytes" in events
    assert member.job("acme", first["id"])["state"] == "succeeded"


def test_the_engines_own_checkpoint_folder_goes_too(platform) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    job = member.submit_job("acme", command=[sys.executable, "-c", WRITE])
    assert wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"))["state"] == "succeeded"
    folder = platform.home / "jobs" / job["id"] / "checkpoints"
    assert (folder / "latest").read_text() == "step-1"
    assert member.delete_job_checkpoints("acme", job["id"])["bytes"] == 1006
    assert not folder.exists() and (platform.home / "jobs" / job["id"]).is_dir()  # its logs stay
