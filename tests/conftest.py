"""Shared fixtures: a real PostgreSQL server for the session, and every database test on both backends.

``SUANLI_TEST_BACKENDS`` (default ``sqlite,postgresql``) selects the backends; the PostgreSQL server is
started by ``scripts/postgres.py`` once per session and stopped at the end.
"""

from __future__ import annotations

import itertools
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import postgres  # noqa: E402

from suanli.api.app import create_app  # noqa: E402
from suanli.controllers.registry import all_controllers  # noqa: E402
from suanli.controllers.runner import ControllerRunner  # noqa: E402
from suanli.objects import store_from_env  # noqa: E402
from suanli.state.db import Database  # noqa: E402
from suanli.tenancy.bootstrap import ensure_admin  # noqa: E402

BACKENDS = [b for b in os.environ.get("SUANLI_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
OUTPUT = ROOT / ".test-output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the whole session, with a migrated template database."""
    base = Path(tempfile.mkdtemp(prefix="suanli-pg-"))
    url = postgres.start(base, free_port())
    template = url.rsplit("/", 1)[0] + "/suanli_template"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE suanli_template"))
    db = Database(template)
    db.migrate()
    db.dispose()
    admin.dispose()
    yield url
    postgres.stop(base)


_counter = itertools.count()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'suanli.db'}"
        return
    server_url: str = request.getfixturevalue("postgres_server")
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE suanli_template"))
    yield server_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


class Platform:
    """A suanli app on a real database, served by uvicorn on a loopback port in a thread."""

    def __init__(self, db: Database, home: Path) -> None:
        self.db = db
        self.home = home
        self.runner = ControllerRunner(db, all_controllers(home), worker="test", interval_s=3600)
        self.app = create_app(db, self.runner, objects=store_from_env(home))
        self.admin_token = ensure_admin(db, home / "admin.key") or ""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        # As `suanli up` does: the gateway's background thread must not outlive the test's database (its
        # failing rounds would log tracebacks from a thread while the next test runs).
        self.app.state.gateway.close()


@pytest.fixture
def platform(db: Database, tmp_path: Path) -> Iterator[Platform]:
    p = Platform(db, tmp_path)
    p.start()
    yield p
    p.stop()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave artefacts worth looking at (screenshots), under ``.test-output/``."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
