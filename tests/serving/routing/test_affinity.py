from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.serving.routing import AffinityConfig, ReplicaView, Router, RouteRequest, bounded_owner, prefix_key, rank


def views(n: int, loads: list[int] | None = None) -> list[ReplicaView]:
    return [ReplicaView(f"r{i}", outstanding=(loads[i] if loads else 0)) for i in range(n)]


def test_prefix_key_uses_leading_blocks_only() -> None:
    assert prefix_key([1, 2, 3], 2) == prefix_key([1, 2, 9], 2)
    assert prefix_key([1, 2, 3], 2) != prefix_key([1, 3, 3], 2)
    assert prefix_key([], 2) is None


def test_same_prefix_same_replica() -> None:
    router = Router(affinity=AffinityConfig(blocks=2))
    replicas = views(6)
    picks = {router.pick(RouteRequest(prefix_blocks=[7, 8, i]), replicas, random.Random(i)).id  # type: ignore[union-attr]
             for i in range(20)}
    assert len(picks) == 1


def test_different_prefixes_spread() -> None:
    router = Router(affinity=AffinityConfig(blocks=1))
    replicas = views(6)
    owners = {router.pick(RouteRequest(prefix_blocks=[k]), replicas, random.Random(0)).id  # type: ignore[union-attr]
              for k in range(200)}
    assert len(owners) == 6


def test_hot_owner_is_passed_over_beyond_the_load_bound() -> None:
    replicas = views(4)
    owner = rank("hot", replicas)[0]
    loads = [10 if r.id == owner.id else 1 for r in replicas]
    loaded = [ReplicaView(r.id, outstanding=n) for r, n in zip(replicas, loads, strict=True)]
    picked = bounded_owner("hot", loaded, 1.25)
    assert picked is not None and picked.id != owner.id
    assert picked.id == next(r.id for r in rank("hot", loaded) if r.id != owner.id)


@given(n=st.integers(2, 12), key=st.text(min_size=1, max_size=8), gone=st.integers(0, 11))
def test_removing_another_replica_keeps_the_owner(n: int, key: str, gone: int) -> None:
    replicas = views(n)
    owner = rank(key, replicas)[0]
    victim = replicas[gone % n]
    if victim.id == owner.id:
        return
    assert rank(key, [r for r in replicas if r.id != victim.id])[0].id == owner.id


@given(loads=st.lists(st.integers(0, 30), min_size=1, max_size=10), key=st.text(max_size=6),
       c=st.floats(1.0, 3.0))
def test_bound_holds(loads: list[int], key: str, c: float) -> None:
    replicas = [ReplicaView(f"r{i}", outstanding=n) for i, n in enumerate(loads)]
    picked = bounded_owner(key, replicas, c)
    assert picked is not None
    bound = -(-c * (sum(loads) + 1) // len(loads))
    assert picked.outstanding + 1 <= max(bound, min(loads) + 1)


def test_bad_affinity_config() -> None:
    with pytest.raises(InvalidInput):
        AffinityConfig(blocks=0)
    with pytest.raises(InvalidInput):
        AffinityConfig(load_factor=0.9)
