"""Turn suanli errors and connection failures into friendly messages and exit codes."""

from __future__ import annotations

import sys

import typer

from suanli.core.errors import SuanliError


def run(app: typer.Typer) -> None:
    """Run a Typer app, printing suanli errors as one line on stderr (exit 1) instead of a traceback."""
    try:
        app(standalone_mode=True)
    except SuanliError as exc:
        from suanli.cli.output import err_console

        err_console.print(f"[bold red]error[/] ({exc.code}): {exc.message}")
        if exc.details:
            err_console.print(f"  details: {exc.details}")
        sys.exit(1)
