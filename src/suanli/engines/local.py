"""The ``local`` engine: jobs as processes on this box, the embedded default.

Each start of a job runs one process per placed node (its rank), in its own session and process group, in
the job's working directory ``<home>/jobs/<job id>/work``, with stdout and stderr appended to
``<home>/jobs/<job id>/output.log``. The devices come through the vendor's visible-devices variable
(``CUDA_VISIBLE_DEVICES``, ``ASCEND_RT_VISIBLE_DEVICES``, ...), and ``SUANLI_CHECKPOINT_DIR`` and
``SUANLI_RESTART_COUNT`` tell the job where to checkpoint and how often it was restarted.

A small ``/bin/sh`` wrapper writes the exit code to a file when the command ends, so that a job is found
again after suanli itself was killed: the handle records each process's PID and kernel start time, and
:meth:`LocalEngine.status` reads the exit file, or checks that the PID still names the same process (a PID
reused by another program is not our job).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from suanli.core.accelerators import default_table, kind_of, vendor_of
from suanli.core.errors import InvalidInput
from suanli.engines.base import LaunchSpec, NodeReport, RunStatus
from suanli.engines.local_inventory import discover, parse_declared
from suanli.engines.proctree import alive, descendants, start_time

# The wrapper: run the command, then record its exit code atomically. TERM and INT get a no-op trap, so
# the shell outlives its child's graceful stop and still writes the code (the child gets the default
# handlers back on exec, which a trap does not pass on, unlike an ignored signal).
_WRAPPER = 'trap ":" TERM INT; "$@"; rc=$?; echo "$rc" > "$0.tmp" && mv "$0.tmp" "$0"; exit "$rc"'
_HIDDEN_ENV_PREFIXES = ("SUANLI_",)


class LocalEngine:
    """Runs jobs as local process trees under ``home``; ``accelerators`` overrides discovery.

    ``accelerators`` is the ``SUANLI_LOCAL_ACCELERATORS`` syntax (``"nvidia-h100:8"`` or
    ``"nvidia-h100:8,ascend-910b:8"``): fake devices for a box without any, for trials and tests.
    """

    name = "local"

    def __init__(self, home: Path, accelerators: str | None = None, node_name: str | None = None) -> None:
        self.home = home
        self.jobs_dir = home / "jobs"
        self.node_name = node_name or socket.gethostname().split(".")[0].lower()[:63] or "local"
        self.declared = accelerators
        self.host = socket.gethostname()
        self._reports: list[NodeReport] | None = None
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    # inventory ------------------------------------------------------------------------------------

    def inventory(self) -> list[NodeReport]:
        """This box: the declared fake accelerators, else what the vendors' tools find (once per process)."""
        if self._reports is None:
            found = parse_declared(self.declared) if self.declared else discover()
            self._reports = [
                NodeReport(name=self.node_name if i == 0 else f"{self.node_name}-{kind}"[:63], kind=kind,
                           count=count, memory_gb=kind_of(kind).memory_gb if kind in default_table().kinds else 0)
                for i, (kind, count) in enumerate(found)
            ]
        return list(self._reports)

    # processes ------------------------------------------------------------------------------------

    def job_dir(self, job_id: str) -> Path:
        if not job_id.replace("_", "").isalnum():
            raise InvalidInput(f"invalid job id {job_id!r}")
        return self.jobs_dir / job_id

    def submit(self, spec: LaunchSpec) -> dict[str, Any]:
        """Start one process per placed node; the handle lists their PIDs and start times."""
        jdir = self.job_dir(spec.job_id)
        work = jdir / "work"
        work.mkdir(parents=True, exist_ok=True)
        previous = _read_handle(jdir / "handle.json")
        if previous is not None:
            if previous.get("start") == spec.restart_count and self.status(spec.job_id, previous).state == "running":
                return previous  # launched by a pass that crashed before it committed: adopt, never run twice
            self.cancel(spec.job_id, previous, force=True)
        checkpoint = spec.checkpoint_dir or str(jdir / "checkpoints")
        Path(checkpoint).mkdir(parents=True, exist_ok=True)
        variable = vendor_of(spec.kind).visible_devices_env
        base = {k: v for k, v in os.environ.items() if not k.startswith(_HIDDEN_ENV_PREFIXES)}
        base.pop(variable, None)
        processes = []
        with open(jdir / "output.log", "ab") as log:
            log.write(f"--- suanli: start {spec.restart_count} of {spec.job_id} ---\n".encode())
            log.flush()
            for rank, (node, devices) in enumerate(spec.devices):
                exit_file = jdir / f"exit-{spec.restart_count}-{rank}"
                exit_file.unlink(missing_ok=True)
                env = {
                    **base, **spec.env, variable: ",".join(str(d) for d in devices),
                    "SUANLI_JOB_ID": spec.job_id, "SUANLI_TENANT": spec.tenant,
                    "SUANLI_CHECKPOINT_DIR": checkpoint, "SUANLI_RESTART_COUNT": str(spec.restart_count),
                    "SUANLI_NODE_RANK": str(rank), "SUANLI_NUM_NODES": str(len(spec.devices)),
                    "SUANLI_NODE": node, "SUANLI_ACCELERATOR_KIND": spec.kind,
                }
                proc = subprocess.Popen(
                    ["/bin/sh", "-c", _WRAPPER, str(exit_file), *spec.command], cwd=work, env=env,
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )
                self._children[proc.pid] = proc
                processes.append({"pid": proc.pid, "start": start_time(proc.pid), "node": node,
                                  "exit_file": str(exit_file)})
        handle = {"engine": self.name, "host": self.host, "start": spec.restart_count, "processes": processes}
        tmp = jdir / "handle.json.tmp"
        tmp.write_text(json.dumps(handle))
        tmp.replace(jdir / "handle.json")
        return handle

    def status(self, job_id: str, handle: Mapping[str, Any]) -> RunStatus:
        """Exit files first; then whether each recorded process is still the same live process.

        A job started by another server's local engine (several servers on one PostgreSQL) is reported
        running: only its own box can tell, and if that box dies its nodes stop heartbeating.
        """
        if handle.get("host", self.host) != self.host:
            return RunStatus("running", message=f"on {handle['host']}")
        codes: list[int] = []
        running = lost = 0
        for p in handle.get("processes", []):
            self._reap(int(p["pid"]))
            code = _read_exit(Path(p["exit_file"]))
            if code is not None:
                codes.append(code)
            elif alive(int(p["pid"]), p.get("start")):
                running += 1
            else:
                lost += 1
        failed = [c for c in codes if c != 0]
        if failed:
            return RunStatus("failed", failed[0], f"exited with code {failed[0]}")
        if running:
            return RunStatus("running")
        if lost:
            return RunStatus("lost", None, "the job's process ended without an exit code (killed)")
        return RunStatus("succeeded", 0)

    def cancel(self, job_id: str, handle: Mapping[str, Any], *, force: bool = False) -> None:
        """SIGTERM (or SIGKILL with ``force``) to each process group and every descendant that left it."""
        sig = signal.SIGKILL if force else signal.SIGTERM
        if handle.get("host", self.host) != self.host:
            return  # another box's processes: never signal a PID that means something else here
        for p in handle.get("processes", []):
            pid = int(p["pid"])
            if not alive(pid, p.get("start")):
                continue
            tree = descendants(pid)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
            for child in tree:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(child, sig)
            self._reap(pid)

    def logs(self, job_id: str, offset: int = 0, limit: int = 1 << 20) -> bytes:
        path = self.job_dir(job_id) / "output.log"
        try:
            with open(path, "rb") as f:
                f.seek(max(0, offset))
                return f.read(max(0, limit))
        except FileNotFoundError:
            return b""

    def remove(self, job_id: str) -> None:
        """Delete a finished job's directory (logs included)."""
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def _reap(self, pid: int) -> None:
        proc = self._children.get(pid)
        if proc is not None and proc.poll() is not None:
            del self._children[pid]


def _read_handle(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _read_exit(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
