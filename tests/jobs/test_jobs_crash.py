"""``suanli up`` killed with SIGKILL while local jobs run, then restarted: every job is found and reconciled."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.appliance.test_up import Server
from tests.polling import until

from suanli.client import Client
from suanli.engines.proctree import alive


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    s = Server(tmp_path / "home", database_url)
    s.env["SUANLI_LOCAL_ACCELERATORS"] = "nvidia-h100:8"
    yield s
    if s.proc and s.proc.poll() is None:
        s.proc.kill()
        s.proc.wait()


def _handle(home: Path, job_id: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((home / "jobs" / job_id / "handle.json").read_text())
    return found


def test_jobs_survive_a_sigkilled_server(server: Server) -> None:
    server.start()
    admin = Client(server.url, server.token())
    admin.create_tenant("acme")

    def submit(script: str, **kw: Any) -> str:
        job_id: str = admin.submit_job("acme", script=script, kind="nvidia-h100", **kw)["id"]
        return job_id

    def state(job_id: str) -> str:
        found: str = admin.job("acme", job_id)["state"]
        return found

    finishes = submit("sleep 3; echo finished")  # ends while the server is down
    survives = submit("sleep 120")  # still running after the restart: adopted, not started again
    dies = submit('[ "$SUANLI_RESTART_COUNT" -ge 1 ] && exit 0; sleep 120', restart_policy="on-failure(1)")
    until(lambda: all(state(j) == "running" for j in (finishes, survives, dies)))
    before = {j: _handle(server.home, j) for j in (finishes, survives, dies)}

    server.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
    server.proc.wait()  # type: ignore[union-attr]
    os.killpg(before[dies]["processes"][0]["pid"], signal.SIGKILL)  # its process dies with no exit code
    until(lambda: (server.home / "jobs" / finishes / "exit-0-0").exists(), 20)

    server.start()
    until(lambda: state(finishes) == "succeeded" and state(dies) == "succeeded", 30)
    assert state(survives) == "running"
    assert _handle(server.home, survives) == before[survives]  # the same process, adopted
    pid = before[survives]["processes"][0]["pid"]
    assert alive(pid, before[survives]["processes"][0]["start"])
    log = admin.job_logs("acme", survives)["data"]
    assert log.count("--- suanli: start") == 1  # never started twice
    assert "finished" in admin.job_logs("acme", finishes)["data"]
    died = admin.job("acme", dies)
    assert died["restart_count"] == 1
    assert any("killed" in e["message"] and "restarting" in e["message"] for e in admin.job_events("acme", dies))

    admin.cancel_job("acme", survives)
    until(lambda: state(survives) == "cancelled")
    assert not alive(pid, None)
    code, err = server.stop()
    assert code == 0, err
