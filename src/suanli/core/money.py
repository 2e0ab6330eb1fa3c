"""Money is ``Decimal`` in yuan (CNY), never float; one fen is the smallest unit billed."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

FEN = Decimal("0.01")


def yuan(amount: str | int | Decimal) -> Decimal:
    """Round an amount to whole fen with banker's rounding (ROUND_HALF_EVEN), the rule invoices use."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_EVEN)
