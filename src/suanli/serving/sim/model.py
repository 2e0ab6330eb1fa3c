"""The simulated replica: a documented, deliberately simple model of an LLM inference server.

- **Cold start**: a replica serves ``cold_start_s`` after it is ordered; it is paid for from the order.
- **Sequences**: at most ``max_seqs`` requests run at once (vLLM's ``max_num_seqs``); the gateway
  sends a replica no more than that and queues the rest itself.
- **Prefill**: prompts are processed one after another at ``prefill_tokens_per_s``; tokens found in
  the replica's prefix cache are skipped. The first token appears when the prompt's prefill ends.
- **Decode**: each running sequence then generates ``decode_tokens_per_s`` tokens per second,
  independent of the batch size (continuous batching hides most of that dependence below
  ``max_seqs``; ignoring the rest keeps the model explainable).
- **Prefix cache**: an LRU set of ``cache_blocks`` prompt blocks of ``block_tokens`` tokens; a request
  hits the longest run of its leading blocks present in the cache.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from suanli.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class ReplicaModel:
    """Parameters of the simulated replica (defaults: a 7-8B model on one mid-range accelerator)."""

    cold_start_s: float = 30.0
    prefill_tokens_per_s: float = 4000.0
    decode_tokens_per_s: float = 25.0
    max_seqs: int = 8
    cache_blocks: int = 1000
    block_tokens: int = 512

    def __post_init__(self) -> None:
        if self.cold_start_s < 0 or self.prefill_tokens_per_s <= 0 or self.decode_tokens_per_s <= 0:
            raise InvalidInput("replica model needs cold_start_s >= 0 and positive token rates")
        if self.max_seqs < 1 or self.cache_blocks < 0 or self.block_tokens < 1:
            raise InvalidInput("replica model needs max_seqs >= 1, cache_blocks >= 0, block_tokens >= 1")

    def service_s(self, input_tokens: int, output_tokens: int) -> float:
        """Seconds one request occupies a sequence slot with a cold prefix cache."""
        return input_tokens / self.prefill_tokens_per_s + output_tokens / self.decode_tokens_per_s


@dataclass(eq=False)
class SimReplica:
    """A simulated replica; satisfies ``suanli.serving.routing.Replica`` so the router uses it as is."""

    id: str
    ordered_at: float
    ready_at: float
    model: ReplicaModel
    region: str = "default"
    ready: bool = False
    draining: bool = False
    healthy: bool = True
    outstanding: int = 0
    stopped_at: float | None = None
    prefill_free_at: float = 0.0
    cache: OrderedDict[int, None] = field(default_factory=OrderedDict)

    @property
    def capacity(self) -> int | None:
        """Full at ``max_seqs`` running sequences."""
        return self.model.max_seqs

    def cached_prefix(self, blocks: tuple[int, ...]) -> int:
        """How many leading blocks are in the prefix cache; touches them as recently used."""
        hits = 0
        for block in blocks:
            if block not in self.cache:
                break
            self.cache.move_to_end(block)
            hits += 1
        return hits

    def remember(self, blocks: tuple[int, ...]) -> None:
        """Put the prompt's blocks in the LRU prefix cache."""
        limit = self.model.cache_blocks
        if limit == 0:
            return
        cache = self.cache
        for block in blocks:
            cache[block] = None
            cache.move_to_end(block)
        while len(cache) > limit:
            cache.popitem(last=False)
