"""Job submissions per second through the REST API of a real ``suanli up`` on SQLite.

Run: `.venv/bin/python benchmarks/training/submit_rate.py [--runs 5] [--jobs 3000] [--connections 8]`.

Each run starts a fresh `suanli up` (its own home, SQLite, 8 fake H100s), creates a tenant and a member key,
then sends `POST /api/v1/tenants/acme/jobs` from a separate load process over keep-alive connections, each
request with its own `Idempotency-Key` as the SDK sends it. The load generator is a minimal asyncio HTTP/1.1
client (not httpx), so that the client spends as little of the 2 cores as possible; it shares the machine
with the server all the same. Two modes per run: with the controllers off (the submit path alone) and on
(the scheduler passes over the growing queue while submissions arrive). The median over runs goes to
benchmarks/training/results/submit_rate.md. The issue's target: at least 500 jobs/s on this 2-core box.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results" / "submit_rate.md"
JOB = {"command": ["python", "train.py"], "accelerators": 1, "kind": "nvidia-h100"}


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


def one_run(jobs: int, connections: int, controllers: bool, batch: int = 1) -> tuple[float, int]:
    """Jobs per second for one fresh server; and the number of jobs the database holds afterwards."""
    home = Path(tempfile.mkdtemp(prefix="suanli-bench-"))
    port = free_port()
    env = {**os.environ, "SUANLI_HOME": str(home), "SUANLI_LOCAL_ACCELERATORS": "nvidia-h100:8"}
    env.pop("SUANLI_DATABASE_URL", None)
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
        if held != sent:
            raise RuntimeError(f"{sent} jobs submitted, {held} stored")
        return sent / elapsed, held
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--modes", default="off,on", help="controllers off, on, or both (off,on)")
    parser.add_argument("--batches", default="1,100", help="jobs per request: 1 (POST .../jobs) or more (job-batches)")
    args = parser.parse_args()
    rows = []
    for batch in (int(b) for b in args.batches.split(",")):
        for mode in args.modes.split(","):
            rates = []
            for i in range(args.runs):
                rate, _ = one_run(args.jobs, args.connections, controllers=mode == "on", batch=batch)
                rates.append(rate)
                print(f"batch {batch}, controllers {mode}, run {i + 1}: {rate:.0f} jobs/s", flush=True)
            rows.append((batch, mode, rates))
    lines = [
        "# Job submissions per second through the REST API (SQLite)",
        "",
        f"`{' '.join(['python', 'benchmarks/training/submit_rate.py', *sys.argv[1:]])}` on {platform.node()}: "
        f"{os.cpu_count()} cores (shared, noisy), Python {platform.python_version()}; {args.jobs} submissions per "
        f"run over {args.connections} keep-alive connections, each with an Idempotency-Key; a fresh `suanli up` "
        "per run; the load generator runs on the same 2 cores.",
        "",
        "| jobs per request | controllers | runs | median jobs/s | min | max |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for batch, mode, rates in rows:
        lines.append(f"| {batch} | {mode} | {len(rates)} | {statistics.median(rates):.0f} | {min(rates):.0f} "
                     f"| {max(rates):.0f} |")
    lines.append("")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
