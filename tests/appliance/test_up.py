"""``suanli up`` as a user runs it: a real process, its signals, its home, and crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from tests.conftest import free_port

from suanli.state.db import Database


class Server:
    def __init__(self, home: Path, database_url: str) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SUANLI_HOME": str(home), "SUANLI_DATABASE_URL": database_url}
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> float:
        """Start and wait until /healthz answers; returns the seconds it took."""
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "suanli.cli", "up", "--port", str(self.port)], env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        while time.monotonic() - started < 30:
            if self.proc.poll() is not None:
                raise AssertionError(f"suanli up exited: {self.proc.communicate()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("suanli up did not become healthy in 30 s")

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        assert self.proc is not None
        self.proc.send_signal(sig)
        _, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, err

    def token(self) -> str:
        return (self.home / "admin.key").read_text().strip()


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    s = Server(tmp_path / "home", database_url)
    yield s
    if s.proc and s.proc.poll() is None:
        s.proc.kill()
        s.proc.wait()


def test_up_serves_and_stops_cleanly(server: Server) -> None:
    server.start()
    key_file = server.home / "admin.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    auth = {"Authorization": f"Bearer {server.token()}"}
    deadline = time.monotonic() + 15  # /healthz answers first; /readyz once the controllers finished a pass
    while (ready := httpx.get(f"{server.url}/readyz").json())["status"] != "ready" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready == {"status": "ready", "database": True, "controllers": True}
    httpx.post(f"{server.url}/api/v1/tenants", json={"name": "acme"}, headers=auth).raise_for_status()
    metrics = httpx.get(f"{server.url}/metrics").text
    assert 'suanli_http_requests_total{method="POST",route="/api/v1/tenants",status="201"} 1.0' in metrics
    assert "<!doctype html>" in httpx.get(server.url + "/").text.lower()

    second = subprocess.run(
        [sys.executable, "-m", "suanli.cli", "up", "--port", str(free_port())], env=server.env,
        capture_output=True, text=True, timeout=30,
    )
    assert second.returncode == 1 and "already running" in second.stderr and "Traceback" not in second.stderr

    code, err = server.stop(signal.SIGTERM)
    assert code == 0, err
    assert server.token() in err  # printed once, on the first start
    assert not (server.home / "server.json").exists()

    server.start()  # the same home again: no new key, state kept
    assert httpx.get(f"{server.url}/api/v1/tenants/acme", headers=auth).status_code == 200
    code, err = server.stop(signal.SIGINT)
    assert code == 0 and "admin API key" not in err


def test_lost_admin_key_is_replaced(server: Server) -> None:
    server.start()
    old = server.token()
    server.stop()
    (server.home / "admin.key").unlink()
    server.start()
    new = server.token()
    assert new != old
    assert httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_sigkill_during_writes_loses_nothing_and_creates_nothing_twice(server: Server, database_url: str) -> None:
    server.start()
    auth = {"Authorization": f"Bearer {server.token()}"}
    sent: list[int] = []
    stop = threading.Event()

    def write() -> None:
        i = 0
        with httpx.Client(base_url=server.url, headers=auth, timeout=5) as c:
            while not stop.is_set():
                sent.append(i)
                try:
                    c.post("/api/v1/tenants", json={"name": f"crash-{i}"}, headers={"Idempotency-Key": f"k{i}"})
                except httpx.TransportError:
                    return
                i += 1

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(1.5)
    server.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
    server.proc.wait()  # type: ignore[union-attr]
    stop.set()
    writer.join()
    assert len(sent) > 5

    server.start()  # the next start opens the database and repairs
    with httpx.Client(base_url=server.url, headers=auth) as c:
        for i in sent:  # the client retries everything it is unsure of, with the same keys
            r = c.post("/api/v1/tenants", json={"name": f"crash-{i}"}, headers={"Idempotency-Key": f"k{i}"})
            assert r.status_code == 201, r.text
        names = [t["name"] for t in c.get("/api/v1/tenants", params={"limit": 500}).json()["items"]]
    crashed = sorted(n for n in names if n.startswith("crash-"))
    assert crashed == sorted(f"crash-{i}" for i in sent)  # every one exactly once
    server.stop()
    db = Database(database_url)
    with db.session() as s:
        if db.is_sqlite:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        odd = s.execute(text("SELECT count(*) FROM tenants WHERE status NOT IN ('active', 'provisioning')"))
        assert odd.scalar() == 0
    db.dispose()


def test_two_servers_share_one_database(tmp_path: Path, database_url: str) -> None:
    servers = [Server(tmp_path / f"home{i}", database_url) for i in range(2)]
    try:
        for s in servers:
            s.start()
        a, b = servers
        auth_a = {"Authorization": f"Bearer {a.token()}"}
        auth_b = {"Authorization": f"Bearer {b.token()}"}
        for i in range(40):
            target, auth = (a, auth_a) if i % 2 else (b, auth_b)
            httpx.post(f"{target.url}/api/v1/tenants", json={"name": f"t{i}"}, headers=auth).raise_for_status()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            tenants = httpx.get(f"{a.url}/api/v1/tenants", params={"limit": 100}, headers=auth_a).json()["items"]
            if all(t["status"] == "active" for t in tenants):
                break
            time.sleep(0.2)
        assert len(tenants) == 41 and all(t["status"] == "active" for t in tenants)
        events = httpx.get(f"{b.url}/api/v1/audit", params={"limit": 500}, headers=auth_b).json()["items"]
        provisioned = [e["target"] for e in events if e["action"] == "tenant.provisioned"]
        assert sorted(provisioned) == sorted(f"tenants/t{i}" for i in range(40))  # each once, by one server
    finally:
        for s in servers:
            if s.proc and s.proc.poll() is None:
                assert s.stop()[0] == 0
