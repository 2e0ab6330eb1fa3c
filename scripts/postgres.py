"""Start and stop a throw-away PostgreSQL server on loopback for the test suite.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user (or
``nobody``). Usage: ``python scripts/postgres.py start DIR PORT`` prints the SQLAlchemy URL;
``python scripts/postgres.py stop DIR`` stops it. The tests call :func:`start`/:func:`stop` directly.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

USER = "app"
PASSWORD = "suanli-test"
DATABASE = "suanli"


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise RuntimeError("PostgreSQL is not installed: run `make system-deps` (apt-get install postgresql)")
    return Path(candidates[-1]).parent


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root but neither a 'postgres' nor a 'nobody' user exists")


def start(base: Path, port: int) -> str:
    """Create a cluster under ``base`` and start it on 127.0.0.1:``port``; returns the database URL."""
    bindir, owner = _bindir(), _owner()
    base.mkdir(parents=True, exist_ok=True)
    data, sock = base / "data", base / "sock"
    sock.mkdir(exist_ok=True)
    pwfile = base / "pwfile"
    pwfile.write_text(PASSWORD)
    for path in (base, sock, pwfile):
        path.chmod(0o755 if path.is_dir() else 0o644)
    if owner:
        # Every parent must be traversable by the server's user.
        for parent in [base, *base.parents]:
            if parent != Path("/"):
                parent.chmod(parent.stat().st_mode | 0o011)
        shutil.chown(base, owner)
        shutil.chown(sock, owner)
    run = lambda cmd: subprocess.run(_as_owner(cmd, owner), check=True, capture_output=True, text=True)  # noqa: E731
    if not data.exists():
        run([str(bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}", "--auth-local=trust",
             "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200")
    run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "postgres.log"), "-w", "-t", "30", "-o", opts,
         "start"])
    created = subprocess.run(
        _as_owner([str(bindir / "createdb"), "-h", str(sock), "-p", str(port), "-U", USER, DATABASE], owner),
        capture_output=True, text=True,
    )
    if created.returncode != 0 and "already exists" not in created.stderr:
        raise RuntimeError(f"createdb failed: {created.stderr.strip()}")
    return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{port}/{DATABASE}"


def stop(base: Path) -> None:
    """Stop the server under ``base`` (fast shutdown); harmless if it is not running."""
    data = base / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(_as_owner([str(_bindir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], _owner()),
                       check=False, capture_output=True)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "start":
        print(start(Path(sys.argv[2]).resolve(), int(sys.argv[3])))
    elif len(sys.argv) >= 3 and sys.argv[1] == "stop":
        stop(Path(sys.argv[2]).resolve())
    else:
        sys.exit("usage: postgres.py start DIR PORT | stop DIR")
