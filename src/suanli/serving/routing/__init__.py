"""Pure request routing: region choice with failover, least-outstanding p2c, prefix affinity with
bounded load, retry selection, and a bounded wait queue. No I/O and no clock: the gateway and
``suanli serve-sim`` call the same code with their own replicas and a seeded ``random.Random``.
"""

from suanli.serving.routing.affinity import AffinityConfig, bounded_owner, prefix_key, rank
from suanli.serving.routing.balance import least_outstanding_p2c
from suanli.serving.routing.queue import WaitQueue
from suanli.serving.routing.region import RegionMap, great_circle_km
from suanli.serving.routing.replica import Replica, ReplicaView, RouteRequest, accepts_work, has_room
from suanli.serving.routing.router import Router, may_retry, serving_regions

__all__ = [
    "AffinityConfig",
    "RegionMap",
    "Replica",
    "ReplicaView",
    "RouteRequest",
    "Router",
    "WaitQueue",
    "accepts_work",
    "bounded_owner",
    "great_circle_km",
    "has_room",
    "least_outstanding_p2c",
    "may_retry",
    "prefix_key",
    "rank",
    "serving_regions",
]
