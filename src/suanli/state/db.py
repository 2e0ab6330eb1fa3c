"""Engines and sessions for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; busy_timeout waits for the writer instead of failing.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


READ_ONLY = "suanli_read_only"
"""Execution option of a :meth:`Database.read_session`'s connection."""


def _sqlite_begin(conn: Any) -> None:
    # Take the write lock at BEGIN: a read that later writes cannot then fail with "database is locked"
    # half-way through, and claims (SELECT then UPDATE) are atomic across processes. A read-only session
    # begins deferred: it reads one consistent snapshot (WAL) and never blocks the writer.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


class Database:
    """One database: an engine, a session factory and the migration entry point."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine: Engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 10, "isolation_level": None}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def on_engine(cls, engine: Engine) -> Database:
        """Another handle on an existing engine (for a worker thread given only a session)."""
        db = cls.__new__(cls)
        db.url = engine.url.render_as_string(hide_password=False)
        db.is_sqlite = engine.dialect.name == "sqlite"
        db.engine = engine
        db.sessions = sessionmaker(engine, expire_on_commit=False)
        return db

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any exception."""
        with self.sessions() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reading only, rolled back at the end: on SQLite it does not take the write lock.

        For long reads (a scheduling pass's snapshot) that would otherwise hold SQLite's single write lock
        while every request waits. Writing in it is a mistake that SQLite may refuse. The objects read stay
        usable (detached, not expired) after it ends.
        """
        with self.sessions() as s:  # closing returns the connection, whose transaction the pool rolls back
            s.connection(execution_options={READ_ONLY: True})
            yield s

    def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def migrate(self) -> None:
        """Apply every Alembic migration (every branch head); safe when several servers start at once."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(resources.files("suanli.state") / "migrations"))
        with self.engine.begin() as conn:
            if not self.is_sqlite:
                # Serialise concurrent upgrades of one PostgreSQL database by several server processes.
                conn.execute(text("SELECT pg_advisory_xact_lock(7242031)"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")  # each plane's migrations are a branch off 0001

    def dispose(self) -> None:
        self.engine.dispose()
