"""Job submissions per second through the REST API of a real ``suanli up``, on SQLite or PostgreSQL.

Run: `.venv/bin/python benchmarks/training/submit_rate.py [--runs 5] [--jobs 3000] [--connections 8]
[--databases sqlite,postgresql] [--baseline GIT-REF]`.

Each run starts a fresh `suanli up` (its own home, SQLite, 8 fake H100s), creates a tenant and a member key,
then sends `POST /api/v1/tenants/acme/jobs` from a separate load process over keep-alive connections, each
request with its own `Idempotency-Key` as the SDK sends it. The load generator is a minimal asyncio HTTP/1.1
client (not httpx), so that the client spends as little of the 2 cores as possible; it shares the machine
with the server all the same. Two modes per run: with the controllers off (the submit path alone) and on
(the scheduler passes over the growing queue while submissions arrive). The median over runs goes to
benchmarks/training/results/submit_rate.md. The issue's target: at least 500 jobs/s on this 2-core box.

``--databases postgresql`` starts a throw-away PostgreSQL with the project's ``scripts/postgres.py`` (as the
tests do: fsync and synchronous_commit off) and gives each run a fresh database. ``--baseline REF`` compares
side by side: the ``src/`` of that commit (``git archive``) serves the same load in alternate runs, and the
table (to benchmarks/training/results/submit_rate_side_by_side.md) shows both medians and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import io
import itertools
import json
import multiprocessing
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).parent / "results" / "submit_rate.md"
SIDE_BY_SIDE = Path(__file__).parent / "results" / "submit_rate_side_by_side.md"
JOB = {"command": ["python", "train.py"], "accelerators": 1, "kind": "nvidia-h100"}
WARM_UP = 10
"""Requests sent before the clock starts: the rate measured is the sustained one, not the first request's."""


def body(batch: int) -> tuple[str, bytes]:
    """The path and body of one request carrying ``batch`` jobs (1: the plain submit route)."""
    if batch == 1:
        return "/api/v1/tenants/acme/jobs", json.dumps(JOB).encode()
    return "/api/v1/tenants/acme/job-batches", json.dumps({"jobs": [JOB] * batch}).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _connection(port: int, token: str, count: int, batch: int, errors: list[str]) -> None:
    path, payload = body(batch)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(count):
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nIdempotency-Key: {uuid.uuid4().hex}\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n").encode()
        writer.write(head + payload)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        if b" 201 " not in status_line:
            errors.append(status_line.decode().strip())
    writer.close()


def _load(port: int, token: str, jobs: int, connections: int, batch: int,
          out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    errors: list[str] = []
    per = max(1, jobs // connections // batch)  # requests per connection

    async def run() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(_connection(port, token, per, batch, errors) for _ in range(connections)))
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    out.put((per * connections * batch, elapsed, errors[:5], len(errors)))


_databases = itertools.count()


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL server (the tests' script); yields its URL."""
    sys.path.insert(0, str(ROOT / "scripts"))
    postgres = importlib.import_module("postgres")

    base = Path(tempfile.mkdtemp(prefix="suanli-bench-pg-"))
    url: str = postgres.start(base, free_port())
    try:
        yield url
    finally:
        postgres.stop(base)


def fresh_database(server_url: str) -> str:
    """A new empty database on ``server_url`` for one run."""
    name = f"bench{os.getpid()}_{next(_databases)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def source_of(ref: str) -> Path:
    """The ``src/`` tree of commit ``ref``, unpacked into a temporary directory (the repository is only read)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True).stdout
    out = Path(tempfile.mkdtemp(prefix="suanli-baseline-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    return out / "src"


def snapshot_of_tree() -> Path:
    """A copy of this working tree's ``src/``, so that edits made while the benchmark runs do not leak in."""
    out = Path(tempfile.mkdtemp(prefix="suanli-tree-")) / "src"
    shutil.copytree(ROOT / "src", out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return out


def one_run(jobs: int, connections: int, controllers: bool, batch: int = 1, database_url: str | None = None,
            src: Path | None = None) -> tuple[float, int]:
    """Jobs per second for one fresh server; and the number of jobs the database holds afterwards.

    ``database_url``: the server's database (default: SQLite in its home); ``src``: serve this source tree.
    """
    home = Path(tempfile.mkdtemp(prefix="suanli-bench-"))
    port = free_port()
    env = {**os.environ, "SUANLI_HOME": str(home), "SUANLI_LOCAL_ACCELERATORS": "nvidia-h100:8"}
    env.pop("SUANLI_DATABASE_URL", None)
    if database_url:
        env["SUANLI_DATABASE_URL"] = database_url
    if src:
        env["PYTHONPATH"] = str(src)
    args = [sys.executable, "-m", "suanli.cli", "up", "--port", str(port), "--no-console"]
    if not controllers:
        args.append("--no-controllers")
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        admin = {"Authorization": f"Bearer {(home / 'admin.key').read_text().strip()}"}
        with httpx.Client(base_url=url, headers=admin) as c:
            c.post("/api/v1/tenants", json={"name": "acme"}).raise_for_status()
            c.post("/api/v1/tenants/acme/users", json={"name": "alice", "role": "member"}).raise_for_status()
            token = c.post("/api/v1/tenants/acme/keys", json={"user": "alice"}).json()["token"]
        path, payload = body(batch)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
            for _ in range(WARM_UP):  # the first request builds FastAPI's route tables (~0.3 s): not measured
                c.post(path, content=payload, headers={"Content-Type": "application/json"}).raise_for_status()
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        loader = multiprocessing.Process(target=_load, args=(port, token, jobs, connections, batch, queue))
        loader.start()
        sent, elapsed, sample, failed = queue.get(timeout=600)
        loader.join()
        if failed:
            raise RuntimeError(f"{failed} submissions failed, e.g. {sample}")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
            held = 0
            params: dict[str, str | int] = {"limit": 500}
            while True:  # every job submitted is there, once
                page = c.get("/api/v1/tenants/acme/jobs", params=params).json()
                held += len(page["items"])
                if not page["next_cursor"]:
                    break
                params["cursor"] = page["next_cursor"]
        if held != sent + WARM_UP * batch:
            raise RuntimeError(f"{sent} jobs submitted (and {WARM_UP * batch} to warm up), {held} stored")
        return sent / elapsed, held
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def _cell(rates: list[float]) -> str:
    return f"{statistics.median(rates):.0f} ({min(rates):.0f}-{max(rates):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--modes", default="off,on", help="controllers off, on, or both (off,on)")
    parser.add_argument("--batches", default="1,100", help="jobs per request: 1 (POST .../jobs) or more (job-batches)")
    parser.add_argument("--databases", default="sqlite", help="sqlite, postgresql, or both (sqlite,postgresql)")
    parser.add_argument("--baseline", default=None, help="a git ref whose src/ serves alternate runs, side by side")
    parser.add_argument("--out", type=Path, default=None, help="where the table goes (default: by mode, results/)")
    args = parser.parse_args()
    databases = args.databases.split(",")
    baseline = source_of(args.baseline) if args.baseline else None
    head = _head()
    builds: list[tuple[str, Path | None]] = [("this tree", snapshot_of_tree())]
    if baseline:
        builds.insert(0, (f"baseline {args.baseline}", baseline))
    rows: list[tuple[str, int, str, dict[str, list[float]]]] = []
    with postgres_server() if "postgresql" in databases else _nothing() as pg_url:
        for database in databases:
            for batch in (int(b) for b in args.batches.split(",")):
                for mode in args.modes.split(","):
                    rates: dict[str, list[float]] = {name: [] for name, _ in builds}
                    for i in range(args.runs):
                        for name, src in builds:  # alternate, so both see the same noise
                            url = fresh_database(pg_url) if database == "postgresql" else None
                            rate, _ = one_run(args.jobs, args.connections, controllers=mode == "on", batch=batch,
                                              database_url=url, src=src)
                            rates[name].append(rate)
                            print(f"{database}, batch {batch}, controllers {mode}, {name}, run {i + 1}: "
                                  f"{rate:.0f} jobs/s", flush=True)
                    rows.append((database, batch, mode, rates))
    command = " ".join(["python", "benchmarks/training/submit_rate.py", *sys.argv[1:]])
    head = (f"`{command}` on {platform.node()}: {os.cpu_count()} cores (shared with other sessions' work, noisy), "
            f"Python {platform.python_version()}; {args.jobs} submissions per run over {args.connections} keep-alive "
            "connections, each with an Idempotency-Key; a fresh `suanli up` (and database) per run; the load "
            "generator and PostgreSQL run on the same 2 cores; PostgreSQL as the tests start it (fsync and "
            "synchronous_commit off). \"this tree\" is the working tree's src/ copied at the start (HEAD "
            f"{head} and any uncommitted edits).")
    if baseline:
        base_name, new_name = builds[0][0], builds[1][0]
        lines = [
            "# Job submissions per second through the REST API, side by side", "", head, "",
            f"Median jobs/s (min-max) over {args.runs} alternating runs of each.", "",
            f"| database | jobs per request | controllers | {base_name} | {new_name} | ratio |",
            "| --- | ---: | --- | ---: | ---: | ---: |",
        ]
        for database, batch, mode, rates in rows:
            ratio = statistics.median(rates[new_name]) / statistics.median(rates[base_name])
            lines.append(f"| {database} | {batch} | {mode} | {_cell(rates[base_name])} | {_cell(rates[new_name])} "
                         f"| {ratio:.2f} |")
        out = args.out or SIDE_BY_SIDE
    else:
        lines = [
            "# Job submissions per second through the REST API", "", head, "",
            "| database | jobs per request | controllers | runs | median jobs/s | min | max |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
        ]
        for database, batch, mode, rates in rows:
            r = rates["this tree"]
            lines.append(f"| {database} | {batch} | {mode} | {len(r)} | {statistics.median(r):.0f} | {min(r):.0f} "
                         f"| {max(r):.0f} |")
        out = args.out or RESULTS
    lines.append("")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _head() -> str:
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


@contextmanager
def _nothing() -> Iterator[str]:
    yield ""


if __name__ == "__main__":
    main()
