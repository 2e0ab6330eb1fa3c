"""Exact deduplication: the first document with a given normalised text wins."""

from __future__ import annotations

import xxhash

from suanli.data.ops.normalize import normalize
from suanli.data.ops.operator import Doc


class ExactDedup:
    """Signature of a document for exact dedup: a 128-bit hash of its normalised text.

    Computing the signature is pure and runs in the workers; deciding needs every earlier signature,
    so that half lives in :class:`ExactIndex`, held by the runner.
    """

    name = "dedup_exact"

    def __init__(self, field: str = "text", simplify: bool = True) -> None:
        self.field = field
        self.simplify = simplify

    def prepare(self) -> None:
        """Load the Traditional-to-Simplified converter now (see ``Pipeline.prepare``)."""
        if self.simplify:
            normalize("中", self.simplify)

    def signature(self, doc: Doc) -> bytes:
        """The digest of the normalised text."""
        text = doc.get(self.field)
        norm = normalize(text, self.simplify) if isinstance(text, str) else ""
        return xxhash.xxh3_128_digest(norm.encode("utf-8"))

    def new_index(self) -> ExactIndex:
        """An empty index for one run."""
        return ExactIndex()


class ExactIndex:
    """The digests seen so far, each with the key of the document that brought it."""

    def __init__(self) -> None:
        self._seen: dict[bytes, str] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def admit(self, signature: bytes, key: str) -> str | None:
        """Record ``signature``; return the key of an earlier duplicate, or ``None`` if it is new."""
        first = self._seen.setdefault(signature, key)
        return None if first == key else first

    def add(self, signature: bytes, key: str) -> None:
        """Record a signature without asking (reference corpora, resumed shards)."""
        self._seen.setdefault(signature, key)
