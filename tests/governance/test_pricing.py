import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suanli.core.errors import InvalidInput
from suanli.governance import Meter, Price, PriceBook, Sku

from .builders import at, prices

H100 = Sku.accelerator("nvidia-h100")


def test_sku_text_round_trips_and_is_validated():
    assert str(Sku.parse("accelerator-hour/ascend-910b")) == "accelerator-hour/ascend-910b"
    assert Sku.parse("cpu-core-hour") == Sku(Meter.CPU_CORE_HOUR)
    assert Sku.parse("million-tokens-out/qwen2.5-72b").qualifier == "qwen2.5-72b"
    with pytest.raises(InvalidInput, match="unknown accelerator kind 'nvidia-h999'"):
        Sku.parse("accelerator-hour/nvidia-h999")
    with pytest.raises(InvalidInput, match="needs a qualifier"):
        Sku.parse("million-tokens-in")
    with pytest.raises(InvalidInput, match="takes no qualifier"):
        Sku.parse("cpu-core-hour/fast")
    with pytest.raises(InvalidInput, match="unknown meter"):
        Sku.parse("gpu-hour/nvidia-h100")


def test_units_per_priced_unit():
    assert Meter.ACCELERATOR_HOUR.native_per_priced == 3600
    assert Meter.STORAGE_GB_MONTH.native_per_priced == 730 * 3600
    assert Meter.MILLION_TOKENS_IN.native_per_priced == 1_000_000


def test_prices_are_decimal_and_non_negative_and_timezone_aware():
    with pytest.raises(InvalidInput):
        Price(H100, 20.0, at("2026-01-01 00:00"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Price(H100, Decimal("-1"), at("2026-01-01 00:00"))
    with pytest.raises(InvalidInput, match="timezone-aware"):
        Price(H100, Decimal("1"), at("2026-01-01 00:00").replace(tzinfo=None))


def book_with_change() -> PriceBook:
    table = {"accelerator-hour/nvidia-h100": [("2026-01-01 00:00", "20"), ("2026-11-15 00:00", "18.5")]}
    return PriceBook("p1", "op", prices(table))


def test_price_applies_from_its_effective_time_only():
    book = book_with_change()
    assert book.price_at(H100, at("2025-12-31 23:59")) is None
    assert book.price_at(H100, at("2026-11-14 23:59")).unit_price == Decimal("20")
    assert book.price_at(H100, at("2026-11-15 00:00")).unit_price == Decimal("18.5")


def test_usage_across_a_price_change_is_split_at_the_change():
    segs = book_with_change().segments(H100, at("2026-11-14 22:00"), at("2026-11-15 03:00"))
    assert [(s.start, s.end, s.price.unit_price) for s in segs] == [
        (at("2026-11-14 22:00"), at("2026-11-15 00:00"), Decimal("20")),
        (at("2026-11-15 00:00"), at("2026-11-15 03:00"), Decimal("18.5")),
    ]


def test_unpriced_usage_is_an_error_not_free():
    with pytest.raises(InvalidInput, match="no price for accelerator-hour/nvidia-h100"):
        book_with_change().segments(H100, at("2025-12-31 23:00"), at("2026-01-01 01:00"))


def test_two_prices_at_the_same_instant_are_refused():
    with pytest.raises(InvalidInput, match="two prices"):
        PriceBook("p", "op", prices({"cpu-core-hour": [("2026-01-01 00:00", "1"), ("2026-01-01 00:00", "2")]}))


@given(
    changes=st.lists(st.integers(0, 10_000), min_size=1, max_size=6, unique=True),
    start=st.integers(0, 12_000),
    length=st.integers(1, 5_000),
)
def test_price_changes_are_never_retroactive(changes, start, length):
    """Every segment's price took effect at or before the segment, and the next change not before its end."""
    base = at("2026-01-01 00:00")
    effective = sorted(base + timedelta(minutes=m) for m in changes)
    book = PriceBook("p", "op", tuple(Price(H100, Decimal(i + 1), t) for i, t in enumerate(effective)))
    lo, hi = base + timedelta(minutes=start), base + timedelta(minutes=start + length)
    if lo < effective[0]:
        with pytest.raises(InvalidInput):
            book.segments(H100, lo, hi)
        return
    segs = book.segments(H100, lo, hi)
    assert segs[0].start == lo and segs[-1].end == hi
    for a, b in itertools.pairwise(segs):
        assert a.end == b.start
    for s in segs:
        assert s.price.effective <= s.start
        later = [t for t in effective if t > s.price.effective]
        assert not later or later[0] >= s.end
