"""What the router needs to know about a replica, and about a request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Replica(Protocol):
    """A replica as the router sees it. The gateway's live table and the simulator's replicas both
    satisfy this protocol, so the router never copies them.

    ``capacity`` is the number of outstanding requests at which the replica counts as full (None:
    never full).
    """

    @property
    def id(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def healthy(self) -> bool: ...

    @property
    def ready(self) -> bool: ...

    @property
    def draining(self) -> bool: ...

    @property
    def outstanding(self) -> int: ...

    @property
    def capacity(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class ReplicaView:
    """A plain snapshot implementing ``Replica`` (for tests and for callers without their own type)."""

    id: str
    region: str = "default"
    healthy: bool = True
    ready: bool = True
    draining: bool = False
    outstanding: int = 0
    capacity: int | None = None


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """The routing-relevant facts of one request.

    ``region`` is the client's region if a header named it; ``client_ip`` is used with the IP-prefix
    table otherwise. ``prefix_blocks`` are hashes of the prompt's leading KV-cache blocks (e.g. 512
    tokens each), used for prefix affinity; empty disables affinity for the request.
    """

    region: str | None = None
    client_ip: str | None = None
    prefix_blocks: Sequence[int | str] = ()


def accepts_work(replica: Replica) -> bool:
    """Healthy, ready, not draining: may receive a new request (full or not)."""
    return replica.healthy and replica.ready and not replica.draining


def has_room(replica: Replica) -> bool:
    """``accepts_work`` and below its capacity."""
    cap = replica.capacity
    return accepts_work(replica) and (cap is None or replica.outstanding < cap)
