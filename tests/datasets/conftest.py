"""A live platform with two tenants, on each database backend and each object store (local, real S3)."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zstandard
from tests.api.helpers import Actor, make_tenant
from tests.objects.conftest import s3_server, s3_store  # noqa: F401  (the session's real S3 server)

from suanli.client import Client
from suanli.objects import LocalObjectStore, ObjectStore

S3_CHUNK = 5 * 1024 * 1024
LOCAL_CHUNK = 8 * 1024


@dataclass
class World:
    platform: object
    url: str
    admin: Client
    alpha: dict[str, Actor]
    beta: dict[str, Actor]
    store: ObjectStore
    chunk: int
    kind: str

    def client(self, role: str = "member", tenant: str = "alpha") -> Client:
        actors = self.alpha if tenant == "alpha" else self.beta
        return actors[role].client(self.url)


def _world(kind: str, request: pytest.FixtureRequest, platform) -> World:  # type: ignore[no-untyped-def]
    if kind == "s3":
        store = s3_store(request.getfixturevalue("s3_server"))
        chunk = S3_CHUNK
    else:
        store = LocalObjectStore(platform.home / "objects")
        chunk = LOCAL_CHUNK
    platform.app.state.objects = store
    for c in platform.runner.controllers:  # the expiry controller works on the same store
        if hasattr(c, "objects"):
            c.objects = store
    admin = Client(platform.url, platform.admin_token, retries=0)
    return World(platform, platform.url, admin, make_tenant(admin, platform.url, "alpha"),
                 make_tenant(admin, platform.url, "beta"), store, chunk, kind)


@pytest.fixture(params=["local", "s3"])
def world(request: pytest.FixtureRequest, platform) -> Iterator[World]:  # type: ignore[no-untyped-def]
    w = _world(request.param, request, platform)
    yield w
    w.admin.close()


@pytest.fixture
def local_world(request: pytest.FixtureRequest, platform) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """For tests whose subject does not touch the store's kind (the curation pipeline)."""
    w = _world("local", request, platform)
    yield w
    w.admin.close()


def docs(n: int, seed: int = 0, width: int = 200) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [{"id": f"d{seed}-{i}", "text": "".join(chr(0x4E00 + rng.randrange(2000)) for _ in range(width))}
            for i in range(n)]


def write_jsonl(path: Path, documents: list[dict[str, object]]) -> Path:
    """JSON Lines, compressed by the file's ending (.gz, .zst)."""
    raw = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents).encode()
    if path.name.endswith(".gz"):
        raw = gzip.compress(raw)
    elif path.name.endswith(".zst"):
        raw = zstandard.ZstdCompressor().compress(raw)
    path.write_bytes(raw)
    return path


def write_parquet(path: Path, documents: list[dict[str, object]], row_group_size: int = 16) -> Path:
    """A Parquet file, one row a document (several row groups, zstd inside)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(documents), path, row_group_size=row_group_size, compression="zstd")
    return path


def big_docs(chunk: int, seed: int = 1) -> list[dict[str, object]]:
    """30 documents spanning about 2.5 chunks (UTF-8 CJK text takes 3 bytes a character)."""
    return docs(30, seed=seed, width=int(2.5 * chunk) // (30 * 3))
