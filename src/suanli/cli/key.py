"""``suanli key create|list|revoke``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import err_console, show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="API keys: shown once, stored hashed, revocable.", no_args_is_help=True)
TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")]
COLUMNS = ("id", "name", "user_id", "created_at", "expires_at", "revoked_at", "last_used_at")


@app.command("create")
def create(
    tenant: TenantOpt,
    user: Annotated[str | None, typer.Option(help="User the key acts as (default: you)")] = None,
    name: Annotated[str, typer.Option(help="What the key is for")] = "",
    expires_in_days: Annotated[float | None, typer.Option(help="Expire after this many days")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a key. Its token is printed once: store it now."""
    expires = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    with client() as c:
        key = c.create_key(tenant, user=user, name=name, expires_at=expires)
    show(key, as_json=as_json, title="new API key")
    if not as_json:
        err_console.print("[yellow]The token is shown only this once.[/]")


@app.command("list")
def list_(tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """List keys (tenant admins see all of the tenant's keys, others their own)."""
    with client() as c:
        rows = c.keys(tenant)
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title=f"keys of {tenant}")


@app.command("revoke")
def revoke(key_id: str, tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """Revoke a key; it stops working at once."""
    with client() as c:
        key = c.revoke_key(tenant, key_id)
    show(key, as_json=as_json, title="revoked")
