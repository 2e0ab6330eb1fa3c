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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ports import free_ports

T = TypeVar("T")

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


def _env() -> dict[str, str]:
    return {**os.environ, **ENV}


def _start(base: Path, temp_dir: Path, ip: str, args: list[str], num_gpus: int,
           resources: dict[str, float]) -> subprocess.Popen[bytes]:
    base.mkdir(parents=True, exist_ok=True)
    node_manager, object_manager, agent, agent_grpc, metrics, runtime_env, *_ = free_ports(8, ip)
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


def _launch_head(base: Path, ip: str, num_gpus: int, resources: dict[str, float] | None
                 ) -> tuple[subprocess.Popen[bytes], int, str]:
    gcs, dashboard, client = free_ports(3, ip)
    head = ["--head", f"--port={gcs}", f"--dashboard-host={ip}", f"--dashboard-port={dashboard}",
            f"--ray-client-server-port={client}", "--include-dashboard=true"]
    proc = _start(base, base / "tmp", ip, head, num_gpus, resources or {})
    return proc, gcs, f"http://{ip}:{dashboard}"


def _wait_head(proc: subprocess.Popen[bytes], base: Path, ip: str, gcs: int, url: str, timeout_s: float,
               dashboard: bool = True) -> None:
    """Until the GCS listens (``dashboard`` False) or the Jobs API answers; a head that does not is stopped."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"ray head exited: {(base / 'ray-start.log').read_text(errors='replace')[-2000:]}")
        if dashboard:
            with contextlib.suppress(OSError), urllib.request.urlopen(url + "/api/version", timeout=2) as answer:
                if answer.status == 200:
                    return
        else:
            with contextlib.suppress(OSError), socket.create_connection((ip, gcs), timeout=1):
                return
        if time.monotonic() > deadline:
            stop_pid(proc.pid)
            raise RuntimeError(f"the Ray head at {ip} did not answer in {timeout_s:g}s")
        time.sleep(0.3)


def _retried(first: T, ready: Callable[[T], None], clear: Callable[[T], None], again: Callable[[], T],
             attempts: int) -> T:
    """``first`` once ``ready`` passes; a launch that fails (a loaded box) is cleared away and launched again."""
    launched = first
    for attempt in range(1, attempts + 1):
        try:
            ready(launched)
            return launched
        except RuntimeError:
            clear(launched)
            if attempt == attempts:
                raise
            launched = again()
    raise AssertionError("unreachable")


def _started_head(base: Path, ip: str, num_gpus: int, resources: dict[str, float] | None, timeout_s: float,
                  dashboard: bool) -> tuple[subprocess.Popen[bytes], int, str]:
    """Launch a head and wait for it (two tries)."""

    def ready(head: tuple[subprocess.Popen[bytes], int, str]) -> None:
        _wait_head(head[0], base, ip, head[1], head[2], timeout_s, dashboard)

    def clear(head: tuple[subprocess.Popen[bytes], int, str]) -> None:
        stop_pid(head[0].pid)
        _kill_processes(ip, base / "tmp")

    def launch() -> tuple[subprocess.Popen[bytes], int, str]:
        return _launch_head(base, ip, num_gpus, resources)

    return _retried(launch(), ready, clear, launch, attempts=2)


def start_head(base: Path, ip: str = "127.0.0.2", num_gpus: int = 4, resources: dict[str, float] | None = None,
               timeout_s: float = 60.0) -> RayNode:
    """A head node with its dashboard (the Jobs API) on ``ip``; returns once the Jobs API answers."""
    proc, gcs, url = _started_head(base, ip, num_gpus, resources, timeout_s, dashboard=True)
    return RayNode(ip, proc.pid, base / "tmp", f"{ip}:{gcs}", url)


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A node to start: its loopback address and its fake devices."""

    ip: str
    num_gpus: int = 4
    resources: dict[str, float] = field(default_factory=dict)


def start_cluster(base: Path, head: NodeSpec, workers: Sequence[NodeSpec] = (), timeout_s: float = 60.0
                  ) -> list[RayNode]:
    """A head and its workers, started side by side; returns ``[head, *workers]`` once all are ready.

    Each worker is launched as soon as the head's GCS listens, while the head's dashboard is still
    starting (a worker's ``ray start`` retries the GCS until the head has written its session), so the
    nodes' start-up overlaps instead of adding up. If any node fails, the ones started are stopped.
    """
    proc, gcs, url = _started_head(base / "head", head.ip, head.num_gpus, head.resources, timeout_s,
                                   dashboard=False)
    started = [proc]
    try:
        temp_dir = base / "head" / "tmp"
        address = f"{head.ip}:{gcs}"
        procs = [_start(base / f"worker-{w.ip}", temp_dir, w.ip, [f"--address={address}"], w.num_gpus,
                        w.resources) for w in workers]
        started += procs
        _wait_head(proc, base / "head", head.ip, gcs, url, timeout_s)
        for i, (w, p) in enumerate(zip(workers, procs, strict=True), start=1):
            started[i] = _joined(p, base / f"worker-{w.ip}", temp_dir, w, address, timeout_s)
    except BaseException:
        for p in reversed(started):
            stop_pid(p.pid)
        raise
    return [RayNode(n.ip, p.pid, temp_dir, f"{head.ip}:{gcs}", url) for n, p in zip([head, *workers], started,
                                                                                  strict=True)]


def start_worker(base: Path, head: RayNode, ip: str, num_gpus: int = 4, resources: dict[str, float] | None = None,
                 timeout_s: float = 60.0) -> RayNode:
    """A worker node that joins ``head``; returns once ``ray start`` says it joined.

    It shares the head's temp folder: a node's agent finds a job's log under the session folder the head
    announces, which on one box is the head's (each node's sockets get their own names there).
    """
    spec = NodeSpec(ip, num_gpus, resources or {})
    proc = _start(base, head.temp_dir, ip, [f"--address={head.gcs_address}"], num_gpus, spec.resources)
    proc = _joined(proc, base, head.temp_dir, spec, head.gcs_address, timeout_s)
    return RayNode(ip, proc.pid, head.temp_dir, head.gcs_address, head.dashboard)


def _joined(proc: subprocess.Popen[bytes], base: Path, temp_dir: Path, spec: NodeSpec, address: str,
            timeout_s: float) -> subprocess.Popen[bytes]:
    """Wait for a worker's ``ray start`` to join (three tries).

    On a loaded box a worker's raylet can miss the 30 s that ``ray start`` gives it to register with the
    GCS (Ray hard-codes that wait), and ``ray start`` exits 1 although the head is fine; a second try
    then joins, the head's own start-up being over.
    """

    def clear(worker: subprocess.Popen[bytes]) -> None:
        stop_pid(worker.pid)
        _kill_processes(spec.ip, temp_dir)

    return _retried(proc, lambda worker: _wait(worker, "Ray runtime started", base / "ray-start.log", timeout_s),
                    clear, lambda: _start(base, temp_dir, spec.ip, [f"--address={address}"], spec.num_gpus,
                                          spec.resources), attempts=3)


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
    _kill_processes(node.ip, node.temp_dir, "raylet")
    stop_pid(node.pid)


def _kill_processes(ip: str, temp_dir: Path, program: str = "") -> None:
    """SIGKILL the processes of the node on ``ip`` under ``temp_dir`` (only its ``program`` if given)."""
    for line in subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout.splitlines():
        pid, _, args = line.strip().partition(" ")
        mine = any(f"{flag}={ip}" in args.split(" ") for flag in ("--node_ip_address", "--node-ip-address"))
        if mine and str(temp_dir) in args and program in args.split(" ")[0]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: ray_cluster.py start|stop DIR")
    base = Path(sys.argv[2])
    if sys.argv[1] == "start":
        h100 = {"accelerator_type:H100": 1.0}
        head, worker = start_cluster(base, NodeSpec("127.0.0.2", resources=h100),
                                     [NodeSpec("127.0.0.3", resources=h100)])
        (base / "pids").write_text(f"{head.pid} {worker.pid}")
        print(head.dashboard)
        return
    for pid in reversed((base / "pids").read_text().split()):
        stop_pid(int(pid))


if __name__ == "__main__":
    main()
