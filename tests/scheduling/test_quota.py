from __future__ import annotations

import dataclasses

from suanli.scheduling import TenantQuota
from suanli.scheduling.quota import Usage

from .build import job, running

K = "ascend-910b"


def test_limits_guarantees_and_borrowing() -> None:
    q = {"a": TenantQuota("a", nominal={K: 16}, borrowing_limit={K: 8}, weight=2.0)}
    held = [running(job("x", 8, "a"), K, ("n0", tuple(range(8)))),
            running(job("y", 8, "a"), K, ("n1", tuple(range(8)))),
            running(job("z", 4, "b"), K, ("n2", (0, 1, 2, 3)))]
    u = Usage(q, held)
    assert u.of("a", K) == 16 and u.limit("a", K) == 24
    assert u.exceeds("a", K, 8) is None
    assert u.exceeds("a", K, 9) == f"tenant quota for {K} exhausted: 16/24 in use, job needs 9"
    assert not u.within_nominal("a", K, 1) and u.within_nominal("a", K, 0)
    assert not u.borrowing("a", K)
    # A tenant without a quota has no guarantee (it only borrows) and no limit.
    assert u.borrowing("b", K) and u.limit("b", K) is None
    assert u.share("a") == 8.0 and u.share("b") == 4.0


def test_no_quotas_means_one_shared_pool() -> None:
    u = Usage({}, [running(job("x", 8, "a"), K, ("n0", tuple(range(8))))])
    assert u.exceeds("a", K, 10_000) is None
    assert not u.borrowing("a", K) and not u.within_nominal("a", K, 1)


def test_jobs_being_preempted_no_longer_count() -> None:
    r = running(job("x", 8, "a"), K, ("n0", tuple(range(8))))
    u = Usage({"a": TenantQuota("a", {K: 0})}, [dataclasses.replace(r, preempted_at=5.0)])
    assert u.of("a", K) == 0
