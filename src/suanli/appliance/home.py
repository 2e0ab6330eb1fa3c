"""The suanli home: one server per home, guarded by a lock, advertised in ``server.json``."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import IO, Any

from suanli.core.errors import Conflict


class HomeLock:
    """An exclusive ``flock`` on ``<home>/suanli.lock``, released by the kernel if the process dies."""

    def __init__(self, home: Path) -> None:
        self.path = home / "suanli.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        f = open(self.path, "a+")  # noqa: SIM115 - held open for the life of the server
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            f.close()
            raise Conflict(
                f"another suanli server (pid {holder}) is already running on {self.path.parent}; "
                "stop it first, or start this one with --home pointing elsewhere"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._file = f

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def write_server_info(home: Path, info: dict[str, Any]) -> None:
    tmp = home / "server.json.tmp"
    tmp.write_text(json.dumps(info))
    os.replace(tmp, home / "server.json")


def read_server_info(home: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads((home / "server.json").read_text())
        return info
    except (OSError, ValueError):
        return None
