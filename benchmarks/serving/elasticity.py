"""Elasticity benchmark: static-peak vs kpa vs suanli on real request traces.

Run from the repository root:

    .venv/bin/python benchmarks/serving/elasticity.py            # writes results/elasticity.md
    .venv/bin/python benchmarks/serving/elasticity.py --quick    # Azure only, for a smoke test

Every trace is replayed through the same router and autoscaler code as ``suanli serve-sim``. The
static-peak count is the smallest fixed count that meets the SLO objective (bisection on the replay),
so its replica-hours are the least any always-on deployment can pay.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from suanli.serving.sim import ReplaySpec, SynthesisConfig, TraceRequest, load_trace, replay

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "traces" / "llm"
RESULTS = Path(__file__).resolve().parent / "results"
SERVEGEN = "servegen_aggregate_rate_10min.csv"


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    model: str | None = None
    start_hour: float = 0.0
    hours: float = 24.0


CASES = [
    Case("azure conv (1 h)", "azure_llm_2023_conv.csv"),
    Case("servegen m-large, day 1", SERVEGEN, "language/m-large"),
    Case("servegen m-mid, day 1", SERVEGEN, "language/m-mid"),
    Case("servegen m-small, day 1", SERVEGEN, "language/m-small"),
    Case("servegen deepseek-r1, day 1", SERVEGEN, "reason/deepseek-r1"),
    Case("servegen mm-image, day 1", SERVEGEN, "multimodal/mm-image"),
    # The day of m-mid with the most idle 10-minute windows: exercises scale to zero and back.
    Case("servegen m-mid, day 10 (idle windows)", SERVEGEN, "language/m-mid", start_hour=216.0),
]


def requests_for(case: Case, seed: int, mean_rps: float) -> list[TraceRequest]:
    synthesis = SynthesisConfig(mean_rps=mean_rps, hours=case.hours, start_hour=case.start_hour, seed=seed)
    return load_trace(DATA / case.file, case.model, synthesis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Azure only")
    parser.add_argument("--seeds", type=int, default=1, help="ServeGen arrival seeds (median reported)")
    parser.add_argument("--mean-rps", type=float, default=4.0, help="ServeGen curves rescaled to this mean")
    parser.add_argument("--cold-start-s", type=float, default=30.0)
    parser.add_argument("--only", default="", help="comma-separated: run only cases whose name contains one")
    parser.add_argument("--out", type=Path, default=RESULTS / "elasticity.md")
    args = parser.parse_args()

    from suanli.serving.sim import ReplicaModel

    model = ReplicaModel(cold_start_s=args.cold_start_s)
    cases = CASES[:1] if args.quick else [c for c in CASES if any(o in c.name for o in args.only.split(","))]
    lines = [
        "# Elasticity: SLO attainment (TTFT <= 2 s) and replica-hours",
        "",
        f"Machine: {platform.node()}, {platform.processor() or platform.machine()}, 2 shared cores (noisy; "
        "the replay is deterministic, so timings only affect how long the run takes).",
        f"Replica model: {model}. ServeGen curves rescaled to a mean of {args.mean_rps:g} req/s; "
        f"seeds {list(range(args.seeds))} (medians across seeds). Target: suanli at least 99% SLO with at most "
        "0.6x static-peak replica-hours, and better than kpa on both.",
        "",
        "| trace | requests | policy | slo_attainment | p50_ttft_s | p99_ttft_s | replica_hours | x static | "
        "peak_replicas | cold_starts |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts: list[str] = []
    started = time.time()
    for case in cases:
        seeds = [0] if case.model is None else list(range(args.seeds))
        per_policy: dict[str, list[dict[str, float]]] = {"static-peak": [], "kpa": [], "suanli": []}
        n_requests = 0
        for seed in seeds:
            reqs = requests_for(case, seed, args.mean_rps)
            n_requests = len(reqs)
            static_rh = 0.0
            for policy in ("static-peak", "kpa", "suanli"):
                out = replay(reqs, ReplaySpec(policy=policy, model=model, seed=seed)).result
                if policy == "static-peak":
                    static_rh = out.replica_hours
                per_policy[policy].append({
                    "slo": out.slo_attainment, "p50": out.p50_ttft_s, "p99": out.p99_ttft_s,
                    "rh": out.replica_hours, "ratio": out.replica_hours / static_rh,
                    "peak": out.peak_replicas, "cold": out.cold_starts,
                })
        med = {p: {k: statistics.median(r[k] for r in rows) for k in rows[0]} for p, rows in per_policy.items()}
        for policy, m in med.items():
            lines.append(
                f"| {case.name} | {n_requests} | {policy} | {m['slo']:.4f} | {m['p50']:.2f} | {m['p99']:.2f} | "
                f"{m['rh']:.1f} | {m['ratio']:.3f} | {m['peak']:.0f} | {m['cold']:.0f} |"
            )
        s, k = med["suanli"], med["kpa"]
        ok = s["slo"] >= 0.99 and s["ratio"] <= 0.6
        beats = s["slo"] >= k["slo"] and s["rh"] <= k["rh"]
        verdicts.append(
            f"- {case.name}: suanli {s['slo']:.4f} SLO at {s['ratio']:.3f}x static-peak "
            f"({'meets' if ok else 'misses'} the 99% / 0.6x target); vs kpa ({k['slo']:.4f}, {k['ratio']:.3f}x): "
            f"{'better on both' if beats else 'not better on both'}."
        )
        print(lines[-3], lines[-2], lines[-1], sep="\n", flush=True)
    lines += ["", "## Verdicts", "", *verdicts, "", f"Run time: {time.time() - started:.0f} s.", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(verdicts))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
