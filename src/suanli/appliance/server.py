"""``suanli up``: migrate, bootstrap, start the controllers, serve HTTP until SIGTERM or SIGINT."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import uvicorn
from sqlalchemy import delete

from suanli.api.app import create_app
from suanli.appliance.home import HomeLock, write_server_info
from suanli.controllers.registry import all_controllers
from suanli.controllers.runner import ControllerRunner
from suanli.core.errors import Conflict
from suanli.objects import store_from_env
from suanli.settings import Settings
from suanli.state.db import Database
from suanli.state.models import IdempotencyRecord, utcnow
from suanli.tenancy.bootstrap import ensure_admin

log = logging.getLogger("suanli")

IDEMPOTENCY_TTL = timedelta(hours=24)


class _Server(uvicorn.Server):
    """uvicorn, minus re-raising the stop signal after its graceful shutdown: ours comes after it."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def worker_id(settings: Settings) -> str:
    """Stable across restarts of the same home, so a restart can drop its own stale claims at once."""
    digest = hashlib.sha256(str(settings.home).encode()).hexdigest()[:8]
    return f"{socket.gethostname()}:{digest}"


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def serve(settings: Settings, announce: Callable[[str], None] = print) -> None:
    """Run one server process in the foreground until it is told to stop."""
    started = time.monotonic()
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = HomeLock(settings.home)
    lock.acquire()
    try:
        if not _port_free(settings.host, settings.port):
            raise Conflict(f"port {settings.port} on {settings.host} is in use; pick another with --port")
        db = Database(settings.database_url)
        db.migrate()
        token = ensure_admin(db, settings.admin_key_path)
        with db.session() as s:
            s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - IDEMPOTENCY_TTL))
        settings.objects_dir.mkdir(exist_ok=True)
        runner = None
        if settings.controllers:
            controllers = all_controllers(settings.home)
            runner = ControllerRunner(db, controllers, worker_id(settings), settings.controller_interval_s)
            runner.start()
        app = create_app(db, runner, console=settings.console, objects=store_from_env(settings.home),
                         key_cache_ttl_s=settings.key_cache_ttl_s)
        url = f"http://{settings.host}:{settings.port}"
        write_server_info(settings.home, {"url": url, "pid": os.getpid()})
        if token:
            announce(f"admin API key (shown once, also saved to {settings.admin_key_path}):\n  {token}")
        config = uvicorn.Config(
            app, host=settings.host, port=settings.port, log_level="warning", access_log=False,
            timeout_graceful_shutdown=10, lifespan="off",
        )
        server = _Server(config)
        announce(f"suanli is up at {url} (console: {url}/, API docs: {url}/api/docs); "
                 f"home {settings.home}; started in {time.monotonic() - started:.2f}s; Ctrl-C to stop")
        server.run()
        announce("suanli: shutting down")
        app.state.gateway.close()  # stops its background thread and writes the usage still queued
        if runner:
            runner.stop()
        db.dispose()
    finally:
        (settings.home / "server.json").unlink(missing_ok=True)
        lock.release()
