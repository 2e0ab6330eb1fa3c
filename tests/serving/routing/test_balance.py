from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from suanli.serving.routing import ReplicaView, Router, RouteRequest, least_outstanding_p2c

replica = st.builds(
    ReplicaView,
    id=st.uuids().map(str),
    healthy=st.booleans(),
    ready=st.booleans(),
    draining=st.booleans(),
    outstanding=st.integers(0, 20),
    capacity=st.none() | st.integers(1, 20),
)


@given(replicas=st.lists(replica, max_size=12, unique_by=lambda r: r.id), seed=st.integers(0, 2**32))
def test_p2c_never_picks_an_unhealthy_unready_draining_or_full_replica(
    replicas: list[ReplicaView], seed: int
) -> None:
    picked = Router().pick(RouteRequest(), replicas, random.Random(seed))
    usable = [r for r in replicas if r.healthy and r.ready and not r.draining
              and (r.capacity is None or r.outstanding < r.capacity)]
    if not usable:
        assert picked is None
    else:
        assert picked in usable


@given(loads=st.lists(st.integers(0, 50), min_size=2, max_size=10), seed=st.integers(0, 2**32))
def test_p2c_never_picks_the_most_loaded_of_distinct_loads(loads: list[int], seed: int) -> None:
    replicas = [ReplicaView(f"r{i}", outstanding=n) for i, n in enumerate(loads)]
    picked = least_outstanding_p2c(replicas, random.Random(seed))
    assert picked is not None
    if loads.count(max(loads)) == 1:
        assert picked.outstanding < max(loads)


def test_two_replicas_always_the_lighter() -> None:
    replicas = [ReplicaView("a", outstanding=5), ReplicaView("b", outstanding=1)]
    rng = random.Random(7)
    assert {least_outstanding_p2c(replicas, rng).id for _ in range(50)} == {"b"}  # type: ignore[union-attr]


def test_same_seed_same_choices() -> None:
    replicas = [ReplicaView(f"r{i}", outstanding=i % 3) for i in range(10)]
    a = [least_outstanding_p2c(replicas, random.Random(3)) for _ in range(1)]
    runs = []
    for _ in range(2):
        rng = random.Random(42)
        runs.append([least_outstanding_p2c(replicas, rng).id for _ in range(30)])  # type: ignore[union-attr]
    assert runs[0] == runs[1]
    assert a[0] is not None


def test_p2c_spreads_load() -> None:
    replicas = [ReplicaView(f"r{i}") for i in range(8)]
    rng = random.Random(1)
    seen = {least_outstanding_p2c(replicas, rng).id for _ in range(200)}  # type: ignore[union-attr]
    assert len(seen) == 8
