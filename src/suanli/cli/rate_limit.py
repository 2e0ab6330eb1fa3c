"""``suanli rate-limit show|set|clear``: a tenant's gateway limits per minute."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from suanli.cli.connect import client
from suanli.cli.output import console, print_json, print_table
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Gateway rate limits per tenant (requests and tokens per minute).", no_args_is_help=True)
TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")]
FIELDS = ("key_rpm", "key_tpm", "tenant_rpm", "tenant_tpm")


def _render(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(view)
        return
    rows = [
        {
            "limit": f,
            "own": "default" if view["limits"][f] is None else view["limits"][f],
            "effective": view["effective"][f] or "unlimited",
        }
        for f in FIELDS
    ]
    print_table(rows, ("limit", "own", "effective"), title=f"gateway rate limits of {view['tenant']}")


def _option(help_: str) -> Any:
    return typer.Option(min=-1, help=f"{help_}; 0 = unlimited, -1 = back to the gateway's default")


@app.command("show")
def show_(tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """Show a tenant's own limits and the ones the gateway enforces."""
    with client() as c:
        _render(c.rate_limits(tenant), as_json)


@app.command("set")
def set_(
    tenant: TenantOpt,
    key_rpm: Annotated[int | None, _option("requests per minute of each key")] = None,
    key_tpm: Annotated[int | None, _option("tokens per minute of each key")] = None,
    tenant_rpm: Annotated[int | None, _option("requests per minute of the whole tenant")] = None,
    tenant_tpm: Annotated[int | None, _option("tokens per minute of the whole tenant")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change some of a tenant's limits (platform admins); the others keep their value. Applies at once."""
    given = {"key_rpm": key_rpm, "key_tpm": key_tpm, "tenant_rpm": tenant_rpm, "tenant_tpm": tenant_tpm}
    with client() as c:
        current = c.rate_limits(tenant)["limits"]
        wanted = {f: current[f] if given[f] is None else (None if given[f] == -1 else given[f]) for f in FIELDS}
        view = c.set_rate_limits(tenant, **wanted)
    _render(view, as_json)
    if not as_json:
        console.print("every gateway applies them within a second")


@app.command("clear")
def clear_(tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """Drop a tenant's own limits: the gateway's defaults apply again."""
    with client() as c:
        _render(c.clear_rate_limits(tenant), as_json)
