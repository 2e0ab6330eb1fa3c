from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.serving.autoscaling.queueing import erlang_c, replicas_for_wait, wait_exceeds


def test_erlang_c_known_values() -> None:
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: an arrival waits with probability rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)  # (1/2 * 2) / (1 + 1 + 1)
    # Textbook value: 10 agents, 8 Erlangs wait with probability 0.409.
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)
    assert erlang_c(5, 0.0) == 0.0
    assert erlang_c(4, 4.0) == 1.0 and erlang_c(3, 7.5) == 1.0


def test_wait_tail_is_exponential_in_the_spare_servers() -> None:
    p0 = wait_exceeds(10, 8.0, 5.0, 0.0)
    assert p0 == pytest.approx(erlang_c(10, 8.0))
    assert wait_exceeds(10, 8.0, 5.0, 2.5) == pytest.approx(p0 * math.exp(-2 * 2.5 / 5.0))


def test_replicas_for_wait_is_the_fewest_that_meet_the_target() -> None:
    n = replicas_for_wait(35.0, 9.0, 8, 1.4, 0.005)
    assert wait_exceeds(n * 8, 35.0, 9.0, 1.4) <= 0.005 < wait_exceeds((n - 1) * 8, 35.0, 9.0, 1.4)
    assert replicas_for_wait(0.0, 9.0, 8, 1.4, 0.005) == 0
    assert replicas_for_wait(1e6, 9.0, 8, 1.4, 0.005, limit=50) == 50


@given(a=st.floats(0.01, 400), b=st.floats(0.01, 400), slots=st.integers(1, 32))
def test_more_load_never_needs_fewer_replicas_and_load_always_fits(a: float, b: float, slots: int) -> None:
    lo, hi = sorted((a, b))
    n_lo = replicas_for_wait(lo, 8.0, slots, 1.5, 0.005)
    n_hi = replicas_for_wait(hi, 8.0, slots, 1.5, 0.005)
    assert n_lo <= n_hi
    assert n_hi * slots > hi


def test_headroom_adapts_to_size_service_time_and_budget() -> None:
    small, big = replicas_for_wait(8.0, 9.0, 8, 1.4, 0.005), replicas_for_wait(200.0, 9.0, 8, 1.4, 0.005)
    assert small * 8 / 8.0 > big * 8 / 200.0  # small pools need relatively more spare slots
    assert replicas_for_wait(35.0, 30.0, 8, 1.4, 0.005) > replicas_for_wait(35.0, 3.0, 8, 1.4, 0.005)
    assert replicas_for_wait(35.0, 9.0, 8, 0.2, 0.005) > replicas_for_wait(35.0, 9.0, 8, 3.0, 0.005)
    assert replicas_for_wait(35.0, 9.0, 8, 1.4, 0.001) >= replicas_for_wait(35.0, 9.0, 8, 1.4, 0.05)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInput):
        replicas_for_wait(10.0, 9.0, 0, 1.0, 0.01)
    with pytest.raises(InvalidInput):
        replicas_for_wait(10.0, 9.0, 8, 1.0, 1.5)
    with pytest.raises(InvalidInput):
        replicas_for_wait(math.inf, 9.0, 8, 1.0, 0.01)
    with pytest.raises(InvalidInput):
        erlang_c(-1, 2.0)
