"""Replica processes on this host: start, check, stop. The embedded default's engine for serving.

Processes are tagged with their deployment and replica ids, so a controller pass that started one
and then lost its transaction (the row was never written) can find and stop the orphan next time.
Children are stopped when the server process exits: a restarted server restarts its replicas.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Started:
    deployment_id: str
    replica_id: str
    process: subprocess.Popen[bytes]


class LocalProcesses:
    """The replica processes this server started (children), plus liveness checks for any pid."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._children: dict[int, Started] = {}
        self._lock = threading.Lock()
        atexit.register(self.stop_all)

    def start(self, deployment_id: str, replica_id: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
        """Start ``argv`` in its own session with output to ``<log_dir>/<replica>.log``; returns the pid."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{replica_id}.log").open("ab")
        try:
            process = subprocess.Popen(
                list(argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **env, "SUANLI_REPLICA_ID": replica_id},
                start_new_session=True,
            )
        finally:
            log.close()
        with self._lock:
            self._children[process.pid] = Started(deployment_id, replica_id, process)
        return process.pid

    def exit_code(self, pid: int) -> int | None:
        """None while ``pid`` runs; its exit status (or -1 when it is not our child) once gone."""
        child = self._children.get(pid)
        if child is not None:
            return child.process.poll()
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return -1
        except PermissionError:
            return None
        return None

    def stop(self, pid: int, grace_s: float = 10.0) -> None:
        """SIGTERM the replica's process group, SIGKILL after ``grace_s``; idempotent."""
        try:
            os.killpg(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            self._forget(pid)
            return
        child = self._children.get(pid)
        if child is not None:
            try:
                child.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                child.process.wait()
        else:
            deadline = time.monotonic() + grace_s
            while self.exit_code(pid) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.exit_code(pid) is None:
                os.killpg(pid, signal.SIGKILL)
        self._forget(pid)

    def children_of(self, deployment_id: str) -> dict[str, int]:
        """``{replica id: pid}`` of the live children this server started for a deployment."""
        with self._lock:
            return {
                c.replica_id: pid
                for pid, c in self._children.items()
                if c.deployment_id == deployment_id and c.process.poll() is None
            }

    def stop_all(self) -> None:
        """Stop every child (at server exit and in tests)."""
        for pid in list(self._children):
            self.stop(pid, grace_s=5.0)

    def _forget(self, pid: int) -> None:
        with self._lock:
            self._children.pop(pid, None)
