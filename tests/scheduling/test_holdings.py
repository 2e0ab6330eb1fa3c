from __future__ import annotations

import dataclasses
import random

import pytest

from suanli.core.errors import InvalidInput
from suanli.scheduling.holdings import holdings
from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Placement, RunningJob
from suanli.scheduling.quota import Usage

from .build import cluster, job, running

K = "nvidia-h100"


def _from_scratch(c: object, held: list[RunningJob]) -> tuple[list[list[int]], dict[str, list[set[int]]],
                                                             dict[str, set[int]], dict[tuple[str, str], int]]:
    free = FreeDevices(c, held)  # type: ignore[arg-type]
    return free.free, free.buckets, free.whole, Usage({}, held).used


def test_carried_state_equals_a_derivation_from_scratch_pass_after_pass() -> None:
    rnd = random.Random(3)
    c = cluster(6, per=4)
    held: list[RunningJob] = []
    for step in range(300):
        taken = {(n, d) for r in held for n, devs in r.placement.devices for d in devs}
        if held and rnd.random() < 0.4:
            held.pop(rnd.randrange(len(held)))
        elif held and rnd.random() < 0.2:  # the same job, told to stop (a new record)
            i = rnd.randrange(len(held))
            held[i] = dataclasses.replace(held[i], preempted_at=float(step))
        else:
            node = f"n{rnd.randrange(6)}"
            idle = [d for d in range(4) if (node, d) not in taken]
            if idle:
                devs = tuple(sorted(rnd.sample(idle, rnd.randint(1, len(idle)))))
                held.append(running(job(f"j{step}", len(devs), f"t{step % 3}"), K, (node, devs)))
        h = holdings(c, tuple(held))
        free, used, total = h.free.copy(), h.used, h.total
        want_free, buckets, whole, want_used = _from_scratch(c, held)
        assert (free.free, free.buckets, free.whole, used) == (want_free, buckets, whole, want_used)
        assert total == Usage({}, held).total
        free.take(Placement(K, ((f"n{step % 6}", tuple(free.free[step % 6][:1])),)))  # the pass's own copy


def test_errors_are_still_reported_after_a_carried_pass() -> None:
    c = cluster(1)
    a = running(job("a", 1), K, ("n0", (0,)))
    holdings(c, (a,))
    with pytest.raises(InvalidInput, match="held twice"):
        holdings(c, (a, running(job("b", 1), K, ("n0", (0,)))))
    with pytest.raises(InvalidInput, match="held twice"):
        holdings(c, (a, a))
    with pytest.raises(InvalidInput, match="unknown node"):
        holdings(c, (a, running(job("b", 1), K, ("zz", (0,)))))
