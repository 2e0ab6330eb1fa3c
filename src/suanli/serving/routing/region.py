"""Region choice: nearest to the client first, failing over to the next nearest healthy region.

The client's region comes from a header when the edge set one, else from the longest matching IP
prefix in a configured table. Distances are configuration (a matrix, or coordinates turned into
great-circle distances), not probes: the router must decide without I/O.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from suanli.core.errors import InvalidInput

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance in km between two (latitude, longitude) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


@dataclass(frozen=True)
class RegionMap:
    """Regions with locations, an IP-prefix table and a default region for unknown clients."""

    locations: Mapping[str, tuple[float, float]]
    prefixes: Sequence[tuple[Network, str]] = ()
    default_region: str | None = None
    _sorted_prefixes: tuple[tuple[Network, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for _, region in self.prefixes:
            if region not in self.locations:
                raise InvalidInput(f"IP prefix maps to unknown region {region!r}")
        if self.default_region is not None and self.default_region not in self.locations:
            raise InvalidInput(f"unknown default region {self.default_region!r}")
        # Longest prefix first, so the first match is the most specific.
        ordered = tuple(sorted(self.prefixes, key=lambda p: p[0].prefixlen, reverse=True))
        object.__setattr__(self, "_sorted_prefixes", ordered)

    @classmethod
    def build(
        cls,
        locations: Mapping[str, tuple[float, float]],
        prefixes: Mapping[str, str] | None = None,
        default_region: str | None = None,
    ) -> RegionMap:
        """From plain configuration: ``{"10.1.0.0/16": "cn-bj"}``; bad prefixes are InvalidInput."""
        parsed: list[tuple[Network, str]] = []
        for text, region in (prefixes or {}).items():
            try:
                parsed.append((ipaddress.ip_network(text, strict=False), region))
            except ValueError as exc:
                raise InvalidInput(f"bad IP prefix {text!r}") from exc
        return cls(dict(locations), tuple(parsed), default_region)

    def client_region(self, region_header: str | None, client_ip: str | None) -> str | None:
        """The client's region: a known header value wins, then the longest IP-prefix match."""
        if region_header is not None and region_header in self.locations:
            return region_header
        if client_ip is not None:
            try:
                address = ipaddress.ip_address(client_ip)
            except ValueError:
                address = None  # a malformed forwarded-for is not the client's fault to pay for
            if address is not None:
                for network, region in self._sorted_prefixes:
                    if address.version == network.version and address in network:
                        return region
        return self.default_region

    def nearest_first(self, origin: str | None, regions: Iterable[str]) -> list[str]:
        """``regions`` ordered by distance from ``origin`` (ties and unknowns by name).

        Without an origin the order is by name, which keeps every gateway's choice the same.
        """
        names = sorted(set(regions))
        if origin is None or origin not in self.locations:
            return names
        here = self.locations[origin]

        def distance(name: str) -> float:
            there = self.locations.get(name)
            return math.inf if there is None else great_circle_km(here, there)

        return sorted(names, key=lambda n: (distance(n), n))
