from __future__ import annotations

from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Cluster, Demand, Node
from suanli.scheduling.placement import gang_shape, place

from .build import cluster, job, running


def test_gang_shape_follows_the_machine_model() -> None:
    assert gang_shape(Demand(3), 8) == (1, 3)
    assert gang_shape(Demand(8), 8) == (1, 8)
    assert gang_shape(Demand(12), 8) == (2, 8)
    assert gang_shape(Demand(16, nodes=4), 8) == (4, 4)
    assert gang_shape(Demand(32, nodes=2), 8) == (0, 0)


def test_small_job_goes_to_the_fullest_node_that_fits() -> None:
    c = cluster(3)
    busy = running(job("a", 6), "nvidia-h100", ("n1", (0, 1, 2, 3, 4, 5)))
    free = FreeDevices(c, [busy])
    p = place(free, "nvidia-h100", Demand(2))
    assert p is not None and p.devices == (("n1", (6, 7)),)


def test_multi_node_gang_stays_in_one_rack_when_one_has_room() -> None:
    c = cluster(8, nodes_per_rack=4)
    # Rack 0 has a busy device on n0, so only rack 1 holds four whole nodes.
    free = FreeDevices(c, [running(job("a", 1), "nvidia-h100", ("n0", (0,)))])
    p = place(free, "nvidia-h100", Demand(32))
    assert p is not None
    assert set(p.node_names) == {"n4", "n5", "n6", "n7"}
    assert p.count == 32


def test_gang_prefers_a_shared_nvlink_domain() -> None:
    nodes = tuple(Node(f"n{i}", "gb200", 4, rack="r0", nvlink_domain="d0" if i >= 2 else "")
                  for i in range(4))
    free = FreeDevices(Cluster(nodes), [])
    p = place(free, "gb200", Demand(8))
    assert p is not None and set(p.node_names) == {"n2", "n3"}


def test_no_partial_gang() -> None:
    c = cluster(2)
    free = FreeDevices(c, [running(job("a", 1), "nvidia-h100", ("n0", (0,)))])
    assert place(free, "nvidia-h100", Demand(16)) is None
    assert place(free, "nvidia-h100", Demand(9)) is None
    assert place(free, "nvidia-h100", Demand(8)) is not None


def test_excluded_nodes_are_avoided() -> None:
    free = FreeDevices(cluster(2), [])
    p = place(free, "nvidia-h100", Demand(8), exclude={0})
    assert p is not None and p.node_names == ("n1",)
    assert place(free, "nvidia-h100", Demand(8), exclude={0, 1}) is None


def _two_sites(cheap_tier: int = 0) -> Cluster:
    """Site "dear" (tier 1) listed first, then site "cheap": two nodes of 8 each."""
    return Cluster(tuple(
        Node(f"{site}{i}", "nvidia-h100", 8, rack=f"{site}-r", site=site, tier=tier)
        for site, tier in (("dear", 1), ("cheap", cheap_tier)) for i in range(2)))


def test_a_one_node_job_takes_the_lowest_tier_before_the_best_fit() -> None:
    # dear0 has exactly one idle device (the best fit), but the cheaper site has room: it wins.
    free = FreeDevices(_two_sites(), [running(job("a", 7), "nvidia-h100", ("dear0", tuple(range(7))))])
    p = place(free, "nvidia-h100", Demand(1))
    assert p is not None and p.node_names == ("cheap0",)
    # Within one tier, best fit as ever.
    free = FreeDevices(_two_sites(cheap_tier=1), [running(job("a", 7), "nvidia-h100", ("dear0", tuple(range(7))))])
    p = place(free, "nvidia-h100", Demand(1))
    assert p is not None and p.node_names == ("dear0",)


def test_a_gang_stays_in_one_site_the_cheapest_that_holds_it() -> None:
    free = FreeDevices(_two_sites(), [])
    p = place(free, "nvidia-h100", Demand(16))
    assert p is not None and set(p.node_names) == {"cheap0", "cheap1"}
    # One idle node in each site: 16 devices are idle, but no one site holds the gang.
    busy = [running(job("a", 8), "nvidia-h100", ("dear1", tuple(range(8)))),
            running(job("b", 8), "nvidia-h100", ("cheap1", tuple(range(8))))]
    assert place(FreeDevices(_two_sites(), busy), "nvidia-h100", Demand(16)) is None
