"""``suanli demo``."""

from __future__ import annotations

from typing import Annotated

import typer


def demo(keep: Annotated[bool, typer.Option(help="Keep the demo's home and files afterwards")] = False) -> None:
    """Tour the whole mission on this box: platform, data, training, scheduling, serving."""
    from suanli.appliance.demo import run

    raise typer.Exit(run(keep=keep))
