"""``suanli serve-sim``: replay an LLM request trace through the real router and autoscaler."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

_COLUMNS = ("requests", "slo_attainment", "p50_ttft_s", "p99_ttft_s", "replica_hours", "peak_replicas",
            "cold_starts")


def serve_sim(
    trace: Annotated[Path, typer.Option("--trace", help="Azure CSV, Mooncake JSONL or ServeGen rate CSV.")],
    policy: Annotated[str, typer.Option(help="static-peak, kpa or suanli.")] = "suanli",
    slo_ttft_s: Annotated[float, typer.Option(help="Time-to-first-token objective (s).")] = 2.0,
    cold_start_s: Annotated[float, typer.Option(help="Seconds from ordering a replica to serving.")] = 30.0,
    prefill_tokens_per_s: Annotated[float, typer.Option(help="Replica prompt-processing rate.")] = 4000.0,
    decode_tokens_per_s: Annotated[float, typer.Option(help="Generation rate of each sequence.")] = 25.0,
    max_seqs: Annotated[int, typer.Option(help="Concurrent sequences per replica.")] = 8,
    cache_blocks: Annotated[int, typer.Option(help="Prefix-cache size per replica, in blocks.")] = 1000,
    min_replicas: Annotated[int, typer.Option(help="Lower bound on replicas.")] = 0,
    max_replicas: Annotated[int, typer.Option(help="Upper bound on replicas.")] = 1000,
    quota_replicas: Annotated[int | None, typer.Option(help="Tenant quota, in replicas.")] = None,
    static_replicas: Annotated[
        int | None, typer.Option(help="static-peak count; default: the smallest that meets --slo-target.")
    ] = None,
    slo_target: Annotated[float, typer.Option(help="Attainment static-peak must reach.")] = 0.99,
    affinity: Annotated[
        bool | None, typer.Option("--affinity/--no-affinity", help="Prefix affinity (default: if hashes).")
    ] = None,
    servegen_model: Annotated[str | None, typer.Option(help="ServeGen: which model's curve.")] = None,
    mean_rps: Annotated[float, typer.Option(help="ServeGen: rescale the curve to this mean rate.")] = 4.0,
    hours: Annotated[float, typer.Option(help="ServeGen: hours of the curve to replay.")] = 24.0,
    start_hour: Annotated[float, typer.Option(help="ServeGen: where in the curve to start.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed for arrivals and routing.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Replay a request trace on a virtual clock and report SLO attainment and replica-hours."""
    from suanli.cli.output import show
    from suanli.serving.autoscaling import Bounds
    from suanli.serving.sim import ReplaySpec, ReplicaModel, SynthesisConfig, load_trace, replay

    model = ReplicaModel(cold_start_s=cold_start_s, prefill_tokens_per_s=prefill_tokens_per_s,
                         decode_tokens_per_s=decode_tokens_per_s, max_seqs=max_seqs, cache_blocks=cache_blocks)
    synthesis = SynthesisConfig(mean_rps=mean_rps, hours=hours, start_hour=start_hour, seed=seed)
    requests = load_trace(trace, servegen_model, synthesis)
    spec = ReplaySpec(policy=policy, model=model, slo_ttft_s=slo_ttft_s, slo_target=slo_target,
                      bounds=Bounds(min_replicas, max_replicas, quota_replicas), static_replicas=static_replicas,
                      affinity=affinity, seed=seed)
    outcome = replay(requests, spec)
    document = {"trace": str(trace), "policy": policy, **outcome.result.as_dict()}
    if outcome.static_replicas is not None:
        document["static_replicas"] = outcome.static_replicas
    rows = [{"metric": k, "value": _fmt(document[k])} for k in (*_COLUMNS, "failed", "warm_block_share")
            if document.get(k) is not None]
    show(document, as_json=as_json, rows=rows, columns=("metric", "value"), title=f"serve-sim: {policy}")


def _fmt(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
