"""Queueing arithmetic for SLO-targeted sizing: how many replicas keep waits under a time budget.

The gateway holds one FIFO queue in front of all the sequence slots of a deployment's ready
replicas, so the deployment is a pool of ``c = replicas * slots`` servers. Modelled as M/M/c
(Poisson arrivals, exponential service of mean ``service_s``) with offered load ``a = rate * service_s``
busy slots, the probability that a request waits at all is Erlang's C formula and the probability
that it waits longer than ``t`` is

    P(W > t) = C(c, a) * exp(-(c - a) * t / service_s)

The replicas needed are the fewest whose pool keeps ``P(W > wait_budget_s)`` at or below the miss
target. The headroom this gives is not a constant: it grows with the variability of the load
(relatively more for small pools), with the service time (a slot frees less often) and as the time
budget shrinks, which is what a fixed multiplier on ``sqrt(load)`` cannot know.
"""

from __future__ import annotations

import math

from suanli.core.errors import InvalidInput


def _erlang_b_step(blocking: float, servers: int, load: float) -> float:
    """Erlang B for ``servers`` from its value for ``servers - 1`` (the stable recursion)."""
    return load * blocking / (servers + load * blocking)


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/``servers`` queue with ``load`` Erlangs offered.

    1.0 when the pool cannot carry the load (``servers <= load``): the queue grows without bound.
    """
    if servers < 0 or load < 0:
        raise InvalidInput("servers and load must not be negative", {"servers": servers, "load": load})
    if load == 0.0:
        return 0.0
    if servers <= load:
        return 1.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = _erlang_b_step(blocking, k, load)
    return _c_from_b(blocking, servers, load)


def _c_from_b(blocking: float, servers: int, load: float) -> float:
    return servers * blocking / (servers - load * (1.0 - blocking))


def wait_exceeds(servers: int, load: float, service_s: float, wait_s: float) -> float:
    """P(W > ``wait_s``) in M/M/``servers`` with ``load`` Erlangs and mean service ``service_s``."""
    if service_s <= 0 or wait_s < 0:
        raise InvalidInput("service_s must be positive and wait_s not negative")
    c = erlang_c(servers, load)
    if c >= 1.0:
        return 1.0
    return c * math.exp(-(servers - load) * wait_s / service_s)


def replicas_for_wait(
    load: float, service_s: float, slots: int, wait_budget_s: float, miss_target: float, limit: int = 10_000
) -> int:
    """The fewest replicas of ``slots`` sequence slots each whose pool keeps P(wait > budget) <= target.

    ``load`` is the offered load in busy slots (arrival rate times mean service seconds). Zero load
    needs zero replicas; ``limit`` is returned when even that many replicas are not enough. The search
    walks the Erlang B recursion upwards once, so its cost is linear in the slots of the answer.
    """
    if slots < 1:
        raise InvalidInput("slots must be at least 1", {"slots": slots})
    if not 0.0 < miss_target < 1.0:
        raise InvalidInput("miss_target must be in (0, 1)", {"miss_target": miss_target})
    if service_s <= 0 or wait_budget_s < 0:
        raise InvalidInput("service_s must be positive and wait_budget_s not negative")
    if not math.isfinite(load):
        raise InvalidInput("load must be finite", {"load": load})
    if load <= 0.0 or limit <= 0:
        return 0
    blocking, servers = 1.0, 0
    replicas = 0
    while replicas < limit:
        replicas += 1
        while servers < replicas * slots:
            servers += 1
            blocking = _erlang_b_step(blocking, servers, load)
        if servers <= load:
            continue
        waits = _c_from_b(blocking, servers, load)
        if waits * math.exp(-(servers - load) * wait_budget_s / service_s) <= miss_target:
            return replicas
    return limit
