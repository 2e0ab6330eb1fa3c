"""``suanli gateway``: the OpenAI-compatible gateway alone (an edge region), on the platform's database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def gateway(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8643,
    home: Annotated[Path | None, typer.Option(help="State directory (default $SUANLI_HOME)")] = None,
) -> None:
    """Serve /v1 (chat completions, completions, models) from the database of SUANLI_DATABASE_URL or HOME."""
    import uvicorn

    from suanli.serving.gateway import create_gateway
    from suanli.settings import Settings
    from suanli.state.db import Database

    settings = Settings.from_env(home)
    db = Database(settings.database_url)
    app = create_gateway(db)
    typer.echo(f"suanli gateway at http://{host}:{port}/v1 on {settings.database_url.split('@')[-1]}")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    finally:
        app.close()
        db.dispose()
