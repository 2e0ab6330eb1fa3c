"""Hypothesis strategies for usage records and price books around the billing month 2026-11."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from suanli.governance import Price, PriceBook, ResaleLayer, Sku, UsageRecord

from .builders import at, provider

MONTH = "2026-11"
T0 = at("2026-10-28 00:00")  # a few days before the month, so clipping is exercised
SPAN_MINUTES = 40 * 24 * 60
H100 = Sku.parse("accelerator-hour/nvidia-h100")
CPU = Sku.parse("cpu-core-hour")
DISK = Sku.parse("storage-gb-month")
TOKENS_IN = Sku.parse("million-tokens-in/qwen2.5-72b")
SKUS = (H100, CPU, DISK, TOKENS_IN)
POOLS = ("pool-a", "pool-b")

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("99.9999"), places=4)
instants = st.integers(0, SPAN_MINUTES * 60).map(lambda s: T0 + timedelta(seconds=s))


@st.composite
def books(draw: st.DrawFn) -> tuple[PriceBook, ...]:
    out = []
    for pid in POOLS:
        prices = []
        for sku in SKUS:
            prices.append(Price(sku, draw(money), at("2026-01-01 00:00")))
            for when in draw(st.lists(instants, max_size=3, unique=True)):
                prices.append(Price(sku, draw(money), when))
        markups = draw(st.lists(st.decimals(Decimal("0"), Decimal("0.5"), places=3), max_size=2))
        resale = tuple(ResaleLayer(provider(f"reseller{i}"), m) for i, m in enumerate(markups))
        out.append(PriceBook(pid, f"{pid}-op", tuple(prices), resale))
    return tuple(out)


@st.composite
def records(draw: st.DrawFn, n: int = 25) -> list[UsageRecord]:
    out = []
    for i in range(draw(st.integers(0, n))):
        sku = draw(st.sampled_from(SKUS))
        start: datetime = draw(instants)
        if sku.meter.timed:
            seconds, micros = draw(st.integers(0, 3 * 24 * 3600)), draw(st.integers(0, 999_999))
            end = start + timedelta(seconds=seconds, microseconds=micros)
            units = draw(st.decimals(Decimal("0"), Decimal("64"), places=2))
        else:
            end = start
            units = Decimal(draw(st.integers(0, 5_000_000)))
        out.append(
            UsageRecord(
                key=f"r{i}",
                tenant=draw(st.sampled_from(["bank", "bank", "other"])),
                user=draw(st.sampled_from(["alice", "bob"])),
                subject=draw(st.sampled_from(["job_1", "job_2", "dep_1"])),
                pool=draw(st.sampled_from(POOLS)),
                sku=sku,
                units=units,
                start=start,
                end=end,
            )
        )
    return out
