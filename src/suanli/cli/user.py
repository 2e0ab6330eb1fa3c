"""``suanli user create|list|update``."""

from __future__ import annotations

from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Users of a tenant and their roles.", no_args_is_help=True)
TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")]
COLUMNS = ("name", "role", "email", "disabled", "created_at")


@app.command("create")
def create(
    name: str, tenant: TenantOpt,
    role: Annotated[str, typer.Option(help="platform-admin, tenant-admin, member or viewer")] = "member",
    email: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user to a tenant."""
    with client() as c:
        u = c.create_user(tenant, name, role=role, email=email)
    show(u, as_json=as_json, title=f"user {name}")


@app.command("list")
def list_(tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """List a tenant's users."""
    with client() as c:
        rows = c.users(tenant)
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title=f"users of {tenant}")


@app.command("update")
def update(
    name: str, tenant: TenantOpt,
    role: Annotated[str | None, typer.Option()] = None,
    disabled: Annotated[bool | None, typer.Option("--disable/--enable")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a user's role, or disable them."""
    changes = {k: v for k, v in {"role": role, "disabled": disabled}.items() if v is not None}
    with client() as c:
        u = c.update_user(tenant, name, **changes)
    show(u, as_json=as_json, title=f"user {name}")
