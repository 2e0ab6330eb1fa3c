from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.serving.routing import ReplicaView, Router, RouteRequest, WaitQueue, may_retry


def test_retry_never_returns_a_tried_replica() -> None:
    replicas = [ReplicaView(f"r{i}") for i in range(3)]
    router, rng, tried = Router(), random.Random(0), set[str]()
    for _ in range(3):
        picked = router.pick_retry(RouteRequest(), replicas, rng, tried)
        assert picked is not None and picked.id not in tried
        tried.add(picked.id)
    assert router.pick_retry(RouteRequest(), replicas, rng, tried) is None


def test_may_retry_only_before_first_byte() -> None:
    assert may_retry(0, 1)
    assert not may_retry(1, 1)
    assert not may_retry(0, 3, max_attempts=3)


def test_all_full_means_queue() -> None:
    replicas = [ReplicaView("a", outstanding=2, capacity=2)]
    assert Router().pick(RouteRequest(), replicas, random.Random(0)) is None


def test_wait_queue_is_bounded_fifo_with_timeout() -> None:
    q: WaitQueue[str] = WaitQueue(capacity=2, timeout_s=10.0)
    assert q.offer("a", 0.0) and q.offer("b", 5.0)
    assert not q.offer("c", 6.0)
    assert q.expire(9.9) == []
    assert q.expire(10.0) == ["a"]
    assert q.peek() == "b" and q.oldest_since() == 5.0
    assert q.pop() == "b" and q.pop() is None and len(q) == 0


@given(ops=st.lists(st.tuples(st.booleans(), st.floats(0, 5)), max_size=60), cap=st.integers(0, 8))
def test_wait_queue_never_exceeds_capacity(ops: list[tuple[bool, float]], cap: int) -> None:
    q: WaitQueue[int] = WaitQueue(cap, 3.0)
    now = 0.0
    for i, (push, dt) in enumerate(ops):
        now += dt
        q.expire(now)
        if push:
            q.offer(i, now)
        else:
            q.pop()
        assert len(q) <= cap
        since = q.oldest_since()
        assert since is None or now - since < 3.0


def test_wait_queue_rejects_bad_settings() -> None:
    with pytest.raises(InvalidInput):
        WaitQueue(1, 0.0)
