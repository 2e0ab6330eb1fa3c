"""What a curation run did, operator by operator: counters, bytes, and samples of removed documents."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SAMPLE_CHARS = 300
"""How much of a removed document's text a sample keeps."""


@dataclass
class StepReport:
    """Counters of one operator over the documents it saw."""

    name: str
    docs_in: int = 0
    docs_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    changed: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    counters: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def sample(self, doc: dict[str, Any], text: str, reason: str, limit: int, **extra: Any) -> None:
        """Keep a removed document as an example, up to ``limit`` of them."""
        if len(self.samples) < limit:
            item: dict[str, Any] = {"reason": reason, "text": text[:SAMPLE_CHARS]}
            if "id" in doc:
                item["id"] = doc["id"]
            item.update(extra)
            self.samples.append(item)

    def merge(self, other: StepReport, limit: int) -> None:
        """Add the counts of ``other`` (the same step on a later shard)."""
        self.docs_in += other.docs_in
        self.docs_out += other.docs_out
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out
        self.changed += other.changed
        self.removed.update(other.removed)
        self.counters.update(other.counters)
        self.samples.extend(other.samples[: max(0, limit - len(self.samples))])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "name": self.name,
            "docs_in": self.docs_in,
            "docs_out": self.docs_out,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "changed": self.changed,
            "removed": dict(sorted(self.removed.items())),
            "counters": dict(sorted(self.counters.items())),
            "samples": self.samples,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepReport:
        """Inverse of :meth:`to_dict` (resumed runs reload finished shards' reports)."""
        return cls(
            name=data["name"],
            docs_in=data["docs_in"],
            docs_out=data["docs_out"],
            bytes_in=data["bytes_in"],
            bytes_out=data["bytes_out"],
            changed=data["changed"],
            removed=Counter(data["removed"]),
            counters=Counter(data["counters"]),
            samples=list(data["samples"]),
        )


def merge_steps(total: list[StepReport], part: list[StepReport], limit: int) -> None:
    """Merge a shard's step reports into the running totals, step by step."""
    for mine, theirs in zip(total, part, strict=True):
        mine.merge(theirs, limit)
