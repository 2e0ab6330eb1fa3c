"""``suanli budget set|show``: monthly budgets, their alerts and the hard stop."""

from __future__ import annotations

from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import console, print_json, print_table
from suanli.cli.platform import JsonOpt

app = typer.Typer(help="Budgets per tenant and month: alerts at 50, 80 and 100%, optional hard stop.",
                  no_args_is_help=True)
TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name")]
MonthOpt = Annotated[str, typer.Option("--month", "-m", help="Billing month (China time), e.g. 2026-11")]


def _print(doc: dict[str, object], alerts: list[dict[str, object]]) -> None:
    stop = "hard stop" if doc["hard_stop"] else "advisory"
    console.print(f"{doc['tenant']} {doc['month']}: spent ¥{doc['spent']} of ¥{doc['limit']} "
                  f"({doc['percent']}%, {stop}, running work: {doc['running']})")
    console.print(("new work refused: " if doc["refuse_new"] else "") + str(doc["reason"]))
    if alerts:
        print_table(alerts, ("at", "threshold", "spent", "message", "delivery"), title="alerts")


@app.command("set")
def set_(
    tenant: TenantOpt,
    month: MonthOpt,
    limit: Annotated[str, typer.Option(help="CNY for the month, e.g. 1000.00")],
    hard_stop: Annotated[bool, typer.Option("--hard-stop/--advisory", help="Refuse new work once spent")] = False,
    running: Annotated[str, typer.Option(help="At a hard stop, running work is: leave or drain")] = "leave",
    webhook: Annotated[str | None, typer.Option(help="URL each alert is POSTed to (retried)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a tenant's budget for a month (tenant admins)."""
    with client() as c:
        doc = c.set_budget(tenant, month, limit, hard_stop=hard_stop, running=running, webhook_url=webhook)
    if as_json:
        print_json(doc)
    else:
        _print(doc, [])


@app.command("show")
def show_(tenant: TenantOpt, month: MonthOpt, as_json: JsonOpt = False) -> None:
    """Show a budget: spent, thresholds fired, the alerts and whether new work is refused."""
    with client() as c:
        doc = c.budget(tenant, month)
        alerts = c.budget_alerts(tenant, month=month)
    if as_json:
        print_json({**doc, "alerts": alerts})
    else:
        _print(doc, alerts)
