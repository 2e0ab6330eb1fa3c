"""The local engine on its own: devices, exit codes, adoption, PID identity, process trees, inventory."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from suanli.core.errors import InvalidInput
from suanli.engines.base import LaunchSpec, RunStatus
from suanli.engines.local import LocalEngine
from suanli.engines.local_inventory import parse_declared
from suanli.engines.proctree import alive, start_time


def _wait(engine: LocalEngine, job: str, handle: dict[str, object], *states: str) -> RunStatus:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        st = engine.status(job, handle)
        if st.state in states:
            return st
        time.sleep(0.02)
    raise AssertionError(f"{job} never reached {states}")


def _spec(job: str, command: list[str], kind: str = "nvidia-h100", devices: tuple[int, ...] = (0,),
          nodes: int = 1, restart: int = 0) -> LaunchSpec:
    return LaunchSpec(job_id=job, tenant="ten_x", command=tuple(command), kind=kind,
                      devices=tuple((f"n{i}", devices) for i in range(nodes)), env={"GREETING": "hi"},
                      restart_count=restart)


def test_devices_environment_and_exit_codes(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path, accelerators="ascend-910b:8")
    # One write per line: both ranks append to one log, and print() writes each argument apart when unbuffered.
    script = ("import os; e = os.environ; os.write(1, ' '.join(map(str, (e['ASCEND_RT_VISIBLE_DEVICES'], "
              "e['SUANLI_NODE_RANK'], e['SUANLI_NUM_NODES'], e['GREETING'], e['SUANLI_RESTART_COUNT'], "
              "os.path.isdir(e['SUANLI_CHECKPOINT_DIR']), os.getcwd().endswith('work')))).encode() + b'\\n')")
    handle = engine.submit(_spec("job_a", [sys.executable, "-c", script], "ascend-910b", (2, 5), nodes=2, restart=3))
    assert _wait(engine, "job_a", handle, "succeeded", "failed") == RunStatus("succeeded", 0)
    out = engine.logs("job_a").decode()
    assert "2,5 0 2 hi 3 True True" in out and "2,5 1 2 hi 3 True True" in out
    assert engine.logs("job_a", offset=len(out.encode())) == b""
    failing = engine.submit(_spec("job_b", ["/bin/sh", "-c", "exit 7"]))
    assert _wait(engine, "job_b", failing, "failed").exit_code == 7
    missing = engine.submit(_spec("job_c", ["/no/such/program"]))
    assert _wait(engine, "job_c", missing, "failed").exit_code == 127


def test_sigterm_lets_the_job_finish_its_checkpoint(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path)
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, lambda *a: (print('checkpointed', flush=True), sys.exit(143)))\n"
            "print('ready', flush=True)\ntime.sleep(60)\n")
    handle = engine.submit(_spec("job_t", [sys.executable, "-c", code]))
    deadline = time.monotonic() + 20
    while b"ready" not in engine.logs("job_t") and time.monotonic() < deadline:
        time.sleep(0.02)
    engine.cancel("job_t", handle)
    assert _wait(engine, "job_t", handle, "failed").exit_code == 143
    assert b"checkpointed" in engine.logs("job_t")


def test_a_second_launch_of_the_same_start_adopts_the_live_process(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path)
    first = engine.submit(_spec("job_d", ["sleep", "60"]))
    again = LocalEngine(tmp_path).submit(_spec("job_d", ["sleep", "60"]))  # a pass that crashed before commit
    assert again == first
    assert engine.logs("job_d").count(b"--- suanli: start") == 1
    later = engine.submit(_spec("job_d", ["sleep", "60"], restart=1))  # a new start replaces an old one
    deadline = time.monotonic() + 5  # SIGKILL was sent; the kernel ends the process a moment later
    while alive(first["processes"][0]["pid"], first["processes"][0]["start"]) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(first["processes"][0]["pid"], first["processes"][0]["start"])
    engine.cancel("job_d", later, force=True)
    assert _wait(engine, "job_d", later, "lost", "failed").state in ("lost", "failed")


def test_a_reused_pid_is_not_our_job(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path)
    handle = engine.submit(_spec("job_e", ["sleep", "60"]))
    proc = handle["processes"][0]
    assert engine.status("job_e", handle).state == "running"
    impostor = {**handle, "processes": [{**proc, "start": proc["start"] + 1}]}
    assert engine.status("job_e", impostor).state == "lost"
    engine.cancel("job_e", impostor, force=True)  # never signals a process that is not ours
    assert alive(proc["pid"], proc["start"])
    engine.cancel("job_e", handle, force=True)
    _wait(engine, "job_e", handle, "lost", "failed")


def test_cancel_reaches_descendants_that_left_the_group(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path)
    handle = engine.submit(_spec("job_f", ["/bin/sh", "-c", "setsid sleep 77 & echo $! > pid; wait"]))
    pid_file = tmp_path / "jobs" / "job_f" / "work" / "pid"
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    escaped = int(pid_file.read_text())
    group = handle["processes"][0]["pid"]
    while os.getpgid(escaped) == group and time.monotonic() < deadline:  # $! is known before setsid has run
        time.sleep(0.02)
    assert os.getpgid(escaped) != group
    engine.cancel("job_f", handle)
    _wait(engine, "job_f", handle, "failed", "lost")
    deadline = time.monotonic() + 5
    while alive(escaped, None) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(escaped, None)


def test_inventory_from_declaration(tmp_path: Path) -> None:
    nodes = LocalEngine(tmp_path, accelerators="nvidia-h100:8, ascend-910b:4", node_name="box").inventory()
    assert [(n.name, n.kind, n.count, n.memory_gb) for n in nodes] == [
        ("box", "nvidia-h100", 8, 80), ("box-ascend-910b", "ascend-910b", 4, 64)]
    for bad in ("nvidia-h100:x", "no-such-chip:2", "nvidia-h100:0", "nvidia-h100:100000"):
        with pytest.raises(InvalidInput):
            parse_declared(bad)
    with pytest.raises(InvalidInput):
        LocalEngine(tmp_path).job_dir("../etc")


def test_start_time_names_one_process() -> None:
    me = os.getpid()
    assert alive(me, start_time(me)) and not alive(me, (start_time(me) or 0) + 1)
    assert start_time(2**22 + 12345) is None


def test_another_servers_job_is_left_alone(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path)
    handle = engine.submit(_spec("job_g", ["sleep", "60"]))
    foreign = {**handle, "host": "some-other-box"}
    proc = handle["processes"][0]
    engine.cancel("job_g", foreign, force=True)
    assert alive(proc["pid"], proc["start"])
    foreign_dead = {**foreign, "processes": [{**proc, "pid": 2**22 + 4321}]}
    assert engine.status("job_g", foreign_dead).state == "running"  # only its box can tell
    engine.cancel("job_g", handle, force=True)
    _wait(engine, "job_g", handle, "lost", "failed")
