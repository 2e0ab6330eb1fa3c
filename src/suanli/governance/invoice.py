"""Monthly invoices: line items down to the job or deployment, and showback by user.

Rounding rule (the one rule, documented in docs/governance.md): every amount is computed exactly in
``Decimal`` (usage x tenant unit price / units per priced unit, at 60 significant digits) and rounded
to the fen once per invoice line, half to even (``suanli.core.money.yuan``). The invoice total and
every showback sum are sums of rounded lines, so they add up on paper.

A line is one (subject, user, pool, SKU, price version): usage that spans a price change becomes
two lines, each at the price then in force. Usage is clipped to the month in the billing time zone.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from suanli.core.errors import InvalidInput
from suanli.core.money import yuan
from suanli.governance.metering import UsageRecord, deduplicate
from suanli.governance.periods import CHINA_TZ, month_bounds
from suanli.governance.pricing import Price, PriceBook, Sku
from suanli.governance.resale import LayerCharge

PRECISION = 60
"""Significant digits of exact intermediate amounts: far more than any fen-level bill needs."""


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One line: ``usage`` native units of ``sku`` by ``subject`` for ``user`` in ``pool`` at one price."""

    subject: str
    user: str
    pool: str
    sku: Sku
    price_effective: datetime
    usage: Decimal
    usage_unit: str
    base_unit_price: Decimal
    unit_price: Decimal
    layers: tuple[LayerCharge, ...]
    amount: Decimal

    @property
    def quantity(self) -> Decimal:
        """Usage in priced units (hours, GB-months, million tokens), to 6 places, for display only."""
        with decimal.localcontext(prec=PRECISION):
            return (self.usage / self.sku.meter.native_per_priced).quantize(Decimal("0.000001"))


@dataclass(frozen=True, slots=True)
class Invoice:
    """A tenant's bill for one month in CNY; ``total`` is the sum of the rounded lines."""

    tenant: str
    month: str
    lines: tuple[InvoiceLine, ...]
    total: Decimal
    currency: str = "CNY"

    def by_user(self) -> dict[str, Decimal]:
        """Showback: what each user's work cost; the values sum to ``total``."""
        return _sum_by(self.lines, lambda line: line.user)

    def by_subject(self) -> dict[str, Decimal]:
        """What each job, deployment or dataset cost; the values sum to ``total``."""
        return _sum_by(self.lines, lambda line: line.subject)


def invoice(
    tenant: str,
    month: str,
    records: Iterable[UsageRecord],
    price_books: Iterable[PriceBook],
    tz: tzinfo = CHINA_TZ,
) -> Invoice:
    """The invoice of ``tenant`` for ``month`` (``YYYY-MM`` in ``tz``) from raw usage records.

    Replayed records count once; records of other tenants are ignored; usage in a pool without a
    price book, or before its SKU had any price, is refused with InvalidInput rather than billed as 0.
    """
    books = _books(price_books)
    usage = line_usage(tenant, month, records, books, tz)
    with decimal.localcontext(prec=PRECISION):
        lines = []
        for (subject, user, pool, sku, effective), (price, amount) in sorted(usage.items(), key=_line_order):
            unit_price, layers = books[pool].tenant_price(price)
            lines.append(
                InvoiceLine(
                    subject=subject,
                    user=user,
                    pool=pool,
                    sku=sku,
                    price_effective=effective,
                    usage=amount,
                    usage_unit=sku.meter.native_unit,
                    base_unit_price=price.unit_price,
                    unit_price=unit_price,
                    layers=layers,
                    amount=yuan(amount * unit_price / sku.meter.native_per_priced),
                )
            )
    total = sum((line.amount for line in lines), Decimal(0))
    return Invoice(tenant=tenant, month=month, lines=tuple(lines), total=total)


LineUsage = dict[tuple[str, str, str, Sku, datetime], tuple[Price, Decimal]]
"""Native usage per invoice line (subject, user, pool, SKU, price version), with the price of the line."""


def line_usage(
    tenant: str, month: str, records: Iterable[UsageRecord], books: dict[str, PriceBook], tz: tzinfo = CHINA_TZ,
    into: LineUsage | None = None,
) -> LineUsage:
    """Add the usage of ``records`` to the lines it belongs to (``into``, or new lines).

    Usage per line is a plain sum, so lines of records already seen can be kept and only new records
    added (what the budget check does); the records given must not have been added before.
    """
    start, end = month_bounds(month, tz)
    usage: LineUsage = {} if into is None else into
    with decimal.localcontext(prec=PRECISION):
        for record in deduplicate(records):
            if record.tenant != tenant:
                continue
            for price, amount in _priced_usage(record, books, start, end):
                key = (record.subject, record.user, record.pool, record.sku, price.effective)
                _, before = usage.get(key, (price, Decimal(0)))
                usage[key] = (price, before + amount)
    return usage


def total_of(usage: LineUsage, books: dict[str, PriceBook]) -> Decimal:
    """The invoice total of these lines: each line rounded to the fen, then summed (the invoice's rule)."""
    with decimal.localcontext(prec=PRECISION):
        total = Decimal(0)
        for (_, _, pool, sku, _), (price, amount) in usage.items():
            unit_price, _ = books[pool].tenant_price(price)
            total += yuan(amount * unit_price / sku.meter.native_per_priced)
    return total


def _books(price_books: Iterable[PriceBook]) -> dict[str, PriceBook]:
    books: dict[str, PriceBook] = {}
    for book in price_books:
        if book.pool in books:
            raise InvalidInput(f"two price books for pool {book.pool!r}")
        books[book.pool] = book
    return books


def _priced_usage(
    record: UsageRecord, books: dict[str, PriceBook], start: datetime, end: datetime
) -> list[tuple[Price, Decimal]]:
    book = books.get(record.pool)
    if book is None:
        raise InvalidInput(
            f"usage record {record.key!r} names pool {record.pool!r}, which has no price book",
            details={"key": record.key, "pool": record.pool},
        )
    if not record.sku.meter.timed:
        if not start <= record.start < end:
            return []
        price = book.price_at(record.sku, record.start)
        if price is None:
            raise InvalidInput(
                f"pool {record.pool!r} has no price for {record.sku} at {record.start.isoformat()}",
                details={"key": record.key, "pool": record.pool, "sku": str(record.sku)},
            )
        return [(price, record.units)]
    lo, hi = max(record.start, start), min(record.end, end)
    if hi <= lo:
        return []
    return [(seg.price, record.usage(seg.start, seg.end)) for seg in book.segments(record.sku, lo, hi)]


_LineKey = tuple[str, str, str, Sku, datetime]


def _line_order(item: tuple[_LineKey, object]) -> _LineKey:
    return item[0]


def _sum_by(lines: Iterable[InvoiceLine], key: Callable[[InvoiceLine], str]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for line in lines:
        k = key(line)
        out[k] = out.get(k, Decimal(0)) + line.amount
    return out
