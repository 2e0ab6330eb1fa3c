"""``suanli curate``: run a curation recipe over a local file, with no server."""

from __future__ import annotations

from pathlib import Path

import typer


def curate(
    recipe: str = typer.Option(..., "--recipe", "-r", help="built-in recipe (zh-web, en-web, zh-repair, "
                               "zh-dedup) or a recipe YAML file"),
    input: Path = typer.Option(..., "--input", "-i", help="JSONL (.gz/.zst) or WARC (.warc[.gz]) input"),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL output (.gz/.zst compresses)"),
    report: Path | None = typer.Option(None, "--report", help="write the run report (JSON) here"),
    workers: int = typer.Option(0, "--workers", "-w", help="worker processes (0: all cores)"),
    shard_docs: int = typer.Option(2000, "--shard-docs", help="documents per shard (unit of resume)"),
    against: list[Path] = typer.Option([], "--against", help="existing corpus (JSONL) to deduplicate "
                                       "against; repeatable"),
    restart: bool = typer.Option(False, "--restart", help="discard a previous interrupted run's shards"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Curate a corpus locally: repair, extract, filter, mask and deduplicate documents.

    Streams the input with every core in bounded memory; an interrupted run resumes from its last
    committed shard when started again with the same arguments.
    """
    import json

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from suanli.cli.output import err_console, print_json, print_table
    from suanli.core.errors import InvalidInput
    from suanli.data.recipe import load
    from suanli.data.runners import local

    if shard_docs < 1:
        raise InvalidInput("--shard-docs must be at least 1")
    chosen = load(recipe)
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
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if as_json:
        print_json(result)
        return
    print_table(local.steps_table(result),
                ("step", "docs in", "docs out", "changed", "MB in", "MB out", "removed (top reasons)"),
                title=f"{chosen.name}: {result['docs_out']:,} of {result['docs_in']:,} documents kept")
