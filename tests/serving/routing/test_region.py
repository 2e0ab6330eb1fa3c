from __future__ import annotations

import random

import pytest

from suanli.core.errors import InvalidInput
from suanli.serving.routing import RegionMap, ReplicaView, Router, RouteRequest, great_circle_km, serving_regions

LOCATIONS = {
    "cn-beijing": (39.9, 116.4),
    "cn-shanghai": (31.2, 121.5),
    "cn-guangzhou": (23.1, 113.3),
    "cn-urumqi": (43.8, 87.6),
}
MAP = RegionMap.build(
    LOCATIONS,
    {"10.1.0.0/16": "cn-beijing", "10.1.2.0/24": "cn-guangzhou", "2001:db8::/32": "cn-shanghai"},
    default_region="cn-shanghai",
)


def test_great_circle_beijing_shanghai() -> None:
    assert 1000 < great_circle_km(LOCATIONS["cn-beijing"], LOCATIONS["cn-shanghai"]) < 1150


def test_header_wins_then_longest_prefix_then_default() -> None:
    assert MAP.client_region("cn-urumqi", "10.1.2.3") == "cn-urumqi"
    assert MAP.client_region(None, "10.1.2.3") == "cn-guangzhou"
    assert MAP.client_region(None, "10.1.9.9") == "cn-beijing"
    assert MAP.client_region(None, "2001:db8::1") == "cn-shanghai"
    assert MAP.client_region("mars", "not-an-ip") == "cn-shanghai"


def test_nearest_first() -> None:
    order = MAP.nearest_first("cn-beijing", LOCATIONS)
    assert order == ["cn-beijing", "cn-shanghai", "cn-guangzhou", "cn-urumqi"]


def test_failover_to_next_nearest_healthy_region() -> None:
    router = Router(regions=MAP)
    replicas = [
        ReplicaView("bj", "cn-beijing", healthy=False),
        ReplicaView("gz", "cn-guangzhou"),
        ReplicaView("sh", "cn-shanghai"),
        ReplicaView("xj", "cn-urumqi"),
    ]
    req = RouteRequest(client_ip="10.1.9.9")
    assert router.pick(req, replicas, random.Random(0)).id == "sh"  # type: ignore[union-attr]
    replicas[2] = ReplicaView("sh", "cn-shanghai", outstanding=4, capacity=4)
    assert router.pick(req, replicas, random.Random(0)).id == "gz"  # type: ignore[union-attr]
    assert serving_regions(replicas) == {"cn-guangzhou", "cn-shanghai", "cn-urumqi"}


def test_stays_in_nearest_region_when_it_has_room() -> None:
    router = Router(regions=MAP)
    replicas = [ReplicaView("bj", "cn-beijing", outstanding=7), ReplicaView("sh", "cn-shanghai")]
    for seed in range(10):
        assert router.pick(RouteRequest(region="cn-beijing"), replicas, random.Random(seed)).id == "bj"  # type: ignore[union-attr]


def test_bad_prefix_and_unknown_region_are_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        RegionMap.build(LOCATIONS, {"10.1.0.0/99": "cn-beijing"})
    with pytest.raises(InvalidInput):
        RegionMap.build(LOCATIONS, {"10.1.0.0/16": "eu-west"})
