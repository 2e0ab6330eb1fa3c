"""The router: region, then replica, for one request; and the choice for a retry.

``Router.pick(request, replicas, rng)`` is called by the gateway for every request and by the
simulator for every simulated one. Randomness comes from the caller's seeded ``random.Random`` so
that a replay is deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TypeVar

from suanli.serving.routing.affinity import AffinityConfig, bounded_owner, prefix_key
from suanli.serving.routing.balance import least_outstanding_p2c
from suanli.serving.routing.region import RegionMap
from suanli.serving.routing.replica import Replica, RouteRequest, accepts_work, has_room

R = TypeVar("R", bound=Replica)


@dataclass(frozen=True)
class Router:
    """Nearest healthy region, then prefix affinity (if configured) or least-outstanding p2c.

    A region is used if it has at least one replica with room; otherwise the next nearest is tried.
    When every replica everywhere is full the answer is None and the caller queues the request
    (see ``WaitQueue``): that is admission control, not an error.
    """

    regions: RegionMap | None = None
    affinity: AffinityConfig | None = None

    def region_order(self, request: RouteRequest, replicas: Sequence[Replica]) -> list[str]:
        """Regions that have replicas, nearest to the client first."""
        present = {r.region for r in replicas}
        if self.regions is None:
            return sorted(present)
        origin = self.regions.client_region(request.region, request.client_ip)
        return self.regions.nearest_first(origin, present)

    def pick(
        self,
        request: RouteRequest,
        replicas: Sequence[R],
        rng: random.Random,
        exclude: Collection[str] = (),
    ) -> R | None:
        """The replica for ``request``; None when no healthy replica has room.

        ``exclude`` holds ids already tried for this request (see ``pick_retry``).
        """
        usable = [r for r in replicas if r.id not in exclude and has_room(r)]
        if not usable:
            return None
        order = self.region_order(request, usable) if len({r.region for r in usable}) > 1 else None
        if order is not None:
            first = order[0]
            usable = [r for r in usable if r.region == first]
        if self.affinity is not None:
            key = prefix_key(request.prefix_blocks, self.affinity.blocks)
            if key is not None:
                return bounded_owner(key, usable, self.affinity.load_factor)
        return least_outstanding_p2c(usable, rng)

    def pick_retry(
        self,
        request: RouteRequest,
        replicas: Sequence[R],
        rng: random.Random,
        tried: Collection[str],
    ) -> R | None:
        """Another replica for a request whose connection failed before the first byte.

        Never one already tried; None when none is left, and the gateway answers 503.
        """
        return self.pick(request, replicas, rng, exclude=tried)


def may_retry(bytes_received: int, attempts: int, max_attempts: int = 3) -> bool:
    """Retry only if nothing reached the client yet: after the first byte a retry would duplicate
    tokens the client has already seen (and, for a non-idempotent tool call, repeat its effect)."""
    return bytes_received == 0 and attempts < max_attempts


def serving_regions(replicas: Sequence[Replica]) -> set[str]:
    """Regions with at least one replica that accepts work (for health displays and failover)."""
    return {r.region for r in replicas if accepts_work(r)}
