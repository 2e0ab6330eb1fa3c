"""The ``ObjectStore`` protocol: what the platform needs from object storage, and nothing more.

Keys are ``/``-separated relative paths (no ``..``, no leading ``/``). Large objects are written in
parts (S3 multipart semantics: parts numbered from 1, every part but the last at least
:attr:`ObjectStore.min_part_size` bytes) so that an upload survives a lost connection: the parts
already stored are listed and only the missing ones are sent again. An unfinished upload is not an
object: ``head``, ``get`` and ``list`` never see it until ``complete_upload``.
"""

from __future__ import annotations

import builtins
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol, runtime_checkable

from suanli.core.errors import InvalidInput, NotFound

Data = bytes | BinaryIO | Iterable[bytes]
"""What ``put`` accepts: bytes, a readable binary file, or an iterable of byte chunks (streamed)."""

READ_CHUNK = 1024 * 1024
_SEGMENT = r"[A-Za-z0-9_=+-][A-Za-z0-9._=+-]*"
_KEY_RE = re.compile(rf"^{_SEGMENT}(/{_SEGMENT})*$")
"""Segments never start with a dot: the local store keeps its temp files and uploads under dot names."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """An object's key, size in bytes and sha256 (hex; ``None`` when the store was not told it)."""

    key: str
    size: int
    sha256: str | None = None
    modified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """One stored part of an unfinished upload."""

    number: int
    size: int
    etag: str


@dataclass(frozen=True, slots=True)
class PendingUpload:
    """An upload that was begun and neither completed nor aborted (for garbage collection)."""

    key: str
    upload_id: str
    started_at: datetime | None


class ObjectNotFound(NotFound):
    """No object (or no unfinished upload) with that key."""

    code = "object_not_found"


class ChecksumMismatch(InvalidInput):
    """The bytes received do not have the sha256 the sender declared."""

    code = "checksum_mismatch"


@runtime_checkable
class ObjectStore(Protocol):
    """Object storage: the local file store (embedded default), S3, or the in-memory test seam."""

    min_part_size: int
    """Smallest size of every part but the last (5 MiB on S3)."""

    def put(self, key: str, data: Data, *, sha256: str | None = None) -> ObjectInfo:
        """Store ``data`` at ``key`` atomically (readers see the old object or the new one, never half)."""
        ...

    def get(self, key: str, *, start: int = 0) -> Iterator[bytes]:
        """The object's bytes from offset ``start``, streamed in chunks; :class:`ObjectNotFound` if absent."""
        ...

    def head(self, key: str) -> ObjectInfo:
        """Size and sha256 of an object; :class:`ObjectNotFound` if absent."""
        ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object; removing an absent one is not an error."""
        ...

    def move(self, src: str, dst: str) -> ObjectInfo:
        """Rename ``src`` to ``dst`` (atomic where the store allows; a copy then a delete on S3)."""
        ...

    def presign(self, key: str, expires_s: int = 3600) -> str | None:
        """A URL that reads the object without credentials for ``expires_s``, or ``None`` if unsupported."""
        ...

    def begin_upload(self, key: str, *, sha256: str | None = None) -> str:
        """Start a multipart upload to ``key``; returns its upload id."""
        ...

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> Part:
        """Store part ``number`` (1-based) of an upload; sending the same number again replaces it."""
        ...

    def parts(self, key: str, upload_id: str) -> builtins.list[Part]:
        """The part numbers stored so far (each once): what a resumed upload need not send again.

        For a part sent twice, complete with the :class:`Part` that the last ``upload_part`` answered:
        SeaweedFS lists both copies in no stable order, so the listed size and ETag may be the older.
        """
        ...

    def complete_upload(self, key: str, upload_id: str, parts: builtins.list[Part]) -> ObjectInfo:
        """Assemble ``parts`` in order into the object at ``key``, which then becomes visible."""
        ...

    def abort_upload(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload and its parts; aborting an unknown upload is not an error."""
        ...

    def pending_uploads(self, prefix: str = "") -> builtins.list[PendingUpload]:
        """Unfinished uploads under ``prefix``."""
        ...


def check_key(key: str) -> str:
    """``key`` if it is a safe relative key, else :class:`InvalidInput`."""
    if len(key) > 1000 or not _KEY_RE.match(key):
        raise InvalidInput(f"invalid object key {key!r}")
    return key


def chunks_of(data: Data, size: int = READ_CHUNK) -> Iterator[bytes]:
    """``data`` as a stream of byte chunks."""
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for i in range(0, len(view), size):
            yield bytes(view[i : i + size])
        return
    read = getattr(data, "read", None)
    if read is not None:
        while chunk := read(size):
            yield chunk
        return
    yield from data


def sha256_of(chunks: Iterable[bytes]) -> tuple[str, int]:
    """Hex sha256 and length of a stream of chunks."""
    h, n = hashlib.sha256(), 0
    for c in chunks:
        h.update(c)
        n += len(c)
    return h.hexdigest(), n
