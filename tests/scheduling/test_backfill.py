from __future__ import annotations

import math

from suanli.scheduling.backfill import Reservation, expected_end, reserve
from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Demand

from .build import cluster, job, running

H = "nvidia-h100"


def test_reservation_takes_the_nodes_that_free_up_first() -> None:
    c = cluster(3)
    held = [running(job("a", 8, time_limit_s=900.0), H, ("n0", tuple(range(8)))),
            running(job("b", 8, time_limit_s=100.0), H, ("n1", tuple(range(8)))),
            running(job("c", 8, time_limit_s=500.0), H, ("n2", tuple(range(8))))]
    res = reserve(FreeDevices(c, held), "big", H, Demand(16), held, now=0.0, grace_s=30.0)
    assert res is not None and res.nodes == frozenset({1, 2}) and res.start == 500.0
    assert res.lets_in(0.0, 400.0) and not res.lets_in(0.0, 600.0) and not res.lets_in(0.0, None)


def test_without_time_limits_the_start_is_unknown_and_the_emptiest_nodes_drain() -> None:
    c = cluster(2)
    held = [running(job("a", 7), H, ("n0", tuple(range(7)))), running(job("b", 2), H, ("n1", (0, 1)))]
    res = reserve(FreeDevices(c, held), "big", H, Demand(8), held, now=0.0, grace_s=30.0)
    assert res == Reservation("big", H, frozenset({1}), None)


def test_expected_end_of_a_stopping_job_is_its_grace_period() -> None:
    r = running(job("a", 1, time_limit_s=10.0), H, ("n0", (0,)), started_at=5.0)
    assert expected_end(r, 30.0) == 15.0
    assert math.isinf(expected_end(running(job("b", 1), H, ("n0", (1,))), 30.0))
