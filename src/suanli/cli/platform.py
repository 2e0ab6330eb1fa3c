"""``suanli up`` and ``suanli status``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from suanli.cli.output import show
from suanli.settings import DEFAULT_HOST, DEFAULT_PORT

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document")]


def up(
    home: Annotated[Path | None, typer.Option(help="State directory (default $SUANLI_HOME or ~/.suanli)")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on")] = DEFAULT_PORT,
    console: Annotated[bool, typer.Option("--console/--no-console", help="Serve the web console")] = True,
    controllers: Annotated[bool, typer.Option("--controllers/--no-controllers", help="Run controllers")] = True,
) -> None:
    """Run the whole platform in the foreground: REST API, controllers and web console."""
    import logging

    from suanli.appliance.server import serve
    from suanli.settings import Settings

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(home, host=host, port=port, console=console, controllers=controllers)
    serve(settings, announce=lambda line: typer.echo(line, err=True))


def status(as_json: JsonOpt = False) -> None:
    """Show whether the server is ready, and who you are on it."""
    from suanli.cli.connect import client

    with client() as c:
        ready = c.ready()
        me = c.me()
    doc = {"url": c.url, **ready, "user": me["user"], "tenant": me["tenant"], "role": me["role"]}
    show(doc, as_json=as_json, title="suanli status")
