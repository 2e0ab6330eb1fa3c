"""``suanli curate``: run a curation recipe over a local file, with no server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from suanli.data.recipe import Recipe


def curate(
    recipe: str = typer.Option(..., "--recipe", "-r", help="built-in recipe (zh-web, en-web, zh-repair, "
                               "zh-dedup) or a recipe YAML file"),
    input: Path = typer.Option(..., "--input", "-i", help="JSONL (.gz/.zst), Parquet or WARC (.warc[.gz]) input"),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL output (.gz/.zst compresses)"),
    report: Path | None = typer.Option(None, "--report", help="write the run report (JSON) here"),
    workers: int = typer.Option(0, "--workers", "-w", help="worker processes (0: all cores)"),
    shard_docs: int = typer.Option(2000, "--shard-docs", help="documents per shard (unit of resume)"),
    against: list[Path] = typer.Option([], "--against", help="existing corpus (JSONL) to deduplicate "
                                       "against; repeatable"),
    restart: bool = typer.Option(False, "--restart", help="discard a previous interrupted run's shards"),
    runner: str = typer.Option("local", "--runner", help="local (processes on this machine) or ray (Ray Data "
                               "on a Ray cluster)"),
    ray_address: str | None = typer.Option(None, "--ray-address", help="with --runner ray: the cluster's "
                                           "dashboard (http://HOST:8265: runs as a Ray job) or GCS address "
                                           "(HOST:6379: this process is the driver); default: RAY_ADDRESS"),
    ray_python: str | None = typer.Option(None, "--ray-python", help="with a dashboard address: the Python "
                                          "that runs the job's driver on the head (default: this one)"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Curate a corpus locally: repair, extract, filter, mask and deduplicate documents.

    Streams the input with every core in bounded memory; an interrupted run resumes from its last
    committed shard when started again with the same arguments. ``--runner ray`` runs the same
    operators with Ray Data on a Ray cluster, with the same output and report.
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from suanli.cli.output import err_console
    from suanli.core.errors import InvalidInput
    from suanli.data.recipe import load
    from suanli.data.runners import local

    if shard_docs < 1:
        raise InvalidInput("--shard-docs must be at least 1")
    if runner not in ("local", "ray"):
        raise InvalidInput("--runner must be local or ray")
    chosen = load(recipe)
    if runner == "ray":
        result = _run_on_ray(chosen, input, output, ray_address, ray_python, workers, shard_docs, list(against),
                             restart, as_json)
        _finish(result, report, as_json, chosen.name)
        return
    with Progress(TextColumn("[bold]curate[/] {task.description}"), BarColumn(), DownloadColumn(),
                  TextColumn("{task.fields[docs]}"), TimeRemainingColumn(), console=err_console,
                  transient=as_json, disable=as_json, auto_refresh=False) as bar:
        # No refresh thread: the local runner forks its workers only from a single-threaded process.
        task = bar.add_task(chosen.name, total=input.stat().st_size if input.is_file() else None, docs="")

        def show_progress(p: local.Progress) -> None:
            bar.update(task, completed=p.input_bytes, docs=f"{p.docs_out:,}/{p.docs_in:,} docs kept")
            bar.refresh()

        result = local.run(chosen, input, output, workers=workers or None, shard_docs=shard_docs,
                           reference=list(against), restart=restart, on_progress=show_progress)
    _finish(result, report, as_json, chosen.name)


def _run_on_ray(chosen: Recipe, input: Path, output: Path, address: str | None, python: str | None, workers: int,
                shard_docs: int, against: list[Path], restart: bool, as_json: bool) -> dict[str, Any]:
    """The Ray runner: as a Ray job through a dashboard address, else with this process as the driver."""
    import sys

    from suanli.cli.output import err_console

    if address is not None and address.startswith(("http://", "https://")):
        from suanli.data.runners import ray_job

        def show(status: str) -> None:
            if not as_json:
                err_console.print(f"[bold]curate[/] Ray job {status.lower()}")

        return ray_job.run(address, chosen, input, output, python=python or sys.executable,
                           workers=workers or None, shard_docs=shard_docs, reference=against, restart=restart,
                           on_status=show)
    from suanli.data.runners import ray_data

    return ray_data.run(chosen, input, output, address=address, workers=workers or None, shard_docs=shard_docs,
                        reference=against, restart=restart)


def _finish(result: dict[str, Any], report: Path | None, as_json: bool, name: str) -> None:
    import json

    from suanli.cli.output import print_json, print_table
    from suanli.data.runners.local import steps_table

    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if as_json:
        print_json(result)
        return
    print_table(steps_table(result),
                ("step", "docs in", "docs out", "changed", "MB in", "MB out", "removed (top reasons)"),
                title=f"{name}: {result['docs_out']:,} of {result['docs_in']:,} documents kept")
