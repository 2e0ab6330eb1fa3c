"""``suanli quota set|show``."""

from __future__ import annotations

from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import console, print_json, print_table
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Quotas per tenant and accelerator kind.", no_args_is_help=True)
TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")]


@app.command("set")
def set_(
    tenant: TenantOpt,
    kind: Annotated[str, typer.Option(help="Accelerator kind, e.g. nvidia-h100 or ascend-910b")],
    nominal: Annotated[int, typer.Option(help="Devices guaranteed to the tenant")],
    borrowing_limit: Annotated[int, typer.Option(help="Extra devices it may borrow when idle")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Set a tenant's quota for one accelerator kind (platform admins)."""
    with client() as c:
        q = c.set_quota(tenant, kind, nominal=nominal, borrowing_limit=borrowing_limit)
    if as_json:
        print_json(q)
    else:
        console.print(f"{tenant}: {kind} nominal {q['nominal']}, borrowing limit {q['borrowing_limit']}")


@app.command("show")
def show_(tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """Show a tenant's quotas."""
    with client() as c:
        q = c.quotas(tenant)
    if as_json:
        print_json(q)
        return
    print_table(q["accelerators"], ("accelerator_kind", "nominal", "borrowing_limit", "updated_at"),
                title=f"quotas of {tenant}")
    console.print(f"storage quota: {q['storage_quota_bytes'] / 1e9:.1f} GB")
