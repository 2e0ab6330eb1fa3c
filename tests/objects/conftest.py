"""A real S3 server (SeaweedFS ``weed mini``, started by ``scripts/s3.py``) for the session, and stores.

``s3_server`` is shared with tests/datasets through :func:`tests.objects.conftest.s3_session`.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from suanli.objects import LocalObjectStore, MemoryObjectStore, ObjectStore

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import s3  # noqa: E402

SMALL_PARTS = 1024
"""Part size the tests use where the store allows it (S3 needs 5 MiB)."""


@pytest.fixture(scope="session")
def s3_server() -> Iterator[dict[str, str]]:
    """A real SeaweedFS S3 server on loopback for the whole session."""
    base = Path(tempfile.mkdtemp(prefix="suanli-s3-"))
    info = s3.start(base)
    yield info
    s3.stop(base)


def s3_store(info: dict[str, str]) -> ObjectStore:
    """A store in a fresh prefix of the test bucket, so tests do not see each other's objects."""
    from suanli.objects.s3 import S3ObjectStore, make_client

    client = make_client(info["endpoint"], info["access_key"], info["secret_key"])
    store = S3ObjectStore(client, info["bucket"], prefix=f"t-{secrets.token_hex(4)}")
    store.ensure_bucket()
    return store


@pytest.fixture(params=["local", "memory", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    if request.param == "memory":
        return MemoryObjectStore(min_part_size=SMALL_PARTS)
    return s3_store(request.getfixturevalue("s3_server"))
