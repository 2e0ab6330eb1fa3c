"""The budget's drain setting, through a real server on both databases: once the hard-stop budget is spent,
the running job gets SIGTERM and its grace to checkpoint, the waiting job is cancelled, the deployment is
scaled to zero, each with the budget's reason and an audit event; raising the limit resumes the deployment."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import pytest
from tests.billing.helpers import month_of, tenant_world, usage
from tests.jobs.conftest import wait_for

from suanli.core.errors import Conflict
from suanli.state.models import utcnow

GRACEFUL = """
import signal, sys, time
def stop(*_):
    print("checkpoint written", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("training", flush=True)
time.sleep(120)
"""


@pytest.fixture(autouse=True)
def fake_accelerators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUANLI_LOCAL_ACCELERATORS", "nvidia-h100:8")
    monkeypatch.setenv("SUANLI_SCHEDULER_MIN_INTERVAL_S", "0")


def test_a_spent_budget_drains_running_work_with_its_reason(platform) -> None:  # type: ignore[no-untyped-def]
    admin, actors, tenant_id = tenant_world(platform.url, platform.admin_token)
    owner = actors["tenant-admin"].client(platform.url)
    member = actors["member"].client(platform.url)
    running = member.submit_job("bank", command=[sys.executable, "-c", GRACEFUL], kind="nvidia-h100")
    member.deploy("bank", "svc", engine="external", engine_options={"url": "http://127.0.0.1:9/v1", "model": "m"},
                  regions={"local": {"min_replicas": 1, "max_replicas": 1}})
    wait_for(platform, lambda: "training" in member.job_logs("bank", running["id"])["data"])
    waiting = member.submit_job("bank", command=["true"], accelerators=8, kind="nvidia-h100")  # 1 of 8 is taken
    wait_for(platform, lambda: [r["state"] for r in member.deployment("bank", "svc")["replicas"]] == ["ready"])
    platform.runner.run_pass()
    assert member.job("bank", waiting["id"])["state"] == "pending"

    start = utcnow() + timedelta(seconds=2)  # after the catalog's prices took effect
    month = month_of(start)
    owner.set_budget("bank", month, "1.00", hard_stop=True, running="drain")
    admin.record_usage([usage("u1", tenant_id, start, hours=0.5, units="1")])  # ¥8: past the limit

    def drained() -> dict[str, Any] | None:
        job = member.job("bank", running["id"])
        dep = member.deployment("bank", "svc")
        return {"job": job, "dep": dep} if job["state"] == "cancelled" and not dep["replicas"] else None

    done = wait_for(platform, drained)
    job, dep = done["job"], done["dep"]
    assert job["message"] == "stopped by the budget's hard stop (drain)"
    assert "checkpoint written" in member.job_logs("bank", running["id"])["data"]  # SIGTERM, then its grace
    events = [e["message"] for e in member.job_events("bank", running["id"])]
    assert any(m.startswith("stopping (budget drain, grace 30s to checkpoint): tenant bank has spent ¥8.00")
               for m in events), events
    cancelled = member.job("bank", waiting["id"])
    assert cancelled["state"] == "cancelled"
    assert any("cancelled by the budget (drain)" in e["message"] for e in member.job_events("bank", waiting["id"]))
    assert dep["status"] == "suspended"
    assert dep["autoscaling"]["suspended"].startswith("scaled to zero by the budget (drain): tenant bank has spent")
    with pytest.raises(Conflict, match="suspended"):
        member.update_deployment("bank", "svc", regions={"local": {"min_replicas": 2, "max_replicas": 2}})
    drains = {e["target"] for e in admin.audit(tenant="bank", limit=200) if e["action"] == "budget.drain"}
    assert drains == {f"jobs/{running['id']}", f"jobs/{waiting['id']}", "deployments/svc"}

    platform.runner.run_pass()  # again: nothing is drained twice
    assert len([e for e in admin.audit(tenant="bank", limit=200) if e["action"] == "budget.drain"]) == 3

    owner.set_budget("bank", month, "1000.00", hard_stop=True, running="drain")  # raised: work may run again
    resumed = wait_for(platform, lambda: [r["state"] for r in member.deployment("bank", "svc")["replicas"]] == [
        "ready"] and member.deployment("bank", "svc"))
    assert resumed["status"] == "active" and resumed["autoscaling"].get("suspended") is None
