from decimal import Decimal

from suanli.core.money import yuan


def test_rounds_to_the_fen_half_to_even() -> None:
    assert yuan("1.005") == Decimal("1.00")
    assert yuan("1.015") == Decimal("1.02")
    assert yuan(3) == Decimal("3.00")
