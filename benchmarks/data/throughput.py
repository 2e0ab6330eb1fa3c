"""Throughput and memory of the local runner on Chinese web text.

    .venv/bin/python benchmarks/data/throughput.py [--repeat 3]

Input (built in a temporary directory, never committed): the 963 clean ``zh_news.jsonl`` articles,
the same articles with the content-farm damage, and the 100 raw Common Crawl pages of
``cc2021-43_cleared1.jsonl`` (SEO and gambling spam included), about 6 MB of JSON lines. Each
configuration runs in a fresh process (``--one``), so peak memory is that run's; the configurations
are interleaved round by round (1 and 2 workers see the same load) and the table reports medians of
``--repeat`` rounds. A control runs in the same rounds: a pure-Python CPU loop split over 1 and 2
processes with no communication at all, which shows how much parallelism the machine grants this
benchmark at that moment. Writes ``results/throughput.md``.
"""

from __future__ import annotations

import argparse
import json
import os
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


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the pool's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def one(recipe_name: str, source: Path, workers: int, start: str) -> None:
    """Run once in this process and print seconds, bytes and peak memory as JSON."""
    from suanli.data.recipe import load
    from suanli.data.runners import local

    recipe = load(recipe_name)
    if start == "first":
        # The first run on a machine: no cache file of the lexicon's word counts yet.
        os.environ["SUANLI_CACHE_DIR"] = tempfile.mkdtemp(dir=source.parent)
    if start == "warm":
        # Warm the lazily loaded dictionaries (OpenCC, pypinyin, jieba) outside the timed part, as a
        # long-running worker would have them. A cold run pays for them, as `suanli curate` does.
        local.run(recipe, source, source.with_suffix(".warm.jsonl"), workers=1, shard_docs=50,
                  work_dir=source.with_suffix(f".warmparts{os.getpid()}"))
    with source.open(encoding="utf-8") as fh:
        text_bytes = sum(len(str(json.loads(line).get("text", "")).encode()) for line in fh)
    out = source.with_suffix(f".{recipe_name}.{workers}.{os.getpid()}.out.jsonl")
    own_before, kids_before = _cpu()
    started = time.perf_counter()
    report = local.run(recipe, source, out, workers=workers, shard_docs=500)
    seconds = time.perf_counter() - started
    own, kids = _cpu()
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": seconds, "cpu_seconds": own - own_before + kids - kids_before,
                      "parent_cpu": own - own_before, "file_bytes": source.stat().st_size,
                      "text_bytes": text_bytes, "docs_out": report["docs_out"], "peak_mb": peak_kb / 1024,
                      "output_sha": _sha(out)}))


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _spin(n: int) -> int:
    x = 0
    for i in range(n):
        x += i * i
    return x


def spin(processes: int, total: int = 20_000_000) -> None:
    """The control: ``total`` loop iterations split over ``processes`` processes, no data exchanged."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(processes) as pool:
        pool.submit(os.getpid).result()
        started = time.perf_counter()
        cpu = sum(pool.map(_spin_cpu, [total // processes] * processes))
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu}))


def _spin_cpu(n: int) -> float:
    started = time.process_time()
    _spin(n)
    return time.process_time() - started


def run_once(args: list[str]) -> dict[str, float | str]:
    got = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if got.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({got.returncode}):\n{got.stderr[-3000:]}")
    result: dict[str, float | str] = json.loads(got.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", nargs=4, metavar=("RECIPE", "INPUT", "WORKERS", "WARM"))
    parser.add_argument("--spin", type=int, metavar="PROCESSES")
    args = parser.parse_args()
    if args.one:
        one(args.one[0], Path(args.one[1]), int(args.one[2]), args.one[3])
        return
    if args.spin:
        spin(args.spin)
        return
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        # The runs' own cache folder (the lexicon's word counts): the first run of a round writes it.
        os.environ["SUANLI_CACHE_DIR"] = str(Path(tmp) / "cache")
        x1, x3 = build_input(Path(tmp), 1), build_input(Path(tmp), 3)
        clean = build_input(Path(tmp), 1, damaged=False)
        configs = [("zh-web", x1, 1, "warm"), ("zh-web", x1, 2, "warm"), ("zh-web", x1, 1, "cold"),
                   ("zh-web", x1, 2, "cold"), ("zh-web", x1, 1, "first"), ("zh-web", clean, 1, "warm"),
                   ("zh-dedup", x1, 1, "warm"),
                   ("zh-dedup", x1, 2, "warm"), ("zh-web", x3, 2, "warm")]
        runs: dict[int, list[dict[str, float | str]]] = {i: [] for i in range(len(configs))}
        control: dict[int, list[float]] = {1: [], 2: []}
        control_cpu: dict[int, list[float]] = {1: [], 2: []}
        for round_ in range(args.repeat):
            for i, (recipe, source, workers, warm) in enumerate(configs):
                runs[i].append(run_once(["--one", recipe, str(source), str(workers), warm]))
            for processes in (1, 2):
                got = run_once(["--spin", str(processes)])
                control[processes].append(float(got["seconds"]))
                control_cpu[processes].append(float(got["cpu_seconds"]))
            print(f"round {round_ + 1} done", flush=True)
    load_after = os.getloadavg()
    rows, medians = [], {}
    for i, (recipe, source, workers, warm) in enumerate(configs):
        r = runs[i]
        shas = {str(x["output_sha"]) for x in r}
        assert len(shas) == 1, f"{recipe} {source.stem} gave different outputs across runs"
        seconds = statistics.median(float(x["seconds"]) for x in r)
        cpu = statistics.median(float(x["cpu_seconds"]) for x in r)
        parent = statistics.median(float(x["parent_cpu"]) / float(x["cpu_seconds"]) for x in r)
        mb = float(r[0]["file_bytes"]) / 1e6
        medians[(recipe, source.stem, workers, warm)] = (seconds, cpu, shas.pop())
        rows.append([recipe, source.stem, f"{mb:.1f}", workers, warm, f"{seconds:.2f}", f"{mb / seconds:.2f}",
                     f"{mb / cpu:.2f}", f"{parent:.0%}", f"{max(float(x['peak_mb']) for x in r):.0f}",
                     r[0]["docs_out"]])
    c1, c2 = statistics.median(control[1]), statistics.median(control[2])
    cc1, cc2 = statistics.median(control_cpu[1]), statistics.median(control_cpu[2])
    pairs = []
    for recipe, stem, warm in (("zh-web", "web-x1", "warm"), ("zh-web", "web-x1", "cold"),
                               ("zh-dedup", "web-x1", "warm")):
        (s1, cpu1, sha1), (s2, cpu2, sha2) = medians[(recipe, stem, 1, warm)], medians[(recipe, stem, 2, warm)]
        pairs.append([recipe, stem, warm, f"{s1 / s2:.2f}", f"{c1 / c2:.2f}", f"{cpu2 / cpu1:.2f}",
                      f"{cc2 / cc1:.2f}",
                      "yes" if sha1 == sha2 else "NO"])
    report = [
        "# Local runner throughput (median of interleaved rounds)",
        "",
        f"Machine: {machine()}. Command: `.venv/bin/python benchmarks/data/throughput.py "
        f"--repeat {args.repeat}`. Load average (1, 5, 15 min) {_load(load_before)} before, "
        f"{_load(load_after)} after: the 2 cores are shared with other sessions.",
        "",
        "Input `web-x1`: clean `zh_news.jsonl` + the same articles damaged by the generator + raw CC pages of "
        "`cc2021-43_cleared1.jsonl`; `x3` repeats it three times with a marker line (so the copies are "
        "near-duplicates). MB are input file megabytes (UTF-8 JSON lines). Peak memory is the largest "
        "resident set of the main process or any one worker. `warm`: the dictionaries were loaded before "
        "the timed run (a long-running worker); `cold`: the timed run loads them, as `suanli curate` does, "
        "with the cache file of the lexicon's word counts that the first run on a machine writes; `first`: "
        "cold, and without that file (it counts jieba's word list and writes the file).",
        "",
        table(["recipe", "input", "input MB", "workers", "start", "wall s", "MB/s", "MB per CPU-second",
               "parent share of CPU", "peak RSS MB", "docs out"], rows),
        "",
        "## 1 worker against 2, and the control",
        "",
        table(["recipe", "input", "start", "runner speedup (wall 1w / 2w)",
               "control speedup (same rounds)", "CPU-seconds 2w / 1w", "control CPU-seconds 2 / 1",
               "identical output"], pairs),
        "",
        f"Control: {20_000_000:,} iterations of a pure-Python loop, median {c1:.2f} s in one process and "
        f"{c2:.2f} s split over two (no data exchanged, nothing shared), {cc1:.2f} and {cc2:.2f} CPU-seconds. "
        "A control speedup near 1 means the "
        "machine gave this benchmark about one core's worth of time whatever it forked (the scheduler "
        "shares the CPUs between sessions, and other sessions were busy), so no runner can be faster with "
        "2 workers then; the runner's speedup is to be read against the control's, and its parallel cost "
        "in `CPU-seconds 2w / 1w`: the extra work that 2 workers do for the same output.",
        "",
        "`MB per CPU-second` divides by the CPU time the run consumed (main process and workers): on a "
        "shared machine it is the steadier per-core figure. `parent share of CPU` is the part of it spent "
        "in the main process (reading, dedup decisions, writing shards): the serial part, which bounds "
        "the speedup on more cores (Amdahl). `web-x1-clean` leaves out the damaged copies (repair does "
        "little on clean text), `web-x1` is half content-farm damage.",
        "",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "throughput.md").write_text("\n".join(report), "utf-8")
    print("\n".join(report))


def _load(avg: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.1f}" for x in avg)


if __name__ == "__main__":
    main()
