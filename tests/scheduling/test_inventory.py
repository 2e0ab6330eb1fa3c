from __future__ import annotations

import pytest

from suanli.core.errors import InvalidInput
from suanli.scheduling.inventory import FreeDevices
from suanli.scheduling.model import Placement

from .build import cluster, job, running


def test_running_jobs_are_subtracted_and_bucketed() -> None:
    free = FreeDevices(cluster(2, per=4), [running(job("a", 3), "nvidia-h100", ("n0", (0, 2, 3)))])
    assert free.free[0] == [1]
    assert free.total["nvidia-h100"] == 5
    assert free.buckets["nvidia-h100"][1] == {0}
    assert free.whole["nvidia-h100"] == {1}
    free.take(Placement("nvidia-h100", (("n1", (0,)),)))
    assert free.whole["nvidia-h100"] == set()
    assert free.buckets["nvidia-h100"][3] == {1}


def test_a_device_held_twice_is_rejected() -> None:
    a = running(job("a", 1), "nvidia-h100", ("n0", (0,)))
    b = running(job("b", 1), "nvidia-h100", ("n0", (0,)))
    with pytest.raises(InvalidInput, match="held twice"):
        FreeDevices(cluster(1), [a, b])


def test_unknown_node_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="unknown node"):
        FreeDevices(cluster(1), [running(job("a", 1), "nvidia-h100", ("zz", (0,)))])
