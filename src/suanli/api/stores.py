"""The server's object store, for the routers that read and write objects (datasets, curation reports)."""

from __future__ import annotations

from fastapi import Request

from suanli.objects import ObjectStore, store_from_env
from suanli.settings import default_home


def objects(request: Request) -> ObjectStore:
    """The server's object store (given to ``create_app``), else the default home's."""
    store: ObjectStore | None = request.app.state.objects
    if store is None:
        request.app.state.objects = store = store_from_env(default_home())
    return store
