"""A tinygpt job on borrowed devices is reclaimed by their owner: it checkpoints on SIGTERM, waits, resumes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client


def _events(text: str) -> list[dict[str, object]]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def test_reclaimed_tinygpt_job_checkpoints_and_resumes(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "text.jsonl"
    data.write_text("".join(json.dumps({"text": f"line {i} of a tiny corpus for a tiny model\n" * 4}) + "\n"
                            for i in range(200)))
    admin = Client(platform.url, platform.admin_token)
    borrower = make_tenant(admin, platform.url, "borrower")["member"].client(platform.url)
    owner = make_tenant(admin, platform.url, "owner")["member"].client(platform.url)
    admin.set_quota("owner", "nvidia-h100", nominal=8)
    admin.set_quota("borrower", "nvidia-h100", nominal=0, borrowing_limit=8)
    train = borrower.submit_job(
        "borrower", accelerators=8, kind="nvidia-h100", checkpoint_dir="tiny", name="tinygpt",
        env={"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"},
        command=[sys.executable, "-m", "suanli.training.tinygpt", "--data", str(data), "--out", "model",
                 "--layers", "2", "--width", "32", "--heads", "2", "--context", "32", "--batch-size", "4",
                 "--steps", "400", "--checkpoint-every", "1000", "--log-every", "1", "--device", "cpu"])
    wait_for(platform, lambda: any(e.get("event") == "step"
                                   for e in _events(borrower.job_logs("borrower", train["id"])["data"])), 90)
    claim = owner.submit_job("owner", script="echo owner ran", accelerators=8, kind="nvidia-h100")
    platform.runner.run_pass()
    assert any("reclaimed" in e["message"] for e in borrower.job_events("borrower", train["id"]))
    wait_for(platform, job_state(borrower, "borrower", train["id"], "preempted", "pending"), 60)
    wait_for(platform, job_state(owner, "owner", claim["id"], "succeeded"), 30)
    done = wait_for(platform, job_state(borrower, "borrower", train["id"], "succeeded", "failed"), 120)
    assert done["state"] == "succeeded", borrower.job_logs("borrower", train["id"])["data"][-2000:]
    assert done["preemptions"] == 1 and done["restart_count"] == 0
    events = _events(borrower.job_logs("borrower", train["id"])["data"])
    stopped = next(e for e in events if e["event"] == "stopped")
    resumed = next(e for e in events if e["event"] == "resumed")
    assert stopped["checkpointed"] is True
    assert resumed["step"] == stopped["step"] and resumed["restart_count"] == 1
    assert next(e for e in events if e["event"] == "done")["steps"] == 400
    ckpt = Path(platform.home) / "checkpoints"
    assert any(ckpt.rglob("step-*"))
    states = [e["state"] for e in borrower.job_events("borrower", train["id"])]
    assert states.count("starting") == 2 and "preempted" in states
