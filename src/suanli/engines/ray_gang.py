"""The driver of one start of a job on Ray (``python -m suanli.engines.ray_gang``): the whole gang at once.

The Ray engine submits this module as the entrypoint of one Ray job per start (its :class:`Gang` comes as
JSON in ``SUANLI_RAY_GANG``). It runs on the cluster, in a Python with suanli and Ray, and:

1. reserves every rank's node and devices in one placement group (one bundle per node, ``STRICT_PACK`` on
   one node, ``STRICT_SPREAD`` across several) and waits until Ray has placed all of it, so that no rank
   starts before the others can (while it waits, the engine reads the job as ``starting``);
2. starts one actor per rank in the rank's bundle; each runs the job's command as a subprocess, in its
   own process group, with the rank's environment (the chosen device indices in the vendor's variable,
   rank, world size and the master address: rank 0's node and a free port there);
3. copies the ranks' output, whole lines, into its own (the Ray job's log);
4. exits with 0 when every rank succeeded; when a rank fails (or its actor or node is lost), stops the
   others and exits with that rank's code; on SIGTERM (the Jobs API's stop) passes SIGTERM to every rank,
   waits for them a little less than the stop's grace (``RAY_JOB_STOP_WAIT_TIME_S``), then SIGKILLs them.

It removes the placement group on every way out. Were the driver itself killed, Ray removes the job's
group and actors, and each rank's process group is killed by a watcher once its actor's process is gone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import ray
from ray.exceptions import RayError
from ray.util.placement_group import PlacementGroup, placement_group, remove_placement_group
from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

from suanli.engines.ray_runs import GANG_ENV, Gang, Rank

CHUNK = 1 << 16
LONG_LINE = 1 << 20  # a partial line longer than this is passed on anyway
POLL_S = (0.1, 1.0)  # how often the ranks' output is read: soon while it flows, less often while quiet
STOPPED = 143  # 128 + SIGTERM


def _say(text: str) -> None:
    sys.stderr.write(f"suanli: {text}\n")
    sys.stderr.flush()


class RankProcess:
    """One rank's command on its node; a Ray actor placed in the rank's bundle (see :func:`_actor`)."""

    def __init__(self, rank: int) -> None:
        self.rank = rank
        self._proc: subprocess.Popen[bytes] | None = None
        self._out = bytearray()
        self._code: int | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # how Ray names the actor in its logs and dashboard
        return f"suanli-rank-{self.rank}"

    def rendezvous(self) -> tuple[str, int]:
        """This node's address and a port free on it now: the gang's master address (asked of rank 0)."""
        ip: str = ray.util.get_node_ip_address()  # type: ignore[no-untyped-call]
        with socket.socket() as s:
            s.bind((ip, 0))
            port: int = s.getsockname()[1]
        return ip, port

    def start(self, command: list[str], env: dict[str, str]) -> int:
        """Start the command in a process group of its own; returns its PID."""
        base = {k: v for k, v in os.environ.items() if k != GANG_ENV}
        self._proc = subprocess.Popen(command, env={**base, **env}, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        # Should this actor's process die without stopping the command (SIGKILL, its job's driver lost), a
        # watcher kills the command's process group, as Ray does for a job's driver. Ray kills a dead worker's
        # direct children, so the watcher is not one: its shell backgrounds it and exits (it is orphaned).
        pid = self._proc.pid
        subprocess.run(["/bin/sh", "-c", f"(while kill -0 {os.getpid()} && kill -0 -{pid}; do sleep 1; done; "
                        f"kill -9 -{pid}) >/dev/null 2>&1 </dev/null &"], start_new_session=True, check=False)
        threading.Thread(target=self._follow, args=(self._proc,), daemon=True).start()
        return self._proc.pid

    def _follow(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        pump = threading.Thread(target=self._pump, args=(proc.stdout.fileno(),), daemon=True)
        pump.start()
        code = proc.wait()
        pump.join(1.0)
        if pump.is_alive():  # what the command left running holds its output open: the rank has ended
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            pump.join()
        with self._lock:
            self._code = code if code >= 0 else 128 - code

    def _pump(self, fd: int) -> None:
        while chunk := os.read(fd, CHUNK):
            with self._lock:
                self._out += chunk

    def read(self) -> tuple[bytes, int | None]:
        """The output since the last read (whole lines until the command ended) and its exit code, once known."""
        with self._lock:
            cut = len(self._out) if self._code is not None else self._out.rfind(b"\n") + 1
            if cut == 0 and len(self._out) > LONG_LINE:
                cut = len(self._out)
            data = bytes(self._out[:cut])
            del self._out[:cut]
            return data, self._code

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the command's process group (nothing if it has not started or has ended)."""
        if self._proc is not None and self._code is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signum)


def _actor(gang: Gang, index: int, rank: Rank, group: PlacementGroup) -> Any:
    """Rank ``index``'s actor, in its bundle, holding its devices there (so Ray sets no other rank's)."""
    count = float(len(rank.devices))
    options: dict[str, Any] = {
        "name": f"{gang.name}-rank-{index}", "num_cpus": 0, "max_restarts": 0,
        "scheduling_strategy": PlacementGroupSchedulingStrategy(group, placement_group_bundle_index=index),
    }
    if count and rank.resource == "GPU":
        options["num_gpus"] = count
    elif count:
        options["resources"] = {rank.resource: count}
    return ray.remote(RankProcess).options(**options).remote(index)


def _gather(refs: list[Any], stopping: threading.Event) -> list[Any] | None:
    """Until every ref is ready (then the refs), or None as soon as the driver is asked to stop."""
    while True:
        done, _ = ray.wait(refs, num_returns=len(refs), timeout=0.5)
        if len(done) == len(refs):
            return refs
        if stopping.is_set():
            return None


class Driver:
    """One start: the placement group, the ranks' actors, and what became of each rank."""

    def __init__(self, gang: Gang, stopping: threading.Event) -> None:
        self.gang = gang
        self.stopping = stopping
        self.actors: list[Any] = []
        self.codes: dict[int, int] = {}
        self.reads: dict[int, Any] = {}  # rank -> its read in flight (a slow node's answer is not dropped)

    def run(self) -> int:
        gang = self.gang
        group = placement_group([r.bundle() for r in gang.ranks], strategy=gang.strategy, name=gang.name)
        try:
            if _gather([group.ready()], self.stopping) is None:
                _say("stopped while waiting for its placement group")
                return STOPPED
            self.actors = [_actor(gang, i, r, group) for i, r in enumerate(gang.ranks)]
            found = _gather([self.actors[0].rendezvous.remote()], self.stopping)
            if found is None:
                return STOPPED
            host, port = ray.get(found[0])
            master = {"SUANLI_MASTER_ADDR": host, "SUANLI_MASTER_PORT": str(port), "MASTER_ADDR": host,
                      "MASTER_PORT": str(port), "WORLD_SIZE": str(len(gang.ranks))}
            started = _gather([a.start.remote(list(gang.command), {**r.env, "NODE_RANK": str(i), **master})
                               for i, (a, r) in enumerate(zip(self.actors, gang.ranks, strict=True))], self.stopping)
            if started is None:
                return STOPPED
            ray.get(started)
            return self._follow()
        except RayError as exc:
            _say(f"the gang failed: {exc}")
            return 1
        finally:
            self._stop()
            remove_placement_group(group)

    def _read(self) -> tuple[int | None, bool]:
        """Copy out what the running ranks wrote: the first failure's exit code (if a rank failed in this
        round) and whether there was any output."""
        for i in range(len(self.actors)):
            if i not in self.codes and i not in self.reads:
                self.reads[i] = self.actors[i].read.remote()
        if not self.reads:
            return None, False
        ready, _ = ray.wait(list(self.reads.values()), num_returns=len(self.reads), timeout=1.0)
        failed: int | None = None
        wrote = False
        for i, ref in [(i, ref) for i, ref in self.reads.items() if ref in ready]:
            del self.reads[i]
            where = f"rank {i} on {self.gang.ranks[i].node}"
            try:
                data, code = ray.get(ref)
            except RayError as exc:
                data, code = b"", 1
                _say(f"{where} was lost: {str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__}")
            if data:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
                wrote = True
            if code is not None:
                self.codes[i] = code
                if code != 0 and failed is None:
                    failed = code
                    if not self.stopping.is_set():
                        _say(f"{where} exited with code {code}")
        return failed, wrote

    def _follow(self) -> int:
        wait = POLL_S[0]
        while len(self.codes) < len(self.actors):
            if self.stopping.is_set():
                return STOPPED
            failed, wrote = self._read()
            if failed is not None:
                return failed
            wait = POLL_S[0] if wrote else min(POLL_S[1], wait * 2)
            time.sleep(wait)
        return 0

    def _stop(self) -> None:
        """SIGTERM to every rank still running, SIGKILL to those still running after the grace."""
        grace = max(0.5, float(os.environ.get("RAY_JOB_STOP_WAIT_TIME_S") or 3) - 1.0)
        deadline = time.monotonic() + grace
        for signum in (signal.SIGTERM, signal.SIGKILL):
            running = [i for i in range(len(self.actors)) if i not in self.codes]
            if not running:
                return
            for i in running:
                self.actors[i].signal.remote(signum)
            while any(i not in self.codes for i in running) and time.monotonic() < deadline:
                with contextlib.suppress(RayError):
                    self._read()
                time.sleep(POLL_S[0])
            deadline = time.monotonic() + 2.0


def main() -> None:
    """Run the gang in ``SUANLI_RAY_GANG``; exit with its outcome (see the module's docstring)."""
    gang = Gang.from_json(os.environ.pop(GANG_ENV))
    ray.init(logging_level=logging.WARNING, log_to_driver=False)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # after ray.init, which sets its own (an immediate exit)
        signal.signal(signum, lambda *_: stopping.set())
    sys.exit(Driver(gang, stopping).run())


if __name__ == "__main__":
    main()
