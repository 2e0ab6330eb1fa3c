"""``suanli pool add|list|show|price``: pools, their resale chains and price books."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import console, print_json, print_table, show
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Pools offered to tenants, and their prices (platform admins edit them).",
                  no_args_is_help=True)


def _pairs(items: list[str], what: str) -> list[tuple[str, str]]:
    from suanli.core.errors import InvalidInput

    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise InvalidInput(f"{what} must look like NAME=VALUE, got {item!r}")
        out.append((key.strip(), value.strip()))
    return out


@app.command("add")
def add(
    pool_id: Annotated[str, typer.Argument(metavar="ID", help="A short name, e.g. sh-telecom")],
    provider: Annotated[str, typer.Option(help="The operating provider")],
    region: Annotated[str, typer.Option(help="e.g. cn-east")],
    jurisdiction: Annotated[str, typer.Option(help="Where data resides, e.g. CN-SH")],
    cluster: Annotated[str | None, typer.Option(help="The training plane's cluster behind the pool")] = None,
    cert: Annotated[list[str] | None, typer.Option(help="A certification, e.g. mlps-3 (repeat)")] = None,
    accelerators: Annotated[list[str] | None, typer.Option(help="KIND=COUNT offered (repeat)")] = None,
    resale: Annotated[list[str] | None, typer.Option(
        help="RESELLER=MARKUP, operator side first (repeat), e.g. province-agent=0.10")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a pool (platform admins). Its resale chain is fixed from then on."""
    from suanli.core.errors import InvalidInput

    counts = {}
    for kind, count in _pairs(accelerators or [], "--accelerators"):
        if not count.isdigit():
            raise InvalidInput(f"--accelerators {kind}={count}: the count must be a whole number")
        counts[kind] = int(count)
    chain = [{"reseller": r, "markup": m} for r, m in _pairs(resale or [], "--resale")]
    with client() as c:
        p = c.create_pool(pool_id, provider=provider, region=region, jurisdiction=jurisdiction, cluster_id=cluster,
                          certifications=cert or [], accelerators=counts, resale=chain)
    show(p, as_json=as_json, title=f"pool {pool_id}")


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List pools."""
    with client() as c:
        rows = c.pools()
    if as_json:
        print_json(rows)
        return
    print_table(
        ({**p, "certifications": ", ".join(p["certifications"]),
          "accelerators": ", ".join(f"{k}: {v}" for k, v in p["accelerators"].items()),
          "resale": " > ".join(f"{x['reseller']} +{x['markup']}" for x in p["resale"]) or "direct"} for p in rows),
        ("id", "provider", "region", "jurisdiction", "certifications", "accelerators", "resale"),
        title="pools",
    )


@app.command("show")
def show_(pool_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Show a pool and its price book (every price version)."""
    with client() as c:
        p = c.pool(pool_id)
        prices = c.prices(pool_id)
    if as_json:
        print_json({**p, "prices": prices})
        return
    show({k: v for k, v in p.items()}, as_json=False, title=f"pool {pool_id}")
    print_table(prices, ("sku", "unit_price", "effective", "author"), title="price book (CNY per priced unit)")


@app.command("price")
def price(
    pool_id: Annotated[str, typer.Argument(metavar="ID")],
    sku: Annotated[str, typer.Option(help="e.g. accelerator-hour/ascend-910b, cpu-core-hour")],
    unit_price: Annotated[str, typer.Option("--price", help="CNY per priced unit, e.g. 16.00")],
    effective: Annotated[str | None, typer.Option(help="ISO 8601 time with zone; default now")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a price version (platform admins); it applies from its effective time on, never before."""
    from suanli.core.errors import InvalidInput

    when = None
    if effective is not None:
        try:
            when = datetime.fromisoformat(effective)
        except ValueError:
            raise InvalidInput(f"--effective must be ISO 8601 with a zone, got {effective!r}") from None
    with client() as c:
        p = c.add_price(pool_id, sku, unit_price, effective=when)
    if as_json:
        print_json(p)
    else:
        console.print(f"{pool_id}: {p['sku']} at ¥{p['unit_price']} from {p['effective']}")
