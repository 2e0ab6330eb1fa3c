"""Where version files live: ``<objects>/tenants/<tenant id>/models/<model id>/v<N>/``.

The object-store abstraction of the data plane has not landed yet, so every write and read of model
files goes through the few functions here; swapping them for ``ObjectStore`` calls is the whole
migration. Uploads are per file, in chunks appended at an explicit offset, so that a broken upload
resumes where it stopped and no request exceeds the API's 1 MiB body limit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath

from suanli.core.errors import Conflict, InvalidInput, PayloadTooLarge

MAX_CHUNK_BYTES = 1024 * 1024 - 1024
"""Largest chunk of one upload request: just under the API's 1 MiB body limit."""
MAX_VERSION_BYTES = 64 * 1024**3
"""Largest model version (64 GiB), whatever the tenant's storage quota."""
MAX_FILES = 10_000
"""Most files in one version."""


def version_dir(objects_dir: Path, tenant_id: str, model_id: str, number: int) -> Path:
    """The folder that holds one version's files."""
    return objects_dir / "tenants" / tenant_id / "models" / model_id / f"v{number}"


def safe_relative(path: str) -> PurePosixPath:
    """A file name inside a version folder, refusing absolute paths, ``..`` and hidden upload parts."""
    rel = PurePosixPath(path)
    if (
        not path
        or len(path) > 500
        or rel.is_absolute()
        or any(p in ("", ".", "..") for p in rel.parts)
        or rel.as_posix() != path
        or "\\" in path
        or "\x00" in path
        or rel.name.endswith(".part")
    ):
        raise InvalidInput(f"invalid file path {path!r}: use a relative path inside the model folder")
    return rel


def append_chunk(root: Path, path: str, offset: int, data: bytes) -> int:
    """Append ``data`` to the partial file ``path`` at ``offset``; returns the new size.

    The offset must equal the bytes already received (409 otherwise, with the size to resume from).
    """
    if len(data) > MAX_CHUNK_BYTES:
        raise PayloadTooLarge(f"chunks are at most {MAX_CHUNK_BYTES} bytes")
    target = root / f"{safe_relative(path)}.part"
    target.parent.mkdir(parents=True, exist_ok=True)
    size = target.stat().st_size if target.exists() else 0
    if offset != size:
        raise Conflict(f"{path}: expected offset {size}, got {offset}", details={"offset": size})
    with target.open("ab") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return size + len(data)


def partial_files(root: Path) -> dict[str, int]:
    """Files received so far (still ``.part``) and their sizes."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix()[: -len(".part")]: p.stat().st_size for p in root.rglob("*.part") if p.is_file()
    }


def seal(root: Path) -> dict[str, dict[str, object]]:
    """Rename every ``.part`` file into place and return ``{path: {size, sha256}}``."""
    files: dict[str, dict[str, object]] = {}
    for rel, size in sorted(partial_files(root).items()):
        part = root / f"{rel}.part"
        digest = hashlib.sha256()
        with part.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        part.replace(root / rel)
        files[rel] = {"size": size, "sha256": digest.hexdigest()}
    return files
