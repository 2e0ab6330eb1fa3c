"""``suanli dataset create|upload|list|classify|show|versions|download|delete``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from suanli.cli.connect import client
from suanli.cli.output import err_console, print_json, show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Datasets with immutable versions on the platform's object storage.", no_args_is_help=True)
TenantOpt = Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant name (default: your own)")]
VersionOpt = Annotated[str, typer.Option("--version", "-v", help="Version number or 'latest'")]
COLUMNS = ("name", "latest_version", "version_count", "classification", "description", "created_at")
VERSION_COLUMNS = ("number", "parent_number", "recipe", "total_documents", "total_bytes", "message", "created_at")
SHARD_COLUMNS = ("position", "name", "documents", "size", "compression", "sha256")


def _size(text: str) -> int:
    """``8MiB``, ``512KiB``, ``5MB`` or a plain number of bytes."""
    units = {"kib": 1024, "mib": 1024**2, "gib": 1024**3, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "b": 1}
    t = text.strip().lower()
    for unit, factor in units.items():
        if t.endswith(unit) and t[: -len(unit)].strip().replace(".", "", 1).isdigit():
            return int(float(t[: -len(unit)]) * factor)
    if t.isdigit():
        return int(t)
    raise typer.BadParameter(f"not a size: {text!r} (try 8MiB)")


def _tenant(c: Any, tenant: str | None) -> str:
    return tenant or str(c.me()["tenant"])


@contextmanager
def _bar(label: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr (none with ``--json``), fed (done, total) in bytes."""
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress("[bold]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=err_console, transient=False) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command("create")
def create(
    name: str, tenant: TenantOpt = None,
    description: Annotated[str, typer.Option(help="What the data is")] = "",
    exist_ok: Annotated[bool, typer.Option("--exist-ok", help="Succeed if it already exists")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an empty dataset."""
    from suanli.core.errors import Conflict

    with client() as c:
        t = _tenant(c, tenant)
        try:
            ds = c.create_dataset(t, name, description=description)
        except Conflict:
            if not exist_ok:
                raise
            ds = c.dataset(t, name)
    show(ds, as_json=as_json, title=f"dataset {name}")


@app.command("upload")
def upload(
    name: str,
    files: Annotated[list[Path], typer.Argument(help="shards: .jsonl, .jsonl.gz, .jsonl.zst or .parquet",
                                                exists=True, dir_okay=False, readable=True)],
    tenant: TenantOpt = None,
    chunk_size: Annotated[str, typer.Option(help="Chunk size (at least 5MiB on S3)")] = "8MiB",
    parent: Annotated[int | None, typer.Option(help="Version this one derives from (lineage)")] = None,
    recipe: Annotated[str | None, typer.Option(help="Curation recipe that produced it (lineage)")] = None,
    report: Annotated[str | None, typer.Option(help="Reference of the curation report")] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="What changed")] = "",
    create_dataset: Annotated[bool, typer.Option("--create", help="Create the dataset if missing")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Upload files as a new version, in checksummed chunks. Rerun the same command to resume."""
    from suanli.core.errors import NotFound

    with client() as c:
        t = _tenant(c, tenant)
        if create_dataset:
            try:
                c.dataset(t, name)
            except NotFound:
                c.create_dataset(t, name)
        with _bar(f"upload {name}", not as_json) as progress:
            version = c.upload_dataset(t, name, list(files), chunk_size=_size(chunk_size), parent_version=parent,
                                       recipe=recipe, report=report, message=message, progress=progress)
    if as_json:
        print_json(version)
    else:
        err_console.print(f"[green]{name} version {version['number']}[/]: {version['total_documents']} documents, "
                          f"{version['total_bytes']} bytes")


@app.command("list")
def list_(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """List the tenant's datasets."""
    with client() as c:
        t = _tenant(c, tenant)
        rows = c.datasets(t)
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title=f"datasets of {t}")


@app.command("classify")
def classify(
    name: str,
    classification: Annotated[str, typer.Argument(help="public, internal, important or core (never lowered)")],
    tenant: TenantOpt = None, as_json: JsonOpt = False,
) -> None:
    """Label a dataset's data classification; the jobs, models and deployments derived from it are raised too."""
    with client() as c:
        result = c.classify_dataset(_tenant(c, tenant), name, classification)
    if as_json:
        print_json(result)
    else:
        raised = f"; raised with it: {', '.join(result['raised'])}" if result["raised"] else ""
        err_console.print(f"[green]{name}[/] is {result['classification']}{raised}")


@app.command("show")
def show_(name: str, tenant: TenantOpt = None, version: VersionOpt = "latest", as_json: JsonOpt = False) -> None:
    """Show a version's manifest: shards, sizes, sha256, documents and lineage."""
    with client() as c:
        m = c.dataset_version(_tenant(c, tenant), name, version)
    if as_json:
        print_json(m)
        return
    head = {k: m[k] for k in ("dataset", "number", "parent_number", "recipe", "report", "total_documents",
                              "total_bytes", "created_at")}
    show(head, as_json=False, title=f"{name} version {m['number']}")
    show(m["shards"], as_json=False, rows=m["shards"], columns=SHARD_COLUMNS, title="shards")


@app.command("versions")
def versions(name: str, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """List a dataset's versions with their lineage."""
    with client() as c:
        rows = c.dataset_versions(_tenant(c, tenant), name)
    show(rows, as_json=as_json, rows=rows, columns=VERSION_COLUMNS, title=f"versions of {name}")


@app.command("download")
def download(
    name: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the shards and manifest.json")],
    tenant: TenantOpt = None, version: VersionOpt = "latest",
    export: Annotated[Path | None, typer.Option(help="Also write all documents, decompressed, to one JSONL")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Download a version's shards (resumable, verified by sha256); ``--export`` joins them into one JSONL."""
    with client() as c:
        t = _tenant(c, tenant)
        with _bar(f"download {name}", not as_json) as progress:
            m = c.download_dataset(t, name, output, version=version, progress=progress)
        if export is not None:
            c.export_dataset(t, name, export, version=m["number"])
    if as_json:
        print_json(m)
    else:
        err_console.print(f"[green]{name} version {m['number']}[/]: {len(m['shards'])} shards in {output}")


@app.command("delete")
def delete(
    name: str, tenant: TenantOpt = None,
    version: Annotated[int | None, typer.Option("--version", "-v", help="Delete only this version")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete a dataset (every version), or one version that no later version derives from."""
    what = f"version {version} of {name}" if version is not None else f"dataset {name} and all its versions"
    if not yes and not typer.confirm(f"delete {what}?"):
        raise typer.Exit(1)
    with client() as c:
        t = _tenant(c, tenant)
        out = c.delete_dataset_version(t, name, version) if version is not None else c.delete_dataset(t, name)
    show(out, as_json=as_json, title=f"deleted {what}")


@app.command("curate")
def curate(
    name: str,
    recipe: Annotated[str, typer.Option("--recipe", "-r", help="zh-web, en-web, zh-repair, zh-dedup or a YAML")],
    tenant: TenantOpt = None, version: VersionOpt = "latest",
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes (0: all cores)")] = 0,
    work_dir: Annotated[Path | None, typer.Option(help="Scratch folder (default <home>/curate)")] = None,
    chunk_size: Annotated[str, typer.Option(help="Upload chunk size (--local)")] = "8MiB",
    local: Annotated[bool, typer.Option("--local", help="Run the pipeline on this machine, not the server")] = False,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for the server's job to finish")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Curate a version with a recipe into a new version (parent, recipe and report recorded).

    By default the server runs it as a job (built-in recipes; it survives a server restart and resumes);
    ``--local`` runs the pipeline on this machine, where rerunning the same command resumes it.
    """
    from suanli.data.datasets.curation import curate_version
    from suanli.settings import default_home

    if not local:
        _curate_on_server(name, recipe, tenant, version, workers, wait, as_json)
        return
    with client() as c:
        t = _tenant(c, tenant)
        stage = (lambda _: None) if as_json else (lambda text: err_console.print(f"[bold]{name}[/]: {text}"))
        with _bar(f"upload {name}", not as_json) as progress:
            v = curate_version(c, t, name, recipe, work_dir=work_dir or default_home() / "curate",
                               version=version, workers=workers or None, chunk_size=_size(chunk_size),
                               on_stage=stage, progress=progress)
    if as_json:
        print_json(v)
    else:
        err_console.print(f"[green]{name} version {v['number']}[/] ({v['message']}); report {v['report']}")


def _curate_on_server(name: str, recipe: str, tenant: str | None, version: str, workers: int, wait: bool,
                      as_json: bool) -> None:
    import time

    with client() as c:
        t = _tenant(c, tenant)
        number = None if version == "latest" else int(version) if version.isdigit() else -1
        if number == -1:
            raise typer.BadParameter(f"version must be a number or 'latest', not {version!r}")
        job = c.curate_dataset(t, name, recipe, version=number, workers=workers or 1)
        while wait and job["status"] in ("queued", "running"):
            if not as_json:
                err_console.print(f"[bold]{name}[/]: {job['status']} {job['stage']} {job['progress']}")
            time.sleep(2.0)
            job = c.curation(t, name, job["id"])
    if as_json:
        print_json(job)
    elif job["status"] == "succeeded":
        err_console.print(f"[green]{name} version {job['result_version']}[/] by curation {job['id']}; "
                          f"report: suanli dataset report {name} --version {job['result_version']}")
    if job["status"] not in ("succeeded", "queued", "running"):
        err_console.print(f"curation {job['id']}: {job['status']} {job['error'] or ''}")
    if job["status"] in ("failed", "cancelled"):
        raise typer.Exit(1)


@app.command("report")
def report(name: str, tenant: TenantOpt = None, version: VersionOpt = "latest", as_json: JsonOpt = False) -> None:
    """Show the curation report of a version: what each step kept, changed and removed."""
    from suanli.data.runners.local import steps_table

    with client() as c:
        doc = c.dataset_report(_tenant(c, tenant), name, version)
    if as_json:
        print_json(doc)
        return
    show(doc, as_json=False, rows=steps_table(doc),
         columns=("step", "docs in", "docs out", "changed", "MB in", "MB out", "removed (top reasons)"),
         title=f"{name}: {(doc.get('recipe') or {}).get('name')} of version {doc.get('source_version')}")
