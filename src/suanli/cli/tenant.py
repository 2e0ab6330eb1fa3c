"""``suanli tenant create|list|show|update``."""

from __future__ import annotations

from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Tenants: the organisations that share the platform.", no_args_is_help=True)
COLUMNS = ("name", "display_name", "industry", "status", "storage_quota_bytes", "created_at")


@app.command("create")
def create(
    name: str,
    display_name: Annotated[str, typer.Option(help="Human-readable name")] = "",
    industry: Annotated[str, typer.Option(help="finance, government, healthcare, internet, ...")] = "other",
    storage_quota_gb: Annotated[float, typer.Option(help="Storage quota in GB")] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Create a tenant (platform admins)."""
    with client() as c:
        t = c.create_tenant(name, display_name=display_name, industry=industry,
                            storage_quota_bytes=int(storage_quota_gb * 1e9))
    show(t, as_json=as_json, title=f"tenant {name}")


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List the tenants you can see."""
    with client() as c:
        rows = c.tenants()
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title="tenants")


@app.command("show")
def show_(name: str, as_json: JsonOpt = False) -> None:
    """Show one tenant."""
    with client() as c:
        t = c.tenant(name)
    show(t, as_json=as_json, title=f"tenant {name}")


@app.command("update")
def update(
    name: str,
    display_name: Annotated[str | None, typer.Option()] = None,
    industry: Annotated[str | None, typer.Option()] = None,
    storage_quota_gb: Annotated[float | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option(help="active or suspended")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a tenant (platform admins)."""
    changes: dict[str, object] = {
        k: v for k, v in {"display_name": display_name, "industry": industry, "status": status}.items() if v is not None
    }
    if storage_quota_gb is not None:
        changes["storage_quota_bytes"] = int(storage_quota_gb * 1e9)
    with client() as c:
        t = c.update_tenant(name, **changes)
    show(t, as_json=as_json, title=f"tenant {name}")
