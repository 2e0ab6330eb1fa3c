from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling import Bounds


def test_bounds_reject_min_above_max() -> None:
    with pytest.raises(InvalidInput):
        Bounds(min_replicas=3, max_replicas=2)


def test_bounds_reject_negative_quota() -> None:
    with pytest.raises(InvalidInput):
        Bounds(quota_replicas=-1)


def test_quota_wins_over_min() -> None:
    assert Bounds(min_replicas=4, max_replicas=10, quota_replicas=2).clamp(7) == 2


@given(
    lo=st.integers(0, 20),
    extra=st.integers(0, 20),
    quota=st.none() | st.integers(0, 50),
    asked=st.integers(-10, 100),
)
def test_clamp_stays_inside(lo: int, extra: int, quota: int | None, asked: int) -> None:
    b = Bounds(lo, lo + extra, quota)
    got = b.clamp(asked)
    assert 0 <= got <= b.ceiling
    if quota is None or quota >= lo:
        assert got >= lo
    if b.min_replicas <= asked <= b.ceiling:
        assert got == asked
