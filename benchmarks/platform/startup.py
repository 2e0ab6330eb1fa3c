"""How long `suanli up` takes to be ready, on a fresh home and on an existing one.

Run: `.venv/bin/python benchmarks/platform/startup.py [--runs 10]`. Spawns the real CLI, polls /readyz every
10 ms, and writes benchmarks/platform/results/startup.md. The issue's target: ready in under 3 s on a
2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results" / "startup.md"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def time_to_ready(home: Path) -> float:
    port = free_port()
    env = {**os.environ, "SUANLI_HOME": str(home)}
    env.pop("SUANLI_DATABASE_URL", None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "suanli.cli", "up", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("suanli up exited")
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    fresh, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            fresh.append(time_to_ready(Path(tmp) / f"fresh{i}"))
        for _ in range(args.runs):
            warm.append(time_to_ready(Path(tmp) / "fresh0"))

    def row(name: str, xs: list[float]) -> str:
        q = statistics.quantiles(xs, n=10)
        return f"| {name} | {len(xs)} | {statistics.median(xs):.2f} | {q[-1]:.2f} | {max(xs):.2f} |"

    lines = [
        "# `suanli up`: seconds from process start to `/readyz` = 200",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, shared with other work (noisy); SQLite, "
        f"Python {platform.python_version()}. Command: `python benchmarks/platform/startup.py --runs {args.runs}`.",
        "",
        "| home | runs | median s | p90 s | max s |",
        "|---|---|---|---|---|",
        row("fresh (migrations, admin bootstrap)", fresh),
        row("existing", warm),
        "",
        "Target: under 3 s.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
