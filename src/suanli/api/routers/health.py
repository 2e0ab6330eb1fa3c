"""``/healthz`` (alive), ``/readyz`` (database and controllers), ``/metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["health"])


@router.get("/healthz", name="healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", name="readyz")
def readyz(request: Request) -> JSONResponse:
    database = request.app.state.db.ping()
    runner = request.app.state.runner
    controllers = runner.healthy if runner is not None else None
    ready = database and controllers is not False
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "database": database, "controllers": controllers},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", name="metrics")
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
