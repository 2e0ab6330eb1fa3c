"""Start and stop a throw-away Ray cluster on loopback for tests: a head and worker nodes with fake devices.

Every node is one ``ray start --block`` process on its own 127.0.0.x address (Ray silently replaces
127.0.0.1 with the routable address), with its own temp folder, a small object store, usage stats and
token auth off, and every port chosen here. A node is stopped by SIGTERM to its own ``ray start`` PID,
never by ``ray stop`` (which kills every Ray on the machine by name).

Usage: ``python scripts/ray_cluster.py start DIR`` starts a head on 127.0.0.2 (4 fake H100s) and a worker
on 127.0.0.3 (4 fake H100s) and prints the dashboard address; ``python scripts/ray_cluster.py stop DIR``
stops them. The tests call :func:`start_head`, :func:`start_worker` and :func:`stop` directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OBJECT_STORE_BYTES = 80 * 1024 * 1024
ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "disabled",
    "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "2",
    "RAY_JOB_STOP_WAIT_TIME_S": "3",  # the grace Ray's stop_job gives a job between SIGTERM and SIGKILL
    # A killed node is declared dead after about 3 s instead of 15 (test clusters only).
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
}


@dataclass(frozen=True, slots=True)
class RayNode:
    """One running ``ray start --block`` process."""

    ip: str
    pid: int
    temp_dir: Path
    gcs_address: str
    dashboard: str  # the head's dashboard URL (the Jobs API), also on workers for convenience


def _ray() -> str:
    local = Path(sys.executable).parent / "ray"
    if local.exists():
        return str(local)
    venv = ROOT / ".venv" / "bin" / "ray"
    if venv.exists():
        return str(venv)
    raise RuntimeError("Ray is not installed: pip install 'suanli[ray]'")


def _free_ports(ip: str, n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((ip, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _env() -> dict[str, str]:
    return {**os.environ, **ENV}


def _start(base: Path, temp_dir: Path, ip: str, args: list[str], num_gpus: int,
           resources: dict[str, float]) -> subprocess.Popen[bytes]:
    base.mkdir(parents=True, exist_ok=True)
    node_manager, object_manager, agent, agent_grpc, metrics, runtime_env, *_ = _free_ports(ip, 8)
    # Worker ports: a range of its own per node, so two nodes (and other clusters on the box) never collide.
    low = 10000 + (os.getpid() * 37 + int(ip.rsplit(".", 1)[1]) * 211) % 22000  # below the ephemeral ports
    cmd = [
        _ray(), "start", "--block", f"--node-ip-address={ip}", f"--temp-dir={temp_dir}",
        f"--object-store-memory={OBJECT_STORE_BYTES}", "--num-cpus=4", f"--num-gpus={num_gpus}",
        f"--resources={json.dumps(resources)}", "--disable-usage-stats",
        f"--node-manager-port={node_manager}", f"--object-manager-port={object_manager}",
        f"--dashboard-agent-listen-port={agent}", f"--dashboard-agent-grpc-port={agent_grpc}",
        f"--metrics-export-port={metrics}", f"--runtime-env-agent-port={runtime_env}",
        f"--min-worker-port={low}", f"--max-worker-port={low + 199}", *args,
    ]
    log = open(base / "ray-start.log", "ab")  # noqa: SIM115 - the child owns it
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=_env())


def _wait(proc: subprocess.Popen[bytes], ready: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ray start exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        if ready in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"ray start did not become ready in {timeout_s:g}s: {log.read_text(errors='replace')[-2000:]}")


def start_head(base: Path, ip: str = "127.0.0.2", num_gpus: int = 4, resources: dict[str, float] | None = None,
               timeout_s: float = 60.0) -> RayNode:
    """A head node with its dashboard (the Jobs API) on ``ip``; returns once the Jobs API answers."""
    gcs, dashboard, client = _free_ports(ip, 3)
    head = ["--head", f"--port={gcs}", f"--dashboard-host={ip}", f"--dashboard-port={dashboard}",
            f"--ray-client-server-port={client}", "--include-dashboard=true"]
    proc = _start(base, base / "tmp", ip, head, num_gpus, resources or {})
    url = f"http://{ip}:{dashboard}"
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"ray head exited: {(base / 'ray-start.log').read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url + "/api/version", timeout=2) as answer:
            if answer.status == 200:
                break
        if time.monotonic() > deadline:
            stop_pid(proc.pid)
            raise RuntimeError(f"the Ray dashboard at {url} did not answer in {timeout_s:g}s")
        time.sleep(0.3)
    return RayNode(ip, proc.pid, base / "tmp", f"{ip}:{gcs}", url)


def start_worker(base: Path, head: RayNode, ip: str, num_gpus: int = 4, resources: dict[str, float] | None = None,
                 timeout_s: float = 60.0) -> RayNode:
    """A worker node that joins ``head``; returns once ``ray start`` says it joined.

    It shares the head's temp folder: a node's agent finds a job's log under the session folder the head
    announces, which on one box is the head's (each node's sockets get their own names there).
    """
    proc = _start(base, head.temp_dir, ip, [f"--address={head.gcs_address}"], num_gpus, resources or {})
    _wait(proc, "Ray runtime started", base / "ray-start.log", timeout_s)
    return RayNode(ip, proc.pid, head.temp_dir, head.gcs_address, head.dashboard)


def stop_pid(pid: int, timeout_s: float = 20.0) -> None:
    """SIGTERM one ``ray start --block`` process (it stops its own node), then SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child (started by the CLI): poll for its existence
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            done = 0
        if done == pid:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def stop(node: RayNode) -> None:
    stop_pid(node.pid)


def kill_node(node: RayNode) -> None:
    """A node that dies without notice: SIGKILL its raylet (the heart of a node), then its ``ray start``."""
    for line in subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout.splitlines():
        pid, _, args = line.strip().partition(" ")
        if "raylet" in args.split(" ")[0] and f"--node_ip_address={node.ip}" in args and str(node.temp_dir) in args:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
    stop_pid(node.pid)


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: ray_cluster.py start|stop DIR")
    base = Path(sys.argv[2])
    if sys.argv[1] == "start":
        head = start_head(base / "head", resources={"accelerator_type:H100": 1})
        worker = start_worker(base / "worker", head, "127.0.0.3", resources={"accelerator_type:H100": 1})
        (base / "pids").write_text(f"{head.pid} {worker.pid}")
        print(head.dashboard)
        return
    for pid in reversed((base / "pids").read_text().split()):
        stop_pid(int(pid))


if __name__ == "__main__":
    main()
