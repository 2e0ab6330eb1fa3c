"""Body limits: chunks may be up to 64 MiB, every other body stays under the 1 MiB JSON limit."""

from __future__ import annotations

import hashlib

import httpx
from tests.datasets.conftest import World

from suanli.data.datasets.manifest import MAX_CHUNK_SIZE as MAX_CHUNK_BYTES


def test_chunk_route_takes_large_bodies_and_nothing_else_does(local_world: World) -> None:
    w = local_world
    c = w.client("member")
    c.create_dataset("alpha", "lim")
    size = 3 * 1024 * 1024
    data = b"x" * size
    up = c.begin_dataset_upload("alpha", "lim", [{"name": "a.jsonl", "size": size,
                                                  "sha256": hashlib.sha256(data).hexdigest()}], chunk_size=size)
    headers = {"Authorization": f"Bearer {w.alpha['member'].token}"}
    base = f"{w.url}/api/v1/tenants/alpha/datasets/lim"
    ok = httpx.put(f"{base}/uploads/{up['id']}/files/0/chunks/1", content=data,
                   headers={**headers, "X-Content-SHA256": hashlib.sha256(data).hexdigest()})
    assert ok.status_code == 200, ok.text
    # The same 3 MiB as JSON anywhere else: 413.
    big_json = httpx.post(f"{base}/reports", content=b'{"x": "' + data + b'"}',
                          headers={**headers, "Content-Type": "application/json"})
    assert big_json.status_code == 413
    # A chunk larger than the chunk limit is refused (its declared length is checked before reading).
    too_big = httpx.put(f"{base}/uploads/{up['id']}/files/0/chunks/2", content=b"x" * (MAX_CHUNK_BYTES + 1),
                        headers=headers, timeout=60)
    assert too_big.status_code == 413
    assert c.dataset_upload("alpha", "lim", up["id"])["files"][0]["received"] == [1]
    # POST on a chunk path does not get the large limit either.
    post = httpx.post(f"{base}/uploads/{up['id']}/files/0/chunks/1", content=data, headers=headers)
    assert post.status_code == 413
