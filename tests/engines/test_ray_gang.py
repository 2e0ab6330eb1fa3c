"""A rank of a gang on Ray, as its actor runs it, here without Ray (the actor is a plain class)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from suanli.engines.ray_gang import RankProcess


def _until_done(rank: RankProcess, timeout: float = 10) -> tuple[bytes, int]:
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data, code = rank.read()
        out += data
        if code is not None:
            return out, code
        time.sleep(0.02)
    raise AssertionError(f"the rank did not end: {out!r}")


def test_a_rank_runs_its_command_with_its_environment_and_passes_on_whole_lines() -> None:
    rank = RankProcess(1)
    assert repr(rank) == "suanli-rank-1"
    rank.start(["sh", "-c", 'printf "part"; sleep 0.3; echo " of a line: $WHO"; exit 3'], {"WHO": "rank 1"})
    time.sleep(0.15)
    assert rank.read() == (b"", None)  # half a line is held back
    assert _until_done(rank) == (b"part of a line: rank 1\n", 3)


def test_sigterm_reaches_the_whole_process_group_and_a_signal_death_reads_as_128_plus_it() -> None:
    rank = RankProcess(0)
    rank.start(["sh", "-c", 'trap "echo got TERM; exit 5" TERM; echo up; sleep 30 & wait'], {})
    deadline = time.monotonic() + 10
    while rank.read()[0] != b"up\n" and time.monotonic() < deadline:
        time.sleep(0.02)
    rank.signal(signal.SIGTERM)
    assert _until_done(rank) == (b"got TERM\n", 5)
    killed = RankProcess(0)
    killed.start(["sleep", "30"], {})
    killed.signal(signal.SIGKILL)
    assert _until_done(killed) == (b"", 128 + signal.SIGKILL)
    killed.signal(signal.SIGTERM)  # an ended rank: nothing to signal


def test_what_a_rank_leaves_running_does_not_keep_it_alive() -> None:
    rank = RankProcess(0)
    started = time.monotonic()
    rank.start(["sh", "-c", "sleep 30 & echo bye"], {})  # the orphan holds the output open
    assert _until_done(rank) == (b"bye\n", 0)
    assert time.monotonic() - started < 5


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_rank_whose_actor_process_is_killed_is_killed_too() -> None:
    """Ray SIGKILLs a rank's actor when its job's driver is killed: a watcher then kills the rank's group."""
    code = ("import sys, time; from suanli.engines.ray_gang import RankProcess; "
            "print(RankProcess(0).start(['sh', '-c', 'sleep 300 & wait'], {}), flush=True); time.sleep(60)")
    actor = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert actor.stdout is not None
        leader = int(actor.stdout.readline())
        time.sleep(0.3)
        group = [p for p in map(int, filter(str.isdigit, os.listdir("/proc"))) if _pgid(p) == leader]
        assert leader in group and len(group) >= 2, group  # the shell and its sleep
    finally:
        actor.kill()
        actor.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in group) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in group)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None
