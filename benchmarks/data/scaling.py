"""How the local runner scales with workers, on as many cores as the machine has.

    .venv/bin/python benchmarks/data/scaling.py [--copies 4] [--workers 1,2,4,8,16] [--repeat 1]

The input is ``throughput.py``'s mixed web corpus repeated ``--copies`` times (clean news, the same
news with the content-farm damage, raw Common Crawl pages; later copies carry a marker line, so they
are near-duplicates). Each run is a fresh process with the dictionaries warmed (``throughput.py
--one``); beside each worker count the control, a pure-Python loop split over as many processes with
no data exchanged, shows how much parallelism the machine granted at that moment. Output must be
byte-identical for every worker count. Writes ``results/scaling-<cores>cpu.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, machine, table
from throughput import build_input, run_once


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=4)
    cores = os.cpu_count() or 1
    default = ",".join(str(n) for n in (1, 2, 4, 8, 16, 32) if n <= cores)
    parser.add_argument("--workers", default=default, help=f"comma-separated worker counts ({default})")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--recipes", default="zh-web,zh-dedup")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    recipes = args.recipes.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SUANLI_CACHE_DIR"] = str(Path(tmp) / "cache")
        source = build_input(Path(tmp), args.copies)
        mb = source.stat().st_size / 1e6
        control: dict[int, float] = {}
        for n in counts:
            control[n] = statistics.median(
                float(run_once(["--spin", str(n)])["seconds"]) for _ in range(args.repeat))
        for recipe in recipes:
            base: tuple[float, float] | None = None
            shas = set()
            for n in counts:
                runs = [run_once(["--one", recipe, str(source), str(n), "warm"]) for _ in range(args.repeat)]
                seconds = statistics.median(float(r["seconds"]) for r in runs)
                cpu = statistics.median(float(r["cpu_seconds"]) for r in runs)
                parent = statistics.median(float(r["parent_cpu"]) / float(r["cpu_seconds"]) for r in runs)
                shas.update(str(r["output_sha"]) for r in runs)
                if base is None:
                    base = (seconds, control[n])
                rows.append([recipe, n, f"{seconds:.2f}", f"{mb / seconds:.2f}", f"{mb / cpu:.2f}",
                             f"{base[0] / seconds:.2f}", f"{base[1] / control[n]:.2f}", f"{parent:.0%}",
                             f"{max(float(r['peak_mb']) for r in runs):.0f}", runs[0]["docs_out"]])
                print(rows[-1], flush=True)
            assert len(shas) == 1, f"{recipe}: the output differs between worker counts"
    report = [
        f"# Local runner scaling on {cores} CPUs",
        "",
        f"Machine: {machine()}. Command: `python benchmarks/data/scaling.py --copies {args.copies} "
        f"--workers {args.workers} --repeat {args.repeat}`. Input `web-x{args.copies}`, {mb:.1f} MB of JSON "
        "lines (see `throughput.md`). Dictionaries warm; medians of the repeats. Output byte-identical for "
        "every worker count (checked).",
        "",
        table(["recipe", "workers", "wall s", "MB/s", "MB per CPU-second", "speedup over 1 worker",
               "control speedup", "parent share of CPU", "peak RSS MB (one process)", "docs out"], rows),
        "",
        "`control speedup`: a pure-Python loop split over the same number of processes, with nothing "
        "exchanged: what the machine granted at that moment, the ceiling for any runner. "
        "`parent share of CPU`: the serial part (reading, dedup decisions, writing shards), which bounds "
        "the speedup (Amdahl).",
        "",
    ]
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"scaling-{cores}cpu.md"
    path.write_text("\n".join(report), "utf-8")
    print("\n".join(report))


if __name__ == "__main__":
    main()
