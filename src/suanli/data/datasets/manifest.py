"""Pure rules of datasets: shard names and compression, content-addressed keys, chunk plans, manifests.

No I/O here: the services and the CLI call these with plain values.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from suanli.core.errors import InvalidInput

COMPRESSIONS = {".jsonl": "none", ".jsonl.gz": "gzip", ".jsonl.zst": "zstd", ".parquet": "parquet"}
"""Shard file endings and how each is stored: JSON Lines plain or compressed, or Parquet (one row a
document; Parquet compresses inside)."""

DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
MAX_CHUNK_SIZE = 64 * 1024 * 1024
MAX_PARTS = 10_000
MAX_FILES = 1_000
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,200}$")


@dataclass(frozen=True, slots=True)
class DeclaredFile:
    """A shard the client is about to upload: its name, size and sha256."""

    name: str
    size: int
    sha256: str

    @property
    def compression(self) -> str:
        return compression_of(self.name)


def compression_of(name: str) -> str:
    """``none``, ``gzip`` or ``zstd`` from the file's ending; :class:`InvalidInput` for anything else."""
    for ending, kind in sorted(COMPRESSIONS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(ending):
            return kind
    raise InvalidInput(
        f"shard {name!r} must end in {', '.join(COMPRESSIONS)} (JSON Lines, optionally gzip/zstd, or Parquet)")


def extension(compression: str) -> str:
    return {v: k for k, v in COMPRESSIONS.items()}[compression]


def check_files(files: list[DeclaredFile]) -> None:
    """Refuse declarations that cannot make a valid version."""
    if not 1 <= len(files) <= MAX_FILES:
        raise InvalidInput(f"a version has 1 to {MAX_FILES} shards, not {len(files)}")
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise InvalidInput("shard names must be unique within a version")
    for f in files:
        if not _NAME_RE.match(f.name):
            raise InvalidInput(f"invalid shard name {f.name!r}: letters, digits, '.', '_' and '-' only")
        compression_of(f.name)
        if not _SHA_RE.match(f.sha256):
            raise InvalidInput(f"sha256 of {f.name!r} must be 64 lower-case hex digits")
        if f.size <= 0:
            raise InvalidInput(f"shard {f.name!r} is empty")


def check_chunk_size(chunk_size: int, min_part_size: int) -> None:
    if not max(1, min_part_size) <= chunk_size <= MAX_CHUNK_SIZE:
        raise InvalidInput(
            f"chunk_size must be between {max(1, min_part_size)} and {MAX_CHUNK_SIZE} bytes on this store",
            details={"min": max(1, min_part_size), "max": MAX_CHUNK_SIZE},
        )


def part_count(size: int, chunk_size: int) -> int:
    """How many chunks a file of ``size`` bytes is sent in."""
    return max(1, -(-size // chunk_size))


def part_size(size: int, chunk_size: int, number: int) -> int:
    """The exact size chunk ``number`` (1-based) of a file must have."""
    count = part_count(size, chunk_size)
    if not 1 <= number <= count:
        raise InvalidInput(f"chunk number must be 1 to {count}, not {number}")
    return chunk_size if number < count else size - chunk_size * (count - 1)


def fingerprint(files: list[DeclaredFile], chunk_size: int, lineage: dict[str, Any]) -> str:
    """What makes two upload requests "the same upload": the same files, chunking and lineage."""
    doc = {"files": [[f.name, f.size, f.sha256] for f in files], "chunk": chunk_size, "lineage": lineage}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def shard_key(tenant_id: str, dataset_id: str, sha256: str, compression: str) -> str:
    """Where a shard lives: its content names it, so the same bytes are stored once per dataset."""
    return f"tenants/{tenant_id}/datasets/{dataset_id}/shards/{sha256}{extension(compression)}"


def staging_key(tenant_id: str, session_id: str, index: int) -> str:
    """Where an upload assembles a file before it is verified and moved to its shard key."""
    return f"tenants/{tenant_id}/uploads/{session_id}/{index}"


def version_prefix(tenant_id: str, dataset_id: str) -> str:
    return f"tenants/{tenant_id}/datasets/{dataset_id}/"
