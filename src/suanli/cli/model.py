"""``suanli model create|upload|list|show|versions``: the model registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import err_console, show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Models: Hugging Face folders as immutable, versioned objects.", no_args_is_help=True)
TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")]
COLUMNS = ("name", "id", "description", "created_at")
VERSION_COLUMNS = (
    "number",
    "status",
    "architecture",
    "parameters",
    "context_length",
    "size_bytes",
    "training_job_id",
    "dataset_version",
    "created_at",
)


@app.command("create")
def create(
    tenant: TenantOpt, name: str, description: Annotated[str, typer.Option()] = "", as_json: JsonOpt = False
) -> None:
    """Create an empty model; upload versions into it."""
    with client() as c:
        m = c.create_model(tenant, name, description=description)
    show(m, as_json=as_json, title=f"model {name}")


@app.command("upload")
def upload(
    tenant: TenantOpt,
    name: str,
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Hugging Face model folder")],
    create: Annotated[bool, typer.Option("--create", help="Create the model first if it does not exist")] = False,
    training_job: Annotated[str | None, typer.Option(help="Lineage: the training job id")] = None,
    dataset_version: Annotated[str | None, typer.Option(help="Lineage: the dataset version")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Upload a folder as the model's next version (per file, in 1 MiB chunks; at most 64 GiB)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from suanli.core.errors import NotFound

    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    with client() as c:
        if create:
            try:
                c.model(tenant, name)
            except NotFound:
                c.create_model(tenant, name)
        with Progress(
            TextColumn(f"[bold]upload[/] {name}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err_console,
            disable=as_json,
        ) as bar:
            task = bar.add_task("", total=total)
            version = c.upload_model(
                tenant,
                name,
                folder,
                training_job_id=training_job,
                dataset_version=dataset_version,
                progress=lambda n: bar.advance(task, n),
            )
    if not as_json:
        version = {k: v for k, v in version.items() if k != "files"}
    show(version, as_json=as_json, title=f"model {name} version {version['number']}")


@app.command("list")
def list_(tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """List the tenant's models."""
    with client() as c:
        rows = c.models(tenant)
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title="models")


@app.command("show")
def show_(
    tenant: TenantOpt,
    name: str,
    version: Annotated[str, typer.Option(help="number, id or latest")] = "latest",
    as_json: JsonOpt = False,
) -> None:
    """Show a model and one of its versions (default: the latest ready one)."""
    with client() as c:
        m = c.model(tenant, name)
        try:
            v: dict[str, object] | None = c.model_version(tenant, name, version)
        except Exception:  # a model without a ready version yet
            v = None
    document = {**m, "version": v}
    if not as_json:
        document = {**m, **{f"version.{k}": val for k, val in (v or {}).items() if k != "files"}}
    show(document, as_json=as_json, title=f"model {name}")


@app.command("versions")
def versions(tenant: TenantOpt, name: str, as_json: JsonOpt = False) -> None:
    """List a model's versions."""
    with client() as c:
        rows = c.model_versions(tenant, name)
    show(rows, as_json=as_json, rows=rows, columns=VERSION_COLUMNS, title=f"versions of {name}")
