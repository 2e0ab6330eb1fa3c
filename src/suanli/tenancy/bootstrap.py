"""First start: the ``admin`` tenant, its platform admin, and an admin key in ``<home>/admin.key``.

Crash-safe in any order: if the key file is missing or holds a key the database does not accept,
the next start issues a fresh key for this home and revokes the one it replaces.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from suanli.core.errors import Unauthenticated
from suanli.core.ids import new_id
from suanli.state.db import Database
from suanli.state.models import ApiKey, Tenant, User, utcnow
from suanli.tenancy import api_keys
from suanli.tenancy.key_cache import credentials_changed
from suanli.tenancy.principal import authenticate
from suanli.tenancy.roles import Role

ADMIN = "admin"


def _key_still_valid(db: Database, key_path: Path) -> bool:
    if not key_path.exists():
        return False
    token = key_path.read_text().strip()
    with db.session() as s:
        try:
            return authenticate(s, token, utcnow()).is_platform_admin
        except Unauthenticated:
            return False


def _write_secret(path: Path, token: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def ensure_admin(db: Database, key_path: Path) -> str | None:
    """Make sure the admin tenant exists and ``key_path`` holds a working admin key.

    Returns the token when a new key was issued (to be printed once), else ``None``.
    """
    if _key_still_valid(db, key_path):
        return None
    key_name = f"bootstrap {socket.gethostname()}:{key_path.parent}"
    for attempt in range(2):
        try:
            with db.session() as s:
                tenant = s.scalars(select(Tenant).where(Tenant.name == ADMIN)).first()
                if tenant is None:
                    tenant = Tenant(id=new_id("ten"), name=ADMIN, display_name="Platform operator", status="active")
                    s.add(tenant)
                    s.flush()
                user = s.scalars(select(User).where(User.tenant_id == tenant.id, User.name == ADMIN)).first()
                if user is None:
                    user = User(id=new_id("usr"), tenant_id=tenant.id, name=ADMIN, role=Role.PLATFORM_ADMIN.value)
                    s.add(user)
                    s.flush()
                now = utcnow()
                for old in s.scalars(select(ApiKey).where(ApiKey.name == key_name, ApiKey.revoked_at.is_(None))):
                    old.revoked_at = now
                    credentials_changed(s)
                _key, token = api_keys.issue(s, tenant, user, name=key_name, expires_at=None)
                _write_secret(key_path, token)
            return token
        except IntegrityError:
            if attempt:  # another server created the admin tenant at the same moment: use theirs
                raise
    return None
