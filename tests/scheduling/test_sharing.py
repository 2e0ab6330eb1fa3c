from __future__ import annotations

import pytest

from suanli.core.errors import InvalidInput
from suanli.scheduling.sharing import SharedCluster, SharedNode, SharePod


def nodes() -> list[SharedNode]:
    return [SharedNode("a", 2, 64_000, "T4"), SharedNode("b", 2, 64_000, "T4")]


def test_best_fit_fills_used_gpus_and_keeps_whole_ones_whole() -> None:
    best, first = SharedCluster(nodes()), SharedCluster(nodes())
    half = SharePod("p", 1_000, 1, 500)
    # Put a half pod on node b's first GPU, then another half pod.
    for c in (best, first):
        c.gpu[1][0] = 500
    assert best.place(half) == (1, (0,))  # the half-used GPU
    assert first.place(half, "first-fit") == (0, (0,))  # splits an untouched GPU
    two = SharePod("w", 1_000, 2, 1_000)
    assert best.place(two) == (0, (0, 1))
    assert first.place(two, "first-fit") is None


def test_models_and_cpu_are_respected() -> None:
    c = SharedCluster([SharedNode("a", 1, 1_000, "T4"), SharedNode("b", 1, 64_000, "V100M16")])
    assert c.place(SharePod("p", 2_000, 1, 1_000)) == (1, (0,))
    assert c.place(SharePod("q", 500, 1, 200, ("V100M16",))) is None


def test_fractions_need_one_gpu() -> None:
    with pytest.raises(InvalidInput):
        SharedCluster(nodes()).place(SharePod("p", 1, 2, 500))
