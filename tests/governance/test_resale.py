from decimal import Decimal

import pytest

from suanli.core.errors import InvalidInput
from suanli.governance import Ownership, ResaleLayer, resell

from .builders import provider


def test_each_layer_marks_up_what_it_paid_and_every_layer_is_visible():
    prime = provider("telecom-prime", Ownership.STATE_OWNED)
    sub = provider("integrator", Ownership.PRIVATE)
    final, layers = resell(Decimal("100"), [ResaleLayer(sub, Decimal("0.10")), ResaleLayer(prime, Decimal("0.05"))])
    assert final == Decimal("115.5")
    assert [(c.reseller, c.price_in, c.added, c.price_out) for c in layers] == [
        ("integrator", Decimal("100"), Decimal("10.00"), Decimal("110.00")),
        ("telecom-prime", Decimal("110.00"), Decimal("5.5000"), Decimal("115.5000")),
    ]
    assert sum(c.added for c in layers) == final - Decimal("100")


def test_no_chain_means_no_markup():
    assert resell(Decimal("7.25"), []) == (Decimal("7.25"), ())


def test_markup_must_be_a_non_negative_decimal():
    with pytest.raises(InvalidInput):
        ResaleLayer(provider("x"), Decimal("-0.1"))
    with pytest.raises(InvalidInput):
        ResaleLayer(provider("x"), 0.1)  # type: ignore[arg-type]
