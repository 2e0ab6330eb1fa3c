"""Prefix affinity: requests sharing a prompt prefix go where its KV cache is warm.

The key is a hash of the prompt's leading blocks. Replicas are ranked for the key by rendezvous
(highest-random-weight) hashing, so adding or removing a replica only moves the keys it owned. A load
bound keeps a hot prefix from overloading its owner: the first replica in rank order whose
outstanding requests stay within ``load_factor`` times the mean gets the request ("consistent hashing
with bounded loads", Mirrokni, Thorup and Zadimoghaddam, SODA 2018).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from suanli.core.errors import InvalidInput
from suanli.serving.routing.replica import Replica

R = TypeVar("R", bound=Replica)


@dataclass(frozen=True, slots=True)
class AffinityConfig:
    """``blocks``: how many leading blocks form the key; ``load_factor``: the bound c >= 1."""

    blocks: int = 1
    load_factor: float = 1.25

    def __post_init__(self) -> None:
        if self.blocks < 1 or self.load_factor < 1.0:
            raise InvalidInput("affinity needs blocks >= 1 and load_factor >= 1")


def prefix_key(blocks: Sequence[int | str], count: int) -> str | None:
    """A stable key for the first ``count`` blocks; None when the prompt has no blocks."""
    if not blocks:
        return None
    return "/".join(str(b) for b in blocks[:count])


def _weight(key: str, replica_id: str) -> int:
    # blake2b rather than hash(): stable across processes, so every gateway agrees on the owner.
    digest = hashlib.blake2b(f"{key}\x00{replica_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rank(key: str, candidates: Sequence[R]) -> list[R]:
    """Candidates in rendezvous order for ``key`` (the owner first)."""
    return sorted(candidates, key=lambda r: _weight(key, r.id), reverse=True)


def bounded_owner(key: str, candidates: Sequence[R], load_factor: float) -> R | None:
    """The first replica in rendezvous order whose load stays within the bound after this request.

    The bound is ``ceil(load_factor * (total outstanding + 1) / n)``; at least one replica always
    satisfies it, so the answer is None only without candidates.
    """
    if not candidates:
        return None
    total = sum(r.outstanding for r in candidates) + 1
    bound = math.ceil(load_factor * total / len(candidates))
    ranked = rank(key, candidates)
    for replica in ranked:
        if replica.outstanding + 1 <= bound:
            return replica
    return ranked[0]
