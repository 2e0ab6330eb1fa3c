"""Least outstanding requests with the power of two choices.

Sampling two replicas and taking the less loaded one gets exponentially better maximum load than a
random pick (Mitzenmacher 2001) while avoiding the herd effect of "always the least loaded", where
every gateway process sends its burst to the same replica between load updates.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from suanli.serving.routing.replica import Replica

R = TypeVar("R", bound=Replica)


def least_outstanding_p2c(candidates: Sequence[R], rng: random.Random) -> R | None:
    """Of two distinct random candidates, the one with fewer outstanding requests (the first on a tie).

    The caller filters the candidates (health, capacity, exclusions); None when there are none.
    """
    n = len(candidates)
    if n == 0:
        return None
    if n == 1:
        return candidates[0]
    i = rng.randrange(n)
    j = rng.randrange(n - 1)
    if j >= i:
        j += 1  # two distinct indices from one draw each, without rejection sampling
    a, b = candidates[i], candidates[j]
    return b if b.outstanding < a.outstanding else a
