"""Gateway overhead: the latency the /v1 gateway adds, and its maximum request rate.

One run starts, each in its own process: a mock OpenAI upstream (fixed tokens, configurable latency), the
whole suanli server (``create_app``: REST API, Observe middleware, the gateway mounted at /v1), the gateway
alone (``create_gateway``, no FastAPI or middleware: what the Observe middleware costs), and, when its
venv exists, LiteLLM's proxy on the same upstream (``benchmarks/serving/.venv-litellm``, never the
project's venv). A small asyncio HTTP/1.1 load generator (raw sockets, keep-alive) sends the same load to
each and to the upstream directly:

- fixed rate (open loop, default 500 requests/s): p50 and p99 latency; "added" = through the proxy minus
  direct to the upstream, per percentile;
- maximum rate (closed loop, 64 connections): completed requests per second.

Non-streamed and streamed (SSE, 16 chunks, ``stream_options.include_usage``) requests. Results go to
``benchmarks/serving/results/gateway_overhead.{md,json}``.

    .venv/bin/python benchmarks/serving/gateway_overhead.py [--rates 500,50] [--seconds 10] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "serving" / "results"
LITELLM_VENV = ROOT / "benchmarks" / "serving" / ".venv-litellm"
TOKENS = 16


# -- mock upstream (raw ASGI: as cheap as an upstream can be) ------------------------------------------


def mock_upstream(latency_s: float) -> Any:
    counts = {"prompt_tokens": 9, "completion_tokens": TOKENS, "total_tokens": 9 + TOKENS}
    full = json.dumps(
        {
            "id": "cmpl-mock",
            "object": "chat.completion",
            "created": 1,
            "model": "up",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "tok " * TOKENS}, "finish_reason": "length"}
            ],
            "usage": counts,
        }
    ).encode()
    chunk = {
        "id": "cmpl-mock",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "up",
        "choices": [{"index": 0, "delta": {"content": "tok "}, "finish_reason": None}],
    }
    events = [b"data: " + json.dumps(chunk).encode() + b"\n\n" for _ in range(TOKENS)]
    last = {**chunk, "choices": [], "usage": counts}
    events += [b"data: " + json.dumps(last).encode() + b"\n\n", b"data: [DONE]\n\n"]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if latency_s:
            await asyncio.sleep(latency_s)
        if b'"stream":true' not in body.replace(b" ", b""):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(full)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": full})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        for event in events:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


# -- servers -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(kind: str, port: int, home: str, latency_s: float) -> None:
    """Child-process entry: one server in the foreground."""
    import uvicorn

    if kind == "mock":
        app = mock_upstream(latency_s)
    else:
        from suanli.api.app import create_app
        from suanli.serving.gateway import create_gateway
        from suanli.state.db import Database

        db = Database(f"sqlite:///{home}/suanli.db")
        app = create_app(db, None, console=False) if kind == "suanli" else create_gateway(db)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False, lifespan="off")


def prepare(home: Path, upstream: str) -> str:
    """A migrated database with a tenant, its key and an external deployment on the mock; returns the key."""
    from suanli.controllers.runner import ControllerRunner
    from suanli.serving.deployments import service as deployments
    from suanli.serving.deployments.controller import DeploymentController
    from suanli.state.db import Database
    from suanli.state.models import utcnow
    from suanli.tenancy import api_keys, tenants, users
    from suanli.tenancy.bootstrap import ensure_admin
    from suanli.tenancy.principal import authenticate

    db = Database(f"sqlite:///{home}/suanli.db")
    db.migrate()
    token = ensure_admin(db, home / "admin.key") or ""
    with db.session() as s:
        admin = authenticate(s, token, utcnow())
        tenants.create(s, admin, name="bench")
        s.flush()
        users.create(s, admin, "bench", name="bench-user", role="member")
        _, key = api_keys.create(s, admin, "bench", user_ref="bench-user", name="bench", expires_at=None, now=utcnow())
        deployments.create(
            s,
            admin,
            "bench",
            name="chat",
            model=None,
            version="latest",
            engine="external",
            engine_options={"url": upstream + "/v1", "model": "up"},
            regions={"local": {"min_replicas": 1, "max_replicas": 1}},
            policy="static-peak",
            slots_per_replica=4096,
            accelerator_kind=None,
            accelerators_per_replica=0,
            scale_to_zero_after_s=300,
        )
    ControllerRunner(db, [DeploymentController(home)], worker="bench").run_pass()
    db.dispose()
    return str(key)


def start(argv: list[str], env: dict[str, str], url: str, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        argv, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{argv[:4]} exited; see {log}")
        try:
            with socket.create_connection((host, int(port)), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{argv[:4]} did not listen in time; see {log}")


# -- load generator ------------------------------------------------------------------------------------


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def call(self, raw: bytes) -> str | None:
        """None on a 200, else the status line: the body is read either way."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        ok = None if head.startswith(b"HTTP/1.1 200") else head.split(b"\r\n")[0].decode()
        lower = head.lower()
        if b"content-length:" in lower:
            n = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
            await self.reader.readexactly(n)
        else:  # chunked
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        return ok


class Pool:
    IDLE_S = 3.0
    """Connections idle longer are dropped: uvicorn closes keep-alive connections after 5 s."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[float, Connection]] = []

    async def _take(self) -> tuple[Connection, bool]:
        now = time.perf_counter()
        while self.idle:
            since, conn = self.idle.pop()
            if now - since < self.IDLE_S:
                return conn, True
            conn.writer.close()
        return Connection(*await asyncio.open_connection(self.host, self.port)), False

    async def call(self, raw: bytes) -> str | None:
        for attempt in range(2):  # a kept-alive connection the server closed meanwhile: one fresh try
            conn, reused = None, False
            try:
                conn, reused = await self._take()
                ok = await conn.call(raw)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                if conn is not None:
                    conn.writer.close()
                if reused and attempt == 0:
                    continue
                return exc.__class__.__name__
            self.idle.append((time.perf_counter(), conn))
            return ok
        return "unreachable"

    def close(self) -> None:
        for _, c in self.idle:
            c.writer.close()
        self.idle.clear()


def request_bytes(url: str, key: str, model: str, stream: bool) -> bytes:
    host = url.removeprefix("http://")
    body = {"model": model, "messages": [{"role": "user", "content": "Say something."}], "max_tokens": TOKENS}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    data = json.dumps(body, separators=(",", ":")).encode()
    return (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {key}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n"
    ).encode() + data


async def fixed_rate(url: str, raw: bytes, rate: float, seconds: float) -> Sample:
    host, port = url.removeprefix("http://").split(":")
    pool, sample, tasks = Pool(host, int(port)), Sample(), []

    async def one() -> None:
        began = time.perf_counter()
        failed = await pool.call(raw)
        if failed is None:
            sample.latencies.append(time.perf_counter() - began)
        else:
            sample.errors += 1
            sample.reasons[failed] = sample.reasons.get(failed, 0) + 1

    for _ in range(20):  # warm connections
        await one()
    sample.latencies.clear()
    start, n = time.perf_counter(), int(rate * seconds)
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    pool.close()
    return sample


async def max_rate(url: str, raw: bytes, seconds: float, concurrency: int = 64) -> float:
    host, port = url.removeprefix("http://").split(":")
    pool, done, stop = Pool(host, int(port)), [0], time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            if await pool.call(raw) is None:
                done[0] += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    rate = done[0] / (time.perf_counter() - began)
    pool.close()
    return rate


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000.0 if ordered else float("nan")


# -- the run -------------------------------------------------------------------------------------------


def litellm_config(home: Path, upstream: str) -> Path:
    path = home / "litellm.yaml"
    path.write_text(
        "model_list:\n  - model_name: chat\n    litellm_params:\n      model: openai/up\n"
        f"      api_base: {upstream}/v1\n      api_key: unused\n"
        "general_settings:\n  master_key: sk-bench\nlitellm_settings:\n  telemetry: false\n"
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rates",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[500.0, 50.0],
        help="fixed rates to measure latency at (requests/s, comma-separated)",
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="upstream latency before its answer")
    parser.add_argument("--no-litellm", action="store_true")
    parser.add_argument("--serve", nargs=3, metavar=("KIND", "PORT", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2], args.latency_ms / 1000)
        return 0

    home = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    me = [sys.executable, str(Path(__file__).resolve())]
    env = {
        "OMP_NUM_THREADS": "1",
        "SUANLI_GATEWAY_KEY_RPM": "0",
        "SUANLI_GATEWAY_KEY_TPM": "0",
        "SUANLI_GATEWAY_TENANT_RPM": "0",
        "SUANLI_GATEWAY_TENANT_TPM": "0",
        "PYTHONPATH": str(ROOT / "src"),
    }
    processes: list[subprocess.Popen[bytes]] = []
    targets: dict[str, tuple[str, str, str]] = {}
    try:
        upstream = f"http://127.0.0.1:{free_port()}"
        processes.append(
            start(
                [*me, "--latency-ms", str(args.latency_ms), "--serve", "mock", upstream.rsplit(":", 1)[1], str(home)],
                env,
                upstream,
                home / "mock.log",
            )
        )
        key = prepare(home, upstream)
        targets["direct"] = (upstream, "unused", "up")
        for kind in ("suanli", "gateway-only"):
            url = f"http://127.0.0.1:{free_port()}"
            processes.append(
                start([*me, "--serve", kind, url.rsplit(":", 1)[1], str(home)], env, url, home / f"{kind}.log")
            )
            targets[f"suanli ({kind})" if kind == "gateway-only" else "suanli (full server)"] = (url, key, "chat")
        litellm = LITELLM_VENV / "bin" / "litellm"
        if not args.no_litellm and litellm.exists():
            url = f"http://127.0.0.1:{free_port()}"
            processes.append(
                start(
                    [
                        str(litellm),
                        "--config",
                        str(litellm_config(home, upstream)),
                        "--port",
                        url.rsplit(":", 1)[1],
                        "--num_workers",
                        "1",
                    ],
                    {"LITELLM_LOG": "ERROR", "DISABLE_ADMIN_UI": "True"},
                    url,
                    home / "litellm.log",
                )
            )
            targets["litellm proxy"] = (url, "sk-bench", "chat")
        rows: list[dict[str, Any]] = []
        for stream in (False, True):
            tops = {}
            for name, (url, token, model) in targets.items():
                raw = request_bytes(url, token, model, stream)
                asyncio.run(max_rate(url, raw, 1.0, concurrency=8))  # warm: key cache, table, connections
                tops[name] = asyncio.run(max_rate(url, raw, args.seconds / 2))
            for rate in args.rates:
                for name, (url, token, model) in targets.items():
                    row: dict[str, Any] = {"target": name, "stream": stream, "rate": rate, "max_rps": tops[name]}
                    if tops[name] < rate:  # saturated: an open-loop run would only measure its queue
                        row.update(requests=0, errors=0, reasons={}, p50_ms=None, p99_ms=None)
                    else:
                        raw = request_bytes(url, token, model, stream)
                        sample = asyncio.run(fixed_rate(url, raw, rate, args.seconds))
                        row.update(
                            requests=len(sample.latencies),
                            errors=sample.errors,
                            reasons=sample.reasons,
                            p50_ms=pct(sample.latencies, 0.5),
                            p99_ms=pct(sample.latencies, 0.99),
                        )
                    rows.append(row)
                    print(json.dumps(row), flush=True)
        for row in rows:
            base = next(
                r for r in rows if r["target"] == "direct" and r["stream"] == row["stream"] and r["rate"] == row["rate"]
            )
            for q in ("p50", "p99"):
                ok = row[f"{q}_ms"] is not None and base[f"{q}_ms"] is not None
                row[f"added_{q}_ms"] = row[f"{q}_ms"] - base[f"{q}_ms"] if ok else None
        write(rows, args)
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


def _ms(value: float | None) -> str:
    return "saturated" if value is None else f"{value:.2f}"


def write(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    rates = ",".join(f"{r:g}" for r in args.rates)
    document = {
        "machine": machine,
        "rates": args.rates,
        "seconds": args.seconds,
        "upstream_latency_ms": args.latency_ms,
        "rows": rows,
    }
    (RESULTS / "gateway_overhead.json").write_text(json.dumps(document, indent=2) + "\n")
    lines = [
        "# Gateway overhead",
        "",
        f"`benchmarks/serving/gateway_overhead.py --rates {rates} --seconds {args.seconds:g} "
        f"--latency-ms {args.latency_ms:g}` on {machine} (shared with other work, noisy: compare rows of one "
        "run, not runs). Latency at each fixed rate (open loop); added = minus direct to the mock upstream at "
        'the same rate and percentile; "saturated": the target\'s maximum rate is below that rate, so an '
        "open-loop run would measure only its queue. Max rate: closed loop, 64 connections. Streamed: 16 SSE "
        "chunks plus a usage chunk.",
        "",
        "| target | stream | rate/s | requests | errors | p50 ms | p99 ms | added p50 ms | added p99 ms | max req/s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['target']} | {'yes' if r['stream'] else 'no'} | {r['rate']:g} | {r['requests']} | {r['errors']} | "
            f"{_ms(r['p50_ms'])} | {_ms(r['p99_ms'])} | {_ms(r['added_p50_ms'])} | {_ms(r['added_p99_ms'])} | "
            f"{r['max_rps']:.0f} |"
        )
    (RESULTS / "gateway_overhead.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
