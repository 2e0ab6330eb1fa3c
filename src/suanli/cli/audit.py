"""``suanli audit``."""

from __future__ import annotations

from typing import Annotated

import typer

from suanli.cli.connect import client
from suanli.cli.output import show
from suanli.cli.platform import JsonOpt

COLUMNS = ("at", "action", "target", "outcome", "status_code", "actor_user_id", "tenant_id")


def audit(
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant")] = None,
    limit: Annotated[int, typer.Option(help="How many events, newest first")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Show the audit log (admins): who did what, when, and how it ended."""
    with client() as c:
        rows = c.audit(tenant=tenant, limit=limit)
    show(rows, as_json=as_json, rows=rows, columns=COLUMNS, title="audit log")
