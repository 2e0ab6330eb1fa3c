"""The local file store: objects are files under one folder (``<home>/objects``), the embedded default.

Writes go to a temp file in the destination folder, are flushed to disk, then renamed over the
key (``os.replace`` is atomic on POSIX): a reader or a crash never sees half an object. The
sha256 of every object is computed while it is written and kept in a sidecar under ``.meta/``;
unfinished multipart uploads live under ``.uploads/<id>/`` until completed or aborted.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from suanli.objects.store import (
    READ_CHUNK,
    ChecksumMismatch,
    Data,
    ObjectInfo,
    ObjectNotFound,
    Part,
    PendingUpload,
    check_key,
    chunks_of,
)

_UPLOADS, _META = ".uploads", ".meta"


class LocalObjectStore:
    """Objects as files under ``root``."""

    min_part_size = 1

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    # paths -------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _meta(self, key: str) -> Path:
        return self.root / _META / (check_key(key) + ".json")

    def _upload_dir(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise ObjectNotFound(f"no upload {upload_id!r}")
        return self.root / _UPLOADS / upload_id

    def _commit(self, key: str, tmp_chunks: Iterator[bytes], sha256: str | None) -> ObjectInfo:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.tmp-{secrets.token_hex(6)}"
        h, size = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as f:
                for c in tmp_chunks:
                    h.update(c)
                    size += len(c)
                    f.write(c)
                f.flush()
                os.fsync(f.fileno())
            digest = h.hexdigest()
            if sha256 is not None and sha256 != digest:
                raise ChecksumMismatch(
                    f"sha256 of {key!r} is {digest}, not the declared {sha256}",
                    details={"key": key, "declared": sha256, "actual": digest},
                )
            meta = self._meta(key)
            meta.parent.mkdir(parents=True, exist_ok=True)
            meta.write_text(json.dumps({"sha256": digest, "size": size}))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return ObjectInfo(key, size, digest, _mtime(path))

    # objects -----------------------------------------------------------------------------------

    def put(self, key: str, data: Data, *, sha256: str | None = None) -> ObjectInfo:
        return self._commit(key, chunks_of(data), sha256)

    def get(self, key: str, *, start: int = 0) -> Iterator[bytes]:
        path = self._path(key)
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed by the generator
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(f"no object {key!r}") from None
        return _stream(f, start)

    def head(self, key: str) -> ObjectInfo:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"no object {key!r}")
        size = path.stat().st_size
        sha = None
        try:
            meta = json.loads(self._meta(key).read_text())
            if meta.get("size") == size:
                sha = meta.get("sha256")
        except (OSError, ValueError):
            pass
        return ObjectInfo(key, size, sha, _mtime(path))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = os.path.relpath(dirpath, self.root)
            for name in filenames:
                if name.startswith("."):
                    continue
                key = name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")
                if key.startswith(prefix):
                    found.append(key)
        for key in sorted(found):
            try:
                yield self.head(key)
            except ObjectNotFound:
                continue  # deleted while listing

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        self._meta(key).unlink(missing_ok=True)

    def move(self, src: str, dst: str) -> ObjectInfo:
        info = self.head(src)
        path = self._path(dst)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = self._meta(dst)
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"sha256": info.sha256, "size": info.size}))
        os.replace(self._path(src), path)
        self._meta(src).unlink(missing_ok=True)
        return ObjectInfo(dst, info.size, info.sha256, _mtime(path))

    def presign(self, key: str, expires_s: int = 3600) -> str | None:
        return None  # local files are served by the API, not by URL

    # multipart ---------------------------------------------------------------------------------

    def begin_upload(self, key: str, *, sha256: str | None = None) -> str:
        check_key(key)
        upload_id = secrets.token_hex(16)
        d = self._upload_dir(upload_id)
        d.mkdir(parents=True)
        (d / "upload.json").write_text(json.dumps({"key": key, "sha256": sha256, "started_at": _now()}))
        return upload_id

    def _upload(self, key: str, upload_id: str) -> tuple[Path, dict[str, str | None]]:
        d = self._upload_dir(upload_id)
        try:
            meta = json.loads((d / "upload.json").read_text())
        except (OSError, ValueError):
            raise ObjectNotFound(f"no upload {upload_id!r} for {key!r}") from None
        if meta["key"] != key:
            raise ObjectNotFound(f"no upload {upload_id!r} for {key!r}")
        return d, meta

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> Part:
        d, _ = self._upload(key, upload_id)
        if not 1 <= number <= 10000:
            raise ObjectNotFound(f"part numbers run from 1 to 10000, not {number}")
        path = d / f"part-{number:05d}"
        tmp = d / f".part-{number:05d}.tmp-{secrets.token_hex(4)}"
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return Part(number, len(data), hashlib.md5(data).hexdigest())

    def parts(self, key: str, upload_id: str) -> builtins.list[Part]:
        d, _ = self._upload(key, upload_id)
        out = []
        for p in sorted(d.glob("part-*")):
            out.append(Part(int(p.name[5:]), p.stat().st_size, _md5_file(p)))
        return out

    def complete_upload(self, key: str, upload_id: str, parts: builtins.list[Part]) -> ObjectInfo:
        d, meta = self._upload(key, upload_id)
        files = [d / f"part-{p.number:05d}" for p in parts]
        missing = [p.number for p, f in zip(parts, files, strict=True) if not f.is_file()]
        if missing or not parts:
            raise ObjectNotFound(f"upload {upload_id!r} lacks parts {missing}")

        def stream() -> Iterator[bytes]:
            for f in files:
                with open(f, "rb") as fh:
                    while c := fh.read(READ_CHUNK):
                        yield c

        info = self._commit(key, stream(), meta.get("sha256"))
        shutil.rmtree(d, ignore_errors=True)
        return info

    def abort_upload(self, key: str, upload_id: str) -> None:
        try:
            d, _ = self._upload(key, upload_id)
        except ObjectNotFound:
            return
        shutil.rmtree(d, ignore_errors=True)

    def pending_uploads(self, prefix: str = "") -> builtins.list[PendingUpload]:
        out = []
        base = self.root / _UPLOADS
        if not base.is_dir():
            return []
        for d in sorted(base.iterdir()):
            try:
                meta = json.loads((d / "upload.json").read_text())
            except (OSError, ValueError):
                continue
            if str(meta["key"]).startswith(prefix):
                out.append(PendingUpload(meta["key"], d.name, datetime.fromisoformat(meta["started_at"])))
        return out


def _stream(f: object, start: int) -> Iterator[bytes]:
    import io

    assert isinstance(f, io.BufferedReader)
    with f:
        if start:
            f.seek(start)
        while c := f.read(READ_CHUNK):
            yield c


def _md5_file(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        while c := f.read(READ_CHUNK):
            h.update(c)
    return h.hexdigest()


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _now() -> str:
    return datetime.now(UTC).isoformat()
