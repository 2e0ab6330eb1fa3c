"""Start and stop a throw-away Slurm cluster on this box for tests: munged, slurmctld and several slurmd.

Everything is private to the base folder: its own munge key and socket, its own ``slurm.conf`` with ports
chosen free here, state, spool, logs and the ``jobcomp/filetxt`` record of finished jobs. The nodes are
``sim1``..``simN`` on 127.0.0.1, each with ``gpus`` fake GPUs of one GRES type: ``gres.conf`` points at
links to /dev/null (Slurm refuses plain files), so jobs get a real ``CUDA_VISIBLE_DEVICES`` from Slurm.

Every daemon runs in the foreground as a child of the caller and is stopped by its PID (SIGTERM, then
SIGKILL: a slurmd that lost its controller may ignore SIGTERM), never by name.

Usage: ``python scripts/slurm.py start DIR`` prints the cluster as JSON (``slurm_conf`` among others) and
leaves the daemons running; ``python scripts/slurm.py stop DIR`` stops them. Tests call
:func:`start`/:func:`stop` directly. Needs root and Debian's ``slurmctld slurmd slurm-client munge``
(``scripts/install-system-deps.sh``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ports import free_ports

NODE_PREFIX = "sim"


def _binary(name: str) -> str:
    for folder in ("/usr/sbin", "/usr/bin"):
        if os.access(f"{folder}/{name}", os.X_OK):
            return f"{folder}/{name}"
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed: run scripts/install-system-deps.sh "
                           "(apt-get install slurmctld slurmd slurm-client munge)")
    return found


def _conf(base: Path, ports: list[int], nodes: int, gpus: int, gres_type: str) -> str:
    host = socket.gethostname()
    munge_socket = base / "munge" / "munge.socket.2"
    lines = [
        f"ClusterName=suanli{secrets.token_hex(3)}",
        f"SlurmctldHost={host}(127.0.0.1)",
        f"SlurmctldPort={ports[0]}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={munge_socket}",
        f"StateSaveLocation={base / 'state'}",
        f"SlurmdSpoolDir={base / 'spool'}/%n",
        f"SlurmctldPidFile={base / 'run' / 'slurmctld.pid'}",
        f"SlurmdPidFile={base / 'run'}/slurmd-%n.pid",
        f"SlurmctldLogFile={base / 'log' / 'slurmctld.log'}",
        f"SlurmdLogFile={base / 'log'}/slurmd-%n.log",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "GresTypes=gpu",
        "MpiDefault=none",
        "SchedulerParameters=sched_interval=1",
        "ReturnToService=1",  # a node set DOWN by an admin stays down until RESUME (like a dead machine)
        "KillWait=3",
        "InactiveLimit=0",
        "JobCompType=jobcomp/filetxt",
        f"JobCompLoc={base / 'jobcomp.txt'}",
        "SlurmdParameters=config_overrides",
        "SlurmctldDebug=info",
        "SlurmdDebug=info",
    ]
    for i in range(1, nodes + 1):
        lines.append(f"NodeName={NODE_PREFIX}{i} NodeHostname={host} NodeAddr=127.0.0.1 Port={ports[i]} CPUs=8 "
                     f"RealMemory=4000 Gres=gpu:{gres_type}:{gpus} State=UNKNOWN")
    lines.append(f"PartitionName=gpu Nodes={NODE_PREFIX}[1-{nodes}] Default=YES MaxTime=INFINITE State=UP")
    return "\n".join(lines) + "\n"


def start(base: Path, nodes: int = 3, gpus: int = 8, gres_type: str = "a100",
          timeout_s: float = 30.0) -> dict[str, object]:
    """Start munged, slurmctld and ``nodes`` slurmd under ``base``; answers once every node is idle."""
    base = base.resolve()
    for sub in ("munge", "state", "spool", "run", "log", "dev"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "munge").chmod(0o755)
    key = base / "munge" / "munge.key"
    if not key.exists():
        subprocess.run([_binary("mungekey"), "--create", f"--keyfile={key}"], check=True, capture_output=True)
    key.chmod(0o600)
    for i in range(gpus):
        link = base / "dev" / f"nvidia{i}"
        if not link.is_symlink():
            link.symlink_to("/dev/null")
    ports = free_ports(nodes + 1)
    conf = base / "slurm.conf"
    conf.write_text(_conf(base, ports, nodes, gpus, gres_type))
    (base / "gres.conf").write_text(
        "AutoDetect=off\n"
        f"NodeName={NODE_PREFIX}[1-{nodes}] Name=gpu Type={gres_type} File={base / 'dev'}/nvidia[0-{gpus - 1}]\n")
    pids: dict[str, int] = {}
    try:
        pids["munged"] = _spawn(base, "munged", [
            _binary("munged"), "--foreground", "--force", f"--key-file={key}",
            f"--socket={base / 'munge' / 'munge.socket.2'}", f"--pid-file={base / 'run' / 'munged.pid'}",
            f"--log-file={base / 'log' / 'munged.log'}", f"--seed-file={base / 'munge' / 'munged.seed'}"])
        _wait(lambda: (base / "munge" / "munge.socket.2").exists(), timeout_s, "munged did not start", base)
        pids["slurmctld"] = _spawn(base, "slurmctld", [_binary("slurmctld"), "-D", "-i", "-f", str(conf)])
        for i in range(1, nodes + 1):
            name = f"{NODE_PREFIX}{i}"
            pids[name] = _spawn(base, f"slurmd-{name}", [_binary("slurmd"), "-D", "-N", name, "-f", str(conf)])
        (base / "pids.json").write_text(json.dumps(pids))
        names = [f"{NODE_PREFIX}{i}" for i in range(1, nodes + 1)]
        _wait(lambda: _all_idle(conf, names), timeout_s, "the Slurm nodes did not become idle", base)
    except BaseException:
        (base / "pids.json").write_text(json.dumps(pids))
        stop(base)
        raise
    return {"slurm_conf": str(conf), "nodes": names, "gpus": gpus, "gres_type": gres_type,
            "jobcomp": str(base / "jobcomp.txt"), "base": str(base), "pids": pids}


def stop(base: Path, timeout_s: float = 10.0) -> None:
    """Stop every daemon started under ``base`` by its PID (slurmd first, munged last); harmless if none runs."""
    try:
        pids: dict[str, int] = json.loads((base / "pids.json").read_text())
    except (FileNotFoundError, ValueError):
        return
    order = [n for n in pids if n not in ("slurmctld", "munged")] + ["slurmctld", "munged"]
    for group in (order[:-2], ["slurmctld"], ["munged"]):
        live = [pids[n] for n in group if n in pids]
        for pid in live:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while live and time.monotonic() < deadline:
            live = [p for p in live if _running(p)]
            time.sleep(0.05)
        for pid in live:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _running(pid)
    _kill_leftover_steps(base)
    (base / "pids.json").unlink(missing_ok=True)


def _kill_leftover_steps(base: Path) -> None:
    """SIGKILL what outlived its slurmd: job steps (slurmstepd, srun, the job) still bound to this cluster's conf."""
    marker = f"SLURM_CONF={base / 'slurm.conf'}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if marker in environ.split(b"\0"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


def _spawn(base: Path, name: str, cmd: list[str]) -> int:
    log = open(base / "log" / f"{name}.out", "ab")  # noqa: SIM115 (the child keeps it)
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LANG": "C"}
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    log.close()
    return proc.pid


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs; reaps it when it is our exited child."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _all_idle(conf: Path, names: list[str]) -> bool:
    out = subprocess.run([_binary("sinfo"), "--noheader", "--Node", "--format=%N %t"], capture_output=True,
                         text=True, env={"SLURM_CONF": str(conf), "PATH": os.environ.get("PATH", "")}, timeout=10)
    states = dict(line.split() for line in out.stdout.splitlines() if len(line.split()) == 2)
    return all(states.get(n) == "idle" for n in names)


def _wait(ready: object, timeout_s: float, message: str, base: Path) -> None:
    assert callable(ready)
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{message}; see the logs in {base / 'log'}")
        time.sleep(0.1)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "start":
        print(json.dumps(start(Path(sys.argv[2]))))
    elif len(sys.argv) >= 3 and sys.argv[1] == "stop":
        stop(Path(sys.argv[2]).resolve())
    else:
        sys.exit("usage: slurm.py start DIR | stop DIR")
