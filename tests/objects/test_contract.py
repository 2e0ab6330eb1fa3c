"""The ObjectStore contract, run against the local store, the in-memory seam and a real S3 server."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from suanli.core.errors import InvalidInput
from suanli.objects import ChecksumMismatch, ObjectNotFound, ObjectStore


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_get_head_bytes_file_and_stream(store: ObjectStore) -> None:
    payloads = {"a/bytes": b"hello", "a/file": os.urandom(3_000_000), "b/stream": b"x" * 70_000}
    store.put("a/bytes", payloads["a/bytes"])
    store.put("a/file", io.BytesIO(payloads["a/file"]))
    info = store.put("b/stream", (b"x" * 7_000 for _ in range(10)))
    assert (info.size, info.sha256) == (70_000, sha(payloads["b/stream"]))
    for key, data in payloads.items():
        assert b"".join(store.get(key)) == data
        head = store.head(key)
        assert (head.key, head.size, head.sha256) == (key, len(data), sha(data))
    assert b"".join(store.get("a/file", start=2_999_990)) == payloads["a/file"][-10:]


def test_put_replaces_and_verifies_declared_checksum(store: ObjectStore) -> None:
    store.put("k", b"one")
    store.put("k", b"two", sha256=sha(b"two"))
    assert b"".join(store.get("k")) == b"two"
    with pytest.raises(ChecksumMismatch):
        store.put("k", b"three", sha256=sha(b"not three"))
    assert b"".join(store.get("k")) == b"two", "a refused put must leave the old object"


def test_missing_objects_and_bad_keys(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.head("nope")
    with pytest.raises(ObjectNotFound):
        b"".join(store.get("nope"))
    store.delete("nope")  # not an error
    for bad in ("", "/abs", "a/../b", "a//b", ".hidden", "a/.tmp", "sp ace"):
        with pytest.raises(InvalidInput):
            store.put(bad, b"x")


def test_list_by_prefix_and_delete(store: ObjectStore) -> None:
    for key in ("d/2", "d/1", "d/sub/3", "e/1", "de"):
        store.put(key, key.encode())
    assert [i.key for i in store.list("d/")] == ["d/1", "d/2", "d/sub/3"]
    assert [i.key for i in store.list("d")] == ["d/1", "d/2", "d/sub/3", "de"]
    assert {i.key for i in store.list()} == {"d/1", "d/2", "d/sub/3", "e/1", "de"}
    store.delete("d/2")
    assert [i.key for i in store.list("d/")] == ["d/1", "d/sub/3"]


def test_move(store: ObjectStore) -> None:
    store.put("from/x", b"payload")
    info = store.move("from/x", "to/x")
    assert (info.size, info.sha256) == (7, sha(b"payload"))
    assert store.head("to/x").sha256 == sha(b"payload")
    with pytest.raises(ObjectNotFound):
        store.head("from/x")


def _part_size(store: ObjectStore) -> int:
    return max(store.min_part_size, 1024)


def test_multipart_resume_and_complete(store: ObjectStore) -> None:
    size = _part_size(store)
    data = os.urandom(size * 2 + 123)
    pieces = [data[:size], data[size : 2 * size], data[2 * size :]]
    upload = store.begin_upload("mp/obj", sha256=sha(data))
    store.upload_part("mp/obj", upload, 1, pieces[0])
    store.upload_part("mp/obj", upload, 3, pieces[2])
    # An unfinished upload is not an object.
    with pytest.raises(ObjectNotFound):
        store.head("mp/obj")
    assert [i.key for i in store.list("mp/")] == []
    assert [(u.key, u.upload_id) for u in store.pending_uploads("mp/")] == [("mp/obj", upload)]
    # "Resume": ask what is there, send the rest; a part sent twice replaces the first.
    have = {p.number for p in store.parts("mp/obj", upload)}
    assert have == {1, 3}
    store.upload_part("mp/obj", upload, 2, b"garbage" * 10)
    second = store.upload_part("mp/obj", upload, 2, pieces[1])
    parts = store.parts("mp/obj", upload)
    assert [p.number for p in parts] == [1, 2, 3]
    assert [(p.number, p.size) for p in parts if p.number != 2] == [(1, size), (3, 123)]
    # Which copy of a re-sent part S3 lists is not defined everywhere (SeaweedFS lists both, in no
    # stable order): the Part that upload_part answered is what completes the upload.
    info = store.complete_upload("mp/obj", upload, [parts[0], second, parts[2]])
    assert (info.size, info.sha256) == (len(data), sha(data))
    assert b"".join(store.get("mp/obj")) == data
    assert store.pending_uploads("mp/") == []


def test_abort_drops_the_upload(store: ObjectStore) -> None:
    upload = store.begin_upload("ab/obj")
    store.upload_part("ab/obj", upload, 1, b"x" * 10)
    store.abort_upload("ab/obj", upload)
    store.abort_upload("ab/obj", upload)  # twice is fine
    assert store.pending_uploads("ab/") == []
    with pytest.raises(ObjectNotFound):
        store.parts("ab/obj", upload)
    with pytest.raises(ObjectNotFound):
        store.head("ab/obj")


def test_presign_reads_without_credentials(store: ObjectStore) -> None:
    import httpx

    from suanli.objects.s3 import S3ObjectStore

    store.put("p/obj", b"public for a while")
    url = store.presign("p/obj", expires_s=60)
    if not isinstance(store, S3ObjectStore):
        assert url is None  # these stores serve objects through the API only
        return
    assert url is not None
    assert httpx.get(url).content == b"public for a while"
    assert httpx.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=00")).status_code == 403
