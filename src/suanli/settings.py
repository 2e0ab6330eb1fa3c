"""Where a suanli server keeps its state, read once from the environment and the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from suanli.core.errors import InvalidInput

DEFAULT_PORT = 8642
DEFAULT_HOST = "127.0.0.1"
MAX_BODY_BYTES = 1024 * 1024
"""Largest JSON request body the API accepts (1 MiB); larger bodies answer 413."""
KEY_CACHE_TTL_S = 2.0
"""How long a verified API key is trusted without asking the database (``SUANLI_KEY_CACHE_TTL_S``; 0: never).
A key revoked on another server sharing the database stops working here within this time; on this server, at once."""
STORAGE_POOL_ENV = "SUANLI_STORAGE_POOL"
"""The governance pool (by id) that describes the platform's object store: its region, jurisdiction and
certifications are what placement policy checks when data is stored, and its prices bill storage."""


def default_home() -> Path:
    """``$SUANLI_HOME`` or ``~/.suanli``."""
    return Path(os.environ.get("SUANLI_HOME") or Path.home() / ".suanli").expanduser()


def storage_pool() -> str | None:
    """``$SUANLI_STORAGE_POOL``: the pool that describes the object store, or None when it is not set.

    Read when it is needed (like the object store's own settings), so every server of a platform and the
    controllers' threads see the same value as the process that started them.
    """
    return os.environ.get(STORAGE_POOL_ENV, "").strip() or None


def _seconds(name: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise InvalidInput(f"{name} must be a number of seconds from 0 to 3600, not {value!r}")
    return seconds


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings of one server process."""

    home: Path
    database_url: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    controllers: bool = True
    console: bool = True
    controller_interval_s: float = 1.0
    key_cache_ttl_s: float = KEY_CACHE_TTL_S

    @classmethod
    def from_env(cls, home: Path | None = None, **overrides: object) -> Settings:
        """Settings for ``home`` (default :func:`default_home`), the database from ``SUANLI_DATABASE_URL``.

        Without ``SUANLI_DATABASE_URL`` the embedded default is a SQLite file in the home.
        """
        home = (home or default_home()).expanduser().resolve()
        url = os.environ.get("SUANLI_DATABASE_URL") or f"sqlite:///{home / 'suanli.db'}"
        if "key_cache_ttl_s" not in overrides and os.environ.get("SUANLI_KEY_CACHE_TTL_S"):
            overrides["key_cache_ttl_s"] = _seconds("SUANLI_KEY_CACHE_TTL_S", os.environ["SUANLI_KEY_CACHE_TTL_S"])
        return cls(home=home, database_url=url, **overrides)  # type: ignore[arg-type]

    @property
    def admin_key_path(self) -> Path:
        return self.home / "admin.key"

    @property
    def objects_dir(self) -> Path:
        return self.home / "objects"
