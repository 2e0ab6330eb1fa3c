"""Resale chains: a pool sold to a tenant through one or more intermediaries, each adding a markup.

Buyers asked for every layer to be visible: a quote and an invoice line show the price each layer paid,
what it added and what it charged. Markups compound (each layer marks up what it paid), and nothing
is rounded inside the chain: rounding to the fen happens once, on the invoice line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from suanli.core.errors import InvalidInput
from suanli.governance.providers import Provider


@dataclass(frozen=True, slots=True)
class ResaleLayer:
    """One intermediary: ``reseller`` buys from the layer below and adds ``markup`` (0.08 is 8%)."""

    reseller: Provider
    markup: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.markup, Decimal) or not self.markup.is_finite() or self.markup < 0:
            raise InvalidInput(
                f"reseller {self.reseller.id!r}: markup must be a non-negative Decimal fraction, "
                f"got {self.markup!r}"
            )


@dataclass(frozen=True, slots=True)
class LayerCharge:
    """What one layer of a chain paid, added and charged, per priced unit (exact, unrounded)."""

    reseller: str
    markup: Decimal
    price_in: Decimal
    added: Decimal
    price_out: Decimal


def resell(base: Decimal, chain: Sequence[ResaleLayer]) -> tuple[Decimal, tuple[LayerCharge, ...]]:
    """The price a tenant pays for ``base`` through ``chain`` (operator first), and every layer's part."""
    price = base
    charges: list[LayerCharge] = []
    for layer in chain:
        added = price * layer.markup
        charges.append(
            LayerCharge(layer.reseller.id, layer.markup, price_in=price, added=added, price_out=price + added)
        )
        price = price + added
    return price, tuple(charges)
