"""``suanli sim``: replay a job trace through the scheduling core with a virtual clock."""

from __future__ import annotations

from pathlib import Path

import typer

COLUMNS = ("policy", "jobs", "avg_jct_s", "p50_jct_s", "p99_jct_s", "avg_queue_s", "p99_queue_s", "makespan_s",
           "gpu_utilization", "preemptions", "tenant_slowdown_max_min")


def sim(
    trace: Path = typer.Option(..., "--trace", help="trace file: CSV (submit_time, duration, num_gpus; "
                               "optional tenant, priority) or the Philly file with --format philly"),
    gpus: int = typer.Option(..., "--gpus", help="GPUs in the simulated cluster"),
    gpus_per_node: int = typer.Option(8, "--gpus-per-node", help="GPUs per node"),
    policy: list[str] = typer.Option(["suanli"], "--policy", help="fifo, sjf-oracle, tiresias or suanli; "
                                     "repeat to compare side by side"),
    preempt_cost_s: float = typer.Option(60.0, "--preempt-cost-s", help="work a preempted job loses on resume"),
    fmt: str = typer.Option("csv", "--format", help="csv or philly"),
    limit: int = typer.Option(0, "--limit", help="replay only the first N jobs by submission (0: all)"),
    as_json: bool = typer.Option(False, "--json", help="print the results as one JSON document"),
) -> None:
    """Replay a trace under one or more scheduling policies and print JCT, queueing and utilisation."""
    from suanli.cli.output import err_console, print_json, print_table
    from suanli.scheduling import policy_named
    from suanli.scheduling.sim import machine, read_trace, simulate, summarize

    chosen = [policy_named(p) for p in policy]
    cluster = machine(gpus, gpus_per_node)
    loaded = read_trace(trace, fmt)
    jobs = loaded.jobs[:limit] if limit > 0 else loaded.jobs
    for line, why in loaded.malformed[:20]:
        err_console.print(f"[yellow]skipped[/] {trace}:{line}: {why}")
    if len(loaded.malformed) > 20:
        err_console.print(f"[yellow]skipped[/] {len(loaded.malformed) - 20} more malformed rows")
    results = []
    for p in chosen:
        run = simulate(jobs, cluster, p, preempt_cost_s)
        row = summarize(run, p.name)
        row["malformed_rows"] = [line for line, _ in loaded.malformed]
        results.append(row)
        if run.unschedulable:
            err_console.print(f"[yellow]{len(run.unschedulable)} job(s) ask for more than {gpus} GPUs; "
                              "not replayed[/]")
    if as_json:
        print_json({"trace": str(trace), "gpus": gpus, "gpus_per_node": gpus_per_node,
                    "preempt_cost_s": preempt_cost_s, "results": results})
        return
    print_table(results, COLUMNS, title=f"{trace.name} on {gpus} GPUs ({gpus_per_node} per node)")
