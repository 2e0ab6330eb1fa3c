"""Throughput and memory of the local runner on Chinese web text.

    .venv/bin/python benchmarks/data/throughput.py [--repeat 3]

Input (built in a temporary directory, never committed): the 963 clean ``zh_news.jsonl`` articles,
the same articles with the content-farm damage, and the 100 raw Common Crawl pages of
``cc2021-43_cleared1.jsonl`` (SEO and gambling spam included), about 6 MB of JSON lines. Each
configuration runs in a fresh process (``--one``), so peak memory is that run's; the table reports
medians of ``--repeat`` runs. Writes ``results/throughput.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CORPORA, RESULTS, machine, read_jsonl, table


def build_input(folder: Path, copies: int = 1, damaged: bool = True) -> Path:
    """Write the mixed web corpus ``copies`` times (later copies differ: a marker line is added)."""
    from suanli.data.damage import damage

    path = folder / f"web-x{copies}{'' if damaged else '-clean'}.jsonl"
    news = [str(d["text"]) for d in read_jsonl(CORPORA / "zh_news.jsonl")]
    pages = [{"text": str(d["raw_content"]), "title": str(d["title"]), "url": str(d["url"])}
             for d in read_jsonl(CORPORA / "cc2021-43_cleared1.jsonl")]
    with path.open("w", encoding="utf-8") as fh:
        for c in range(copies):
            mark = "" if c == 0 else f"\n第{c}版转载"
            for i, t in enumerate(news):
                fh.write(json.dumps({"id": f"n{c}-{i}", "text": t + mark}, ensure_ascii=False) + "\n")
                if damaged:
                    fh.write(json.dumps({"id": f"d{c}-{i}", "text": damage(t) + mark},
                                        ensure_ascii=False) + "\n")
            for i, p in enumerate(pages):
                fh.write(json.dumps({"id": f"w{c}-{i}", **p, "text": p["text"] + mark},
                                    ensure_ascii=False) + "\n")
    return path


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def one(recipe_name: str, source: Path, workers: int) -> None:
    """Run once in this process and print seconds, bytes and peak memory as JSON."""
    from suanli.data.recipe import load
    from suanli.data.runners import local

    recipe = load(recipe_name)
    # Warm the lazily loaded dictionaries (OpenCC, pypinyin, jieba) outside the timed part, as a
    # long-running worker would have them.
    local.run(recipe, source, source.with_suffix(".warm.jsonl"), workers=1, shard_docs=50,
              work_dir=source.with_suffix(".warmparts"))
    with source.open(encoding="utf-8") as fh:
        text_bytes = sum(len(str(json.loads(line).get("text", "")).encode()) for line in fh)
    out = source.with_suffix(f".{recipe_name}.{workers}.out.jsonl")
    cpu_before = _cpu()
    started = time.perf_counter()
    report = local.run(recipe, source, out, workers=workers, shard_docs=500)
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu_before
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "file_bytes": source.stat().st_size,
                      "text_bytes": text_bytes, "docs_out": report["docs_out"], "peak_mb": peak_kb / 1024}))


def measure(recipe: str, source: Path, workers: int, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        got = subprocess.run([sys.executable, __file__, "--one", recipe, str(source), str(workers)],
                             check=True, capture_output=True, text=True)
        runs.append(json.loads(got.stdout.strip().splitlines()[-1]))
    seconds = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu_seconds"] for r in runs)
    return {"seconds": seconds, "mb_s": runs[0]["file_bytes"] / 1e6 / seconds,
            "mb_cpu_s": runs[0]["file_bytes"] / 1e6 / cpu,
            "text_mb_s": runs[0]["text_bytes"] / 1e6 / seconds, "file_mb": runs[0]["file_bytes"] / 1e6,
            "peak_mb": max(r["peak_mb"] for r in runs), "docs_out": runs[0]["docs_out"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", nargs=3, metavar=("RECIPE", "INPUT", "WORKERS"))
    args = parser.parse_args()
    if args.one:
        one(args.one[0], Path(args.one[1]), int(args.one[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        x1, x3 = build_input(Path(tmp), 1), build_input(Path(tmp), 3)
        clean = build_input(Path(tmp), 1, damaged=False)
        rows = []
        for recipe, source, workers in (("zh-web", x1, 1), ("zh-web", clean, 1), ("zh-web", x1, 2),
                                        ("zh-dedup", x1, 1), ("zh-dedup", x1, 2), ("zh-web", x3, 2)):
            m = measure(recipe, source, workers, args.repeat)
            rows.append([recipe, source.stem, f"{m['file_mb']:.1f}", workers, f"{m['seconds']:.2f}",
                         f"{m['mb_s']:.2f}", f"{m['mb_s'] / workers:.2f}", f"{m['mb_cpu_s']:.2f}",
                         f"{m['peak_mb']:.0f}", m["docs_out"]])
            print(rows[-1], flush=True)
    report = [
        "# Local runner throughput (median of runs)",
        "",
        f"Machine: {machine()}. Command: `.venv/bin/python benchmarks/data/throughput.py "
        f"--repeat {args.repeat}`.",
        "",
        "Input `web-x1`: clean `zh_news.jsonl` + the same articles damaged by the generator + raw CC pages of "
        "`cc2021-43_cleared1.jsonl`; `x3` repeats it three times with a marker line (so the copies are "
        "near-duplicates). MB are input file megabytes (UTF-8 JSON lines). Peak memory is the largest "
        "resident set of the main process or any one worker.",
        "",
        table(["recipe", "input", "input MB", "workers", "wall s", "MB/s", "MB/s per worker",
               "MB per CPU-second", "peak RSS MB", "docs out"], rows),
        "",
        "`MB per CPU-second` divides by the CPU time the run consumed (main process and workers): on a "
        "shared machine it is the steadier per-core figure; `MB/s per worker` is wall-clock based and "
        "suffers from other tenants' load. `web-x1-clean` leaves out the damaged copies (repair does "
        "little on clean text), `web-x1` is half content-farm damage.",
        "",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "throughput.md").write_text("\n".join(report), "utf-8")
    print("\n".join(report))


if __name__ == "__main__":
    main()
