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
                 "--steps", "1000000", "--checkpoint-every", "1000000", "--log-every", "1", "--device", "cpu"])
    wait_for(platform, lambda: any(e.get("event") == "step"
                                   for e in _events(borrower.job_logs("borrower", train["id"])["data"])), 90)
    claim = owner.submit_job("owner", script="echo owner ran", accelerators=8, kind="nvidia-h100")
    platform.runner.run_pass()
    assert any("reclaimed" in e["message"] for e in borrower.job_events("borrower", train["id"]))
    wait_for(platform, job_state(borrower, "borrower", train["id"], "preempted", "pending"), 60)
    wait_for(platform, job_state(owner, "owner", claim["id"], "succeeded"), 30)
    # Back on its devices, it resumes from the checkpoint it wrote when it was stopped.
    again = wait_for(platform, job_state(borrower, "borrower", train["id"], "running"), 60)
    assert again["preemptions"] == 1 and again["restart_count"] == 0

    def resumed() -> list[dict[str, object]]:
        events = _events(borrower.job_logs("borrower", train["id"])["data"])
        return events if any(e["event"] == "resumed" for e in events) else []

    events = wait_for(platform, resumed, 90)
    stopped = next(e for e in events if e["event"] == "stopped")
    resume = next(e for e in events if e["event"] == "resumed")
    assert stopped["checkpointed"] is True
    assert resume["step"] == stopped["step"] and resume["restart_count"] == 1
    assert any((Path(platform.home) / "checkpoints").rglob("step-*"))
    states = [e["state"] for e in borrower.job_events("borrower", train["id"])]
    assert states.count("starting") == 2 and "preempted" in states
    borrower.cancel_job("borrower", train["id"])
    wait_for(platform, job_state(borrower, "borrower", train["id"], "cancelled"), 60)
    final = [e for e in _events(borrower.job_logs("borrower", train["id"])["data"]) if e["event"] == "stopped"]
    assert len(final) == 2 and final[-1]["checkpointed"] is True  # cancel is SIGTERM too: it checkpointed again
