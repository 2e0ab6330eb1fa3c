"""``suanli queue``: waiting jobs in the scheduler's order, with its reasons."""

from __future__ import annotations

from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import show
from suanli.cli.platform import JsonOpt

COLUMNS = ("queue_position", "tenant_id", "id", "name", "accelerators", "accelerator_kind", "priority_class",
           "pending_reason", "estimated_start_at")


def queue(
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="One tenant (platform admins: any)")] = None,
    limit: Annotated[int, typer.Option(help="At most this many")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Show the queue: your tenant's waiting jobs (every tenant's for platform admins), first to start first."""
    with client() as c:
        rows = c.queue(tenant=tenant, limit=limit)
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title="queue")
