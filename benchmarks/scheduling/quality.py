"""Quality of the four policies on the Philly trace at several cluster sizes, side by side.

    .venv/bin/python benchmarks/scheduling/quality.py [--trace ../shared/data/traces/gpu/philly_2017.csv]
        [--gpus 560 640 720] [--workers 2] [--out benchmarks/scheduling/results]

Each cell is one full replay through ``suanli.scheduling.schedule`` (the simulator of ``suanli sim``);
the ratios compare ``suanli`` with the clairvoyant non-preemptive SJF and with ``tiresias`` of the same
run. Replay wall time per run is reported as well (it depends on the machine's load).
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from suanli.scheduling import policy_named
from suanli.scheduling.sim import machine, read_trace, simulate, summarize

POLICIES = ("fifo", "sjf-oracle", "tiresias", "suanli")
DEFAULT_TRACE = Path(__file__).resolve().parents[3] / "shared/data/traces/gpu/philly_2017.csv"


def one(args: tuple[Path, int, str]) -> dict[str, Any]:
    trace, gpus, policy = args
    jobs = read_trace(trace, "philly").jobs
    t0 = time.perf_counter()
    t_cpu = time.process_time()
    run = simulate(jobs, machine(gpus), policy_named(policy), preempt_cost_s=60.0)
    row = summarize(run, policy)
    row["gpus"] = gpus
    row["replay_wall_s"] = round(time.perf_counter() - t0, 1)
    row["replay_cpu_s"] = round(time.process_time() - t_cpu, 1)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trace", type=Path, default=DEFAULT_TRACE)
    ap.add_argument("--gpus", type=int, nargs="+", default=[560, 640, 720])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--policies", nargs="+", default=list(POLICIES), choices=POLICIES,
                    help="replay order (the table is always in the canonical order)")
    ap.add_argument("--render-only", action="store_true", help="rewrite quality.md from quality.json")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args()
    if args.render_only:
        rows = json.loads((args.out / "quality.json").read_text(encoding="utf-8"))
    else:
        tasks = [(args.trace, g, p) for g in args.gpus for p in args.policies]
        with ProcessPoolExecutor(args.workers) as pool:
            rows = []
            for row in pool.map(one, tasks):
                print(json.dumps(row), flush=True)
                rows.append(row)
    gpus = sorted({r["gpus"] for r in rows})
    rows.sort(key=lambda r: (gpus.index(r["gpus"]), POLICIES.index(r["policy"])))
    jobs = read_trace(args.trace, "philly").jobs
    text = render(rows, gpus, sum(j.duration for j in jobs) / len(jobs))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "quality.md").write_text(text, encoding="utf-8")
    (args.out / "quality.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(text)


def render(rows: list[dict[str, Any]], gpus: list[int], mean_duration: float) -> str:
    """The markdown report: all rows, then suanli against the issue's targets and the lower bound."""
    cols = ("gpus", "policy", "avg_jct_s", "p50_jct_s", "p99_jct_s", "avg_queue_s", "p99_queue_s",
            "makespan_s", "gpu_utilization", "preemptions", "tenant_slowdown_max_min", "replay_cpu_s")
    lines = ["# Policy quality on the Philly trace", "",
             "Philly 2017 (82,247 jobs, `--format philly`), nodes of 8 GPUs, preemption cost 60 s, one replay per "
             "cell. Queueing delay is submission to first start. Machine: 2 shared cores (noisy; `replay_cpu_s` "
             "swells with the load of the other work on them).", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r[c]) for c in cols) + " |")
    lines += ["", "## suanli against the targets", "",
              f"No schedule finishes a job before its duration, so no average JCT is below the mean duration, "
              f"{mean_duration:,.0f} s; the last column is that bound over `tiresias`'s average JCT, the best "
              "ratio any policy could reach.", "",
              "| gpus | suanli / sjf-oracle (avg JCT, target <= 1.0) | suanli / tiresias (avg JCT, target <= 0.85) "
              "| p99 queue suanli vs fifo (s) | utilisation suanli vs fifo | lower bound / tiresias |",
              "|---|---|---|---|---|---|"]
    for g in gpus:
        by = {r["policy"]: r for r in rows if r["gpus"] == g}
        if not {"suanli", "sjf-oracle", "tiresias", "fifo"} <= by.keys():
            continue
        s, o, t, f = by["suanli"], by["sjf-oracle"], by["tiresias"], by["fifo"]
        lines.append(f"| {g} | {s['avg_jct_s'] / o['avg_jct_s']:.3f} | {s['avg_jct_s'] / t['avg_jct_s']:.3f} "
                     f"| {s['p99_queue_s']} vs {f['p99_queue_s']} | {s['gpu_utilization']} vs {f['gpu_utilization']} "
                     f"| {mean_duration / t['avg_jct_s']:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
