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
