from __future__ import annotations

import pytest

from suanli.scheduling.fgd import Fragmentation, fragmentation, workload
from suanli.scheduling.sharing import SharedCluster, SharedNode, SharePod


def test_workload_weights_count_gpu_pods_only() -> None:
    mix = workload([(1_000, 1, 500, ()), (1_000, 1, 500, ()), (2_000, 2, 1_000, ()), (500, 0, 0, ())])
    assert [(m.num_gpu, m.gpu_milli, m.weight) for m in mix] == [(1, 500, pytest.approx(2 / 3)),
                                                                 (2, 1_000, pytest.approx(1 / 3))]


def test_fragmentation_counts_capacity_a_pod_could_not_use() -> None:
    half, two = workload([(1_000, 1, 500, ())]), workload([(1_000, 2, 1_000, ())])
    # 300 + 1000 idle: a half pod can use the whole GPU but not the 300 left on the other.
    assert fragmentation(("T4", 8_000, (300, 1_000)), half) == 300
    # A two-GPU pod cannot use either: all 1,300 are fragmented; with no CPU left, so is everything.
    assert fragmentation(("T4", 8_000, (300, 1_000)), two) == 1_300
    assert fragmentation(("T4", 500, (1_000, 1_000)), half) == 2_000
    assert fragmentation(("T4", 8_000, (1_000, 1_000)), two) == 0
    # A GPU model the pod does not accept leaves everything fragmented for it.
    assert fragmentation(("T4", 8_000, (1_000,)), workload([(1, 1, 1_000, ("V100",))])) == 1_000


def test_growth_of_placing_a_pod() -> None:
    f = Fragmentation(workload([(1_000, 2, 1_000, ())]))
    # Taking a whole GPU of an idle 2-GPU node ruins it for two-GPU pods: 1,000 more fragmented.
    assert f.growth(("T4", 8_000, (1_000, 1_000)), 1_000, 1_000, (1,)) == 1_000


def test_fgd_keeps_whole_nodes_for_the_pods_that_need_them() -> None:
    nodes = [SharedNode("a", 2, 64_000, "T4"), SharedNode("b", 2, 64_000, "T4")]
    mix = workload([(1_000, 1, 500, ()), (1_000, 2, 1_000, ())])
    c = SharedCluster(nodes, mix=mix)
    c.gpu[1][0] = 500
    # The half pod goes to the half-used GPU of b, leaving node a whole for a two-GPU pod.
    assert c.place(SharePod("p", 1_000, 1, 500), "fgd") == (1, (0,))
    assert c.place(SharePod("w", 1_000, 2, 1_000), "fgd") == (0, (0, 1))
    assert c.gpu == [[0, 0], [0, 1_000]]
    # Without a mix, fgd is best fit.
    plain = SharedCluster(nodes)
    plain.gpu[1][0] = 500
    assert plain.place(SharePod("p", 1_000, 1, 500), "fgd") == (1, (0,))
