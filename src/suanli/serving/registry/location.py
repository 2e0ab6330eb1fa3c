"""Where a server keeps model files: its home's object area."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from suanli.settings import default_home


def objects_dir_of(app_state: Any) -> Path:
    """The object area of the server that ``app_state`` belongs to.

    ``app.state.objects_dir`` when the server set it; else the one its controllers provision tenants
    in (the same home); else the default home's.
    """
    explicit = getattr(app_state, "objects_dir", None)
    if explicit is not None:
        return Path(explicit)
    runner = getattr(app_state, "runner", None)
    for controller in getattr(runner, "controllers", ()):
        found = getattr(controller, "objects_dir", None)
        if found is not None:
            return Path(found)
    return default_home() / "objects"
