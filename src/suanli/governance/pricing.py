"""Price books: what one unit of each SKU costs in a pool, versioned in time.

A price applies from its effective time until the next price of the same SKU takes over; it never
applies to usage before its effective time. Usage that spans a price change is split at the change
(:meth:`PriceBook.segments`). Prices are CNY ``Decimal`` per priced unit and are never rounded here:
rounding to the fen happens once per invoice line (see :mod:`suanli.governance.invoice`).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from suanli.core.accelerators import kind_of
from suanli.core.errors import InvalidInput
from suanli.governance.periods import require_aware
from suanli.governance.resale import LayerCharge, ResaleLayer, resell

HOURS_PER_MONTH = 730
"""A GB-month is 730 GB-hours (8760 / 12), so storage costs the same per hour in every month."""


class Meter(StrEnum):
    """What is measured and how it is priced."""

    ACCELERATOR_HOUR = "accelerator-hour"
    CPU_CORE_HOUR = "cpu-core-hour"
    MEMORY_GB_HOUR = "memory-gb-hour"
    STORAGE_GB_MONTH = "storage-gb-month"
    MILLION_TOKENS_IN = "million-tokens-in"
    MILLION_TOKENS_OUT = "million-tokens-out"

    @property
    def timed(self) -> bool:
        """Timed meters hold ``units`` over an interval; the others count events at an instant."""
        return self not in (Meter.MILLION_TOKENS_IN, Meter.MILLION_TOKENS_OUT)

    @property
    def native_per_priced(self) -> int:
        """How many native usage units (unit-seconds, or tokens) make one priced unit."""
        if self is Meter.STORAGE_GB_MONTH:
            return HOURS_PER_MONTH * 3600
        if self.timed:
            return 3600
        return 1_000_000

    @property
    def native_unit(self) -> str:
        """The name of the native usage unit, as usage records count it."""
        return {
            Meter.ACCELERATOR_HOUR: "accelerator-seconds",
            Meter.CPU_CORE_HOUR: "core-seconds",
            Meter.MEMORY_GB_HOUR: "GB-seconds",
            Meter.STORAGE_GB_MONTH: "GB-seconds",
            Meter.MILLION_TOKENS_IN: "tokens",
            Meter.MILLION_TOKENS_OUT: "tokens",
        }[self]


_QUALIFIED = {Meter.ACCELERATOR_HOUR, Meter.MILLION_TOKENS_IN, Meter.MILLION_TOKENS_OUT}


@dataclass(frozen=True, slots=True, order=True)
class Sku:
    """A priced thing: a meter plus, where needed, an accelerator kind or a model name.

    Written ``accelerator-hour/nvidia-h100``, ``million-tokens-out/qwen2.5-72b``, ``cpu-core-hour``.
    """

    meter: Meter
    qualifier: str = ""

    def __post_init__(self) -> None:
        if self.meter in _QUALIFIED and not self.qualifier:
            raise InvalidInput(f"SKU {self.meter.value} needs a qualifier (accelerator kind or model)")
        if self.meter not in _QUALIFIED and self.qualifier:
            raise InvalidInput(f"SKU {self.meter.value} takes no qualifier, got {self.qualifier!r}")
        if self.meter is Meter.ACCELERATOR_HOUR:
            kind_of(self.qualifier)

    @classmethod
    def parse(cls, text: str) -> Sku:
        """The SKU written ``meter`` or ``meter/qualifier``."""
        meter_text, _, qualifier = str(text).partition("/")
        try:
            meter = Meter(meter_text)
        except ValueError:
            raise InvalidInput(
                f"unknown meter {meter_text!r} in SKU {text!r}", details={"known": [m.value for m in Meter]}
            ) from None
        return cls(meter, qualifier)

    @classmethod
    def accelerator(cls, kind: str) -> Sku:
        """The accelerator-hour SKU of ``kind``."""
        return cls(Meter.ACCELERATOR_HOUR, kind)

    def __str__(self) -> str:
        return f"{self.meter.value}/{self.qualifier}" if self.qualifier else self.meter.value


@dataclass(frozen=True, slots=True)
class Price:
    """``unit_price`` CNY per priced unit of ``sku``, from ``effective`` on."""

    sku: Sku
    unit_price: Decimal
    effective: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.unit_price, Decimal) or not self.unit_price.is_finite() or self.unit_price < 0:
            raise InvalidInput(
                f"price of {self.sku}: must be a non-negative Decimal, got {self.unit_price!r}"
            )
        require_aware(self.effective, f"effective time of the price of {self.sku}")


@dataclass(frozen=True, slots=True)
class PriceSegment:
    """A part ``[start, end)`` of some usage interval during which one price applies."""

    start: datetime
    end: datetime
    price: Price


@dataclass(frozen=True, slots=True)
class PriceBook:
    """The prices of one pool, set by its operating ``provider``, and the chain it is resold through.

    A provider that charges the same in every pool shares one tuple of prices across its books.
    """

    pool: str
    provider: str
    prices: tuple[Price, ...] = ()
    resale: tuple[ResaleLayer, ...] = ()
    _by_sku: dict[Sku, tuple[Price, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grouped: dict[Sku, list[Price]] = {}
        for price in self.prices:
            grouped.setdefault(price.sku, []).append(price)
        by_sku: dict[Sku, tuple[Price, ...]] = {}
        for sku, prices in grouped.items():
            prices.sort(key=lambda p: p.effective)
            for a, b in itertools.pairwise(prices):
                if a.effective == b.effective:
                    raise InvalidInput(
                        f"price book of pool {self.pool!r}: two prices of {sku} take effect at {a.effective}"
                    )
            by_sku[sku] = tuple(prices)
        object.__setattr__(self, "_by_sku", by_sku)

    @property
    def skus(self) -> tuple[Sku, ...]:
        """Every SKU this book has ever priced."""
        return tuple(sorted(self._by_sku))

    def price_at(self, sku: Sku, at: datetime) -> Price | None:
        """The price of ``sku`` in force at ``at``, or None when none had taken effect yet."""
        require_aware(at, "price lookup time")
        prices = self._by_sku.get(sku, ())
        i = bisect_right([p.effective for p in prices], at)
        return prices[i - 1] if i else None

    def segments(self, sku: Sku, start: datetime, end: datetime) -> tuple[PriceSegment, ...]:
        """``[start, end)`` cut at every price change of ``sku``; InvalidInput if any part is unpriced."""
        require_aware(start, "usage start")
        require_aware(end, "usage end")
        first = self.price_at(sku, start)
        if first is None:
            raise InvalidInput(
                f"pool {self.pool!r} has no price for {sku} at {start.isoformat()}",
                details={"pool": self.pool, "sku": str(sku), "at": start.isoformat()},
            )
        cuts = [p for p in self._by_sku[sku] if start < p.effective < end]
        out: list[PriceSegment] = []
        current, cursor = first, start
        for change in cuts:
            out.append(PriceSegment(cursor, change.effective, current))
            current, cursor = change, change.effective
        out.append(PriceSegment(cursor, end, current))
        return tuple(out)

    def tenant_price(self, price: Price) -> tuple[Decimal, tuple[LayerCharge, ...]]:
        """What a tenant pays per unit for ``price`` after the resale chain, and each layer's part."""
        return resell(price.unit_price, self.resale)


def price_book(
    pool: str, provider: str, prices: Iterable[Price], resale: Iterable[ResaleLayer] = ()
) -> PriceBook:
    """A price book from any iterables (a convenience for services building books from rows)."""
    return PriceBook(pool=pool, provider=provider, prices=tuple(prices), resale=tuple(resale))
