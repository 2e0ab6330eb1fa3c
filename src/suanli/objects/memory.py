"""An in-memory ``ObjectStore``: the test seam (like httpx's ``MockTransport``) for services and fakes.

It honours the whole contract (the same contract tests run on it, the local store and S3) and can
be told to fail: ``fail_on`` maps an operation name to an exception raised on its next call.
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from suanli.objects.store import (
    ChecksumMismatch,
    Data,
    ObjectInfo,
    ObjectNotFound,
    Part,
    PendingUpload,
    check_key,
    chunks_of,
)


class MemoryObjectStore:
    """Objects in a dict; ``min_part_size`` can be set to behave like S3."""

    def __init__(self, min_part_size: int = 1) -> None:
        self.min_part_size = min_part_size
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.uploads: dict[str, tuple[str, str | None, datetime, dict[int, bytes]]] = {}
        self.fail_on: dict[str, Exception] = {}
        self._lock = threading.Lock()

    def _maybe_fail(self, op: str) -> None:
        exc = self.fail_on.pop(op, None)
        if exc is not None:
            raise exc

    def put(self, key: str, data: Data, *, sha256: str | None = None) -> ObjectInfo:
        self._maybe_fail("put")
        blob = b"".join(chunks_of(data))
        digest = hashlib.sha256(blob).hexdigest()
        if sha256 is not None and sha256 != digest:
            raise ChecksumMismatch(f"sha256 of {key!r} is {digest}, not the declared {sha256}")
        with self._lock:
            self.objects[check_key(key)] = (blob, digest)
        return ObjectInfo(key, len(blob), digest)

    def get(self, key: str, *, start: int = 0) -> Iterator[bytes]:
        self._maybe_fail("get")
        blob = self._blob(key)
        return iter([blob[start:]])

    def _blob(self, key: str) -> bytes:
        try:
            return self.objects[check_key(key)][0]
        except KeyError:
            raise ObjectNotFound(f"no object {key!r}") from None

    def head(self, key: str) -> ObjectInfo:
        blob = self._blob(key)
        return ObjectInfo(key, len(blob), self.objects[key][1])

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for key in sorted(k for k in self.objects if k.startswith(prefix)):
            yield self.head(key)

    def delete(self, key: str) -> None:
        self._maybe_fail("delete")
        self.objects.pop(check_key(key), None)

    def move(self, src: str, dst: str) -> ObjectInfo:
        blob = self._blob(src)
        with self._lock:
            self.objects[check_key(dst)] = self.objects.pop(src)
        return ObjectInfo(dst, len(blob), self.objects[dst][1])

    def presign(self, key: str, expires_s: int = 3600) -> str | None:
        return None

    def begin_upload(self, key: str, *, sha256: str | None = None) -> str:
        upload_id = secrets.token_hex(8)
        self.uploads[upload_id] = (check_key(key), sha256, datetime.now(UTC), {})
        return upload_id

    def _upload(self, key: str, upload_id: str) -> dict[int, bytes]:
        found = self.uploads.get(upload_id)
        if found is None or found[0] != key:
            raise ObjectNotFound(f"no upload {upload_id!r} for {key!r}")
        return found[3]

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> Part:
        self._maybe_fail("upload_part")
        self._upload(key, upload_id)[number] = bytes(data)
        return Part(number, len(data), hashlib.md5(data).hexdigest())

    def parts(self, key: str, upload_id: str) -> builtins.list[Part]:
        stored = self._upload(key, upload_id)
        return [Part(n, len(b), hashlib.md5(b).hexdigest()) for n, b in sorted(stored.items())]

    def complete_upload(self, key: str, upload_id: str, parts: builtins.list[Part]) -> ObjectInfo:
        stored = self._upload(key, upload_id)
        if not parts or any(p.number not in stored for p in parts):
            raise ObjectNotFound(f"upload {upload_id!r} lacks parts")
        for p in parts[:-1]:
            if len(stored[p.number]) < self.min_part_size:
                raise ChecksumMismatch(f"part {p.number} is smaller than {self.min_part_size} bytes")
        blob = b"".join(stored[p.number] for p in parts)
        digest = hashlib.sha256(blob).hexdigest()
        with self._lock:
            self.objects[key] = (blob, digest)
            del self.uploads[upload_id]
        return ObjectInfo(key, len(blob), digest)

    def abort_upload(self, key: str, upload_id: str) -> None:
        if upload_id in self.uploads and self.uploads[upload_id][0] == key:
            del self.uploads[upload_id]

    def pending_uploads(self, prefix: str = "") -> builtins.list[PendingUpload]:
        return [PendingUpload(k, uid, at) for uid, (k, _, at, _) in sorted(self.uploads.items())
                if k.startswith(prefix)]
