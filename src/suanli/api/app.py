"""The ASGI application: routers, error mapping, middleware and the console."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

import suanli
from suanli.api import errors
from suanli.api.middleware import Observe
from suanli.api.routers import (
    audit,
    billing,
    clusters,
    datasets,
    deployments,
    governance,
    health,
    jobs,
    keys,
    meta,
    models,
    quotas,
    quotes,
    rate_limits,
    tenants,
    users,
)
from suanli.controllers.runner import ControllerRunner
from suanli.objects import ObjectStore
from suanli.settings import KEY_CACHE_TTL_S, MAX_BODY_BYTES
from suanli.state.db import Database
from suanli.tenancy.key_cache import VerifiedKeys


def create_app(
    db: Database, runner: ControllerRunner | None = None, console: bool = True, objects: ObjectStore | None = None,
    key_cache_ttl_s: float = KEY_CACHE_TTL_S,
) -> FastAPI:
    """The whole HTTP surface of a suanli server on ``db``; ``runner`` drives its controllers.

    ``objects`` is the server's object store (default: the one its home and environment select);
    ``key_cache_ttl_s`` how long a verified API key is trusted without a query (see :mod:`suanli.tenancy.key_cache`).
    """
    app = FastAPI(
        title="suanli",
        version=suanli.__version__,
        description="Control plane of an AI compute cloud. Authenticate with `Authorization: Bearer sl-...`.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,  # operationIds read "tenants.create"
    )
    app.state.db = db
    app.state.runner = runner
    app.state.objects = objects
    app.state.keys = VerifiedKeys(key_cache_ttl_s)
    app.state.poke_controllers = runner.poke if runner else (lambda: None)
    errors.install(app)
    from suanli.serving.gateway import create_gateway  # the OpenAI-compatible edge, beside /api

    # Mounted first: Starlette tries routes in order, and /v1 has a latency budget of about a millisecond.
    app.state.gateway = create_gateway(db, poke=app.state.poke_controllers)
    app.mount("/v1", app.state.gateway)
    for module in (
        health, meta, tenants, users, keys, quotas, audit, clusters, jobs, datasets, models, deployments,
        governance, billing, quotes, rate_limits,
    ):
        app.include_router(module.router)
    if console:
        static = resources.files("suanli.console") / "static"
        app.mount("/static", StaticFiles(directory=str(static)), name="static")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(str(static / "index.html"))

    # The gateway has its own request ids, limits, metrics and metering, and a latency budget of about a
    # millisecond (this layer cost it ~40% of its maximum rate): it is not observed twice.
    app.add_middleware(
        Observe, db=db, max_body=MAX_BODY_BYTES, bypass=("/v1/",), larger_bodies=(datasets.CHUNK_BODY_LIMIT,)
    )
    return app
