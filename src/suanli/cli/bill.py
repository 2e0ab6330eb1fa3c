"""``suanli bill``: a tenant's invoice for a month, with showback by user."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import console, print_json, print_table
from suanli.cli.platform import JsonOpt

CSV_COLUMNS = ("subject", "user", "pool", "sku", "price_effective", "usage", "usage_unit", "quantity",
               "base_unit_price", "unit_price", "amount")


def bill(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")],
    month: Annotated[str, typer.Option("--month", "-m", help="Billing month (China time), e.g. 2026-11")],
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the invoice lines as CSV")] = False,
) -> None:
    """A tenant's invoice: one line per job or deployment, user, pool, SKU and price; showback by user."""
    with client() as c:
        doc = c.invoice(tenant, month)
    if as_json:
        print_json(doc)
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(doc["lines"])
        return
    print_table(
        ({**ln, "resale": " > ".join(x["reseller"] for x in ln["resale_layers"]) or "direct"} for ln in doc["lines"]),
        ("subject", "user", "pool", "sku", "quantity", "unit_price", "resale", "amount"),
        title=f"invoice of {doc['tenant']} for {month} (CNY)",
    )
    print_table(({"user": u, "amount": a} for u, a in doc["by_user"].items()), ("user", "amount"),
                title="showback by user")
    console.print(f"total: ¥{doc['total']}")
