"""``suanli provider add|list``: the companies that operate or resell compute."""

from __future__ import annotations

from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Providers of compute (platform admins add them).", no_args_is_help=True)


@app.command("add")
def add(
    provider_id: Annotated[str, typer.Argument(metavar="ID", help="A short name, e.g. telecom-cloud")],
    ownership: Annotated[str, typer.Option(help="state-owned, private or self-hosted")],
    name: Annotated[str, typer.Option(help="Display name")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Add a provider (platform admins)."""
    with client() as c:
        p = c.create_provider(provider_id, ownership=ownership, name=name)
    show(p, as_json=as_json, title=f"provider {provider_id}")


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List providers."""
    with client() as c:
        rows = c.providers()
    show(rows, as_json=as_json, rows=rows, columns=("id", "name", "ownership", "created_at"), title="providers")
