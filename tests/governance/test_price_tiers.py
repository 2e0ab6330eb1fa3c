"""Which clusters the scheduler fills first: tiers by price per performance-hour of one device."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from suanli.governance import Ownership, Provider
from suanli.governance.placement import device_price_tiers

from .builders import at, pool, provider

NOW = at("2026-11-20 12:00")
H100 = "nvidia-h100"
ASCEND = "ascend-910b"


def test_the_cheapest_device_hour_is_tier_zero_and_equal_prices_share_a_tier() -> None:
    cheap = pool("cheap", price_table={f"accelerator-hour/{H100}": "18"})
    dear = pool("dear", price_table={f"accelerator-hour/{H100}": "25"})
    same = pool("same", price_table={f"accelerator-hour/{H100}": "18.00"})
    tiers = device_price_tiers({("a", H100): dear, ("b", H100): cheap, ("c", H100): same}, NOW)
    assert tiers == {("a", H100): 1, ("b", H100): 0, ("c", H100): 0}


def test_resale_markups_count_and_relative_performance_divides() -> None:
    # 20 resold at +30% is 26 a device-hour: dearer than 25 bought directly.
    resold = pool("resold", price_table={f"accelerator-hour/{H100}": "20"}, resale=[(provider("prime"), "0.30")])
    direct = pool("direct", price_table={f"accelerator-hour/{H100}": "25"})
    assert device_price_tiers({("r", H100): resold, ("d", H100): direct}, NOW) == {("r", H100): 1, ("d", H100): 0}
    # An Ascend device-hour at 12 with half an H100's throughput costs 24 per H100-equivalent: between them.
    npu = pool("npu", price_table={f"accelerator-hour/{ASCEND}": "12"})
    perf = {H100: Decimal(1), ASCEND: Decimal("0.5")}
    tiers = device_price_tiers({("r", H100): resold, ("d", H100): direct, ("n", ASCEND): npu}, NOW, perf)
    assert tiers == {("n", ASCEND): 0, ("d", H100): 1, ("r", H100): 2}


def test_an_unpriced_cluster_comes_after_every_priced_one() -> None:
    priced = pool("priced", price_table={f"accelerator-hour/{H100}": "40"})
    no_npu_price = pool("h100-only", price_table={f"accelerator-hour/{H100}": "10"})
    tiers = device_price_tiers({("p", H100): priced, ("own", H100): None, ("x", ASCEND): no_npu_price}, NOW)
    assert tiers == {("p", H100): 0, ("own", H100): 1, ("x", ASCEND): 1}


def test_a_price_counts_from_its_effective_time_only() -> None:
    changing = pool("changing", price_table={f"accelerator-hour/{H100}": [("2026-01-01 00:00", "30"),
                                                                          ("2026-12-01 00:00", "10")]})
    steady = pool("steady", price_table={f"accelerator-hour/{H100}": "20"})
    targets = {("c", H100): changing, ("s", H100): steady}
    assert device_price_tiers(targets, NOW) == {("c", H100): 1, ("s", H100): 0}
    assert device_price_tiers(targets, at("2026-12-01 00:00")) == {("c", H100): 0, ("s", H100): 1}


def test_who_owns_a_pool_never_changes_its_tier() -> None:
    state = pool("x", operator=Provider("x-op", "X", Ownership.STATE_OWNED),
                 price_table={f"accelerator-hour/{H100}": "20"})
    private = replace(state, provider=Provider("x-op", "X", Ownership.PRIVATE))
    other = pool("y", price_table={f"accelerator-hour/{H100}": "21"})
    assert (device_price_tiers({("a", H100): state, ("b", H100): other}, NOW)
            == device_price_tiers({("a", H100): private, ("b", H100): other}, NOW))
