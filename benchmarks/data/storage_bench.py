"""Dataset upload and download throughput: local file store vs a real S3 server (SeaweedFS), side by side.

Runs a suanli server in-process (uvicorn on loopback, SQLite) and uploads/downloads one JSONL file through
the SDK (the same path as `suanli dataset upload|download`: sha256 per chunk, commit-time verification),
then measures the raw ObjectStore put/get of the same bytes. Medians of N runs; writes
benchmarks/data/results/storage.md.

    .venv/bin/python benchmarks/data/storage_bench.py [--mib 64] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform as pyplatform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import s3  # noqa: E402
from tests.conftest import Platform  # noqa: E402

from suanli.client import Client  # noqa: E402
from suanli.objects import LocalObjectStore, ObjectStore  # noqa: E402
from suanli.objects.s3 import S3ObjectStore, make_client  # noqa: E402
from suanli.state.db import Database  # noqa: E402

CHUNK = 8 * 1024 * 1024


def make_file(path: Path, mib: int) -> Path:
    line = ('{"id": %d, "text": "' + "算力数据平台" * 60 + '"}\n')
    with open(path, "w", encoding="utf-8") as f:
        i = 0
        while f.tell() < mib * 1024 * 1024:
            f.write(line % i)
            i += 1
    return path


def timed(fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t


def bench_store(name: str, store: ObjectStore, file: Path, runs: int, work: Path) -> dict[str, float]:
    home = work / f"home-{name}"
    home.mkdir()
    db = Database(f"sqlite:///{home / 'suanli.db'}")
    db.migrate()
    p = Platform(db, home)
    p.app.state.objects = store
    p.start()
    c = Client(p.url, p.admin_token, timeout=300)
    size_mb = file.stat().st_size / 1e6
    up, down, put, get = [], [], [], []
    try:
        for r in range(runs):
            ds = f"bench-{r}"
            c.create_dataset("admin", ds)
            up.append(size_mb / timed(lambda ds=ds: c.upload_dataset("admin", ds, [file], chunk_size=CHUNK)))
            out = work / f"down-{name}-{r}"
            down.append(size_mb / timed(lambda ds=ds, out=out: c.download_dataset("admin", ds, out)))
            key = f"raw/{r}"
            put.append(size_mb / timed(lambda key=key: store.put(key, file.read_bytes())))
            get.append(size_mb / timed(lambda key=key: sum(len(b) for b in store.get(key))))
            c.delete_dataset("admin", ds)
            store.delete(key)
    finally:
        c.close()
        p.stop()
        db.dispose()
    return {"upload": statistics.median(up), "download": statistics.median(down),
            "put": statistics.median(put), "get": statistics.median(get)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="suanli-storage-bench-"))
    file = make_file(work / "data.jsonl", args.mib)
    s3dir = work / "s3"
    info = s3.start(s3dir)
    try:
        s3store = S3ObjectStore(make_client(info["endpoint"], info["access_key"], info["secret_key"]), "bench",
                                prefix=secrets.token_hex(4))
        s3store.ensure_bucket()
        results = {
            "local": bench_store("local", LocalObjectStore(work / "objects"), file, args.runs, work),
            "s3 (SeaweedFS)": bench_store("s3", s3store, file, args.runs, work),
        }
    finally:
        s3.stop(s3dir)
    local = results["local"]
    lines = [
        "# Dataset storage throughput: local file store vs S3 (SeaweedFS `weed mini`)",
        "",
        f"Machine: {pyplatform.machine()}, {os.cpu_count()} cores (shared with other work, noisy), Python "
        f"{pyplatform.python_version()}. One {file.stat().st_size / 1e6:.1f} MB JSONL file, {CHUNK >> 20} MiB chunks, "
        f"median of {args.runs} runs, MB/s (10^6 bytes). Server, client and S3 server on one box over loopback; "
        f"SQLite. Load average at the end: {os.getloadavg()[0]:.1f} (other work shared the cores).",
        "",
        "- *upload*: `Client.upload_dataset` (hash the file, declare, send chunks with sha256, commit: the server",
        "  assembles the file, reads it back for sha256 and document count, moves it to its shard key).",
        "- *download*: `Client.download_dataset` (stream, write, re-hash).",
        "- *put / get*: the raw `ObjectStore` calls on the same bytes, no API in between.",
        "",
        "| store | upload MB/s | download MB/s | put MB/s | get MB/s | upload vs local | download vs local |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['upload']:.1f} | {r['download']:.1f} | {r['put']:.1f} | {r['get']:.1f} | "
                     f"{r['upload'] / local['upload']:.2f} | {r['download'] / local['download']:.2f} |")
    lines += ["", f"Command: `.venv/bin/python benchmarks/data/storage_bench.py --mib {args.mib} --runs {args.runs}`",
              ""]
    text = "\n".join(lines)
    out = ROOT / "benchmarks" / "data" / "results" / "storage.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
