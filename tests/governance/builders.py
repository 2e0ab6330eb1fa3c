"""Small constructors for governance tests, so each test states only what it is about."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from suanli.governance import (
    CHINA_TZ,
    DataClass,
    Ownership,
    Pool,
    Price,
    PriceBook,
    Provider,
    ResaleLayer,
    Sku,
    WorkKind,
    Workload,
)


def at(text: str) -> datetime:
    """A time in China Standard Time: ``at("2026-11-03 10:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ)


def provider(pid: str, ownership: Ownership = Ownership.PRIVATE) -> Provider:
    return Provider(pid, pid.title(), ownership)


def prices(table: Mapping[str, str | Iterable[tuple[str, str]]]) -> tuple[Price, ...]:
    """``{"accelerator-hour/nvidia-h100": "20.00"}`` (from 2026-01-01) or a list of (effective, price)."""
    out = []
    for sku, spec in table.items():
        versions = [("2026-01-01 00:00", spec)] if isinstance(spec, str) else list(spec)
        for effective, price in versions:
            out.append(Price(Sku.parse(sku), Decimal(price), at(effective)))
    return tuple(out)


def pool(
    pid: str,
    *,
    operator: Provider | None = None,
    region: str = "cn-east",
    jurisdiction: str = "CN",
    certifications: Iterable[str] = (),
    accelerators: Mapping[str, int] | None = None,
    price_table: Mapping[str, str | Iterable[tuple[str, str]]] | None = None,
    resale: Iterable[tuple[Provider, str]] = (),
) -> Pool:
    op = operator or provider(f"{pid}-op")
    book = PriceBook(
        pool=pid,
        provider=op.id,
        prices=prices(price_table or {"accelerator-hour/nvidia-h100": "20"}),
        resale=tuple(ResaleLayer(p, Decimal(m)) for p, m in resale),
    )
    return Pool(
        id=pid,
        provider=op,
        region=region,
        jurisdiction=jurisdiction,
        price_book=book,
        certifications=frozenset(certifications),
        accelerators=dict(accelerators if accelerators is not None else {"nvidia-h100": 8}),
    )


def workload(
    *,
    name: str = "job_1",
    tenant: str = "bank",
    industry: str = "finance",
    jurisdiction: str = "CN",
    classification: DataClass = DataClass.INTERNAL,
    kind: WorkKind = WorkKind.TRAINING,
    accelerator_kinds: tuple[str, ...] = ("nvidia-h100",),
    accelerator_count: int = 8,
    **extra: object,
) -> Workload:
    return Workload(
        name=name,
        tenant=tenant,
        industry=industry,
        jurisdiction=jurisdiction,
        classification=classification,
        kind=kind,
        accelerator_kinds=accelerator_kinds,
        accelerator_count=accelerator_count,
        **extra,  # type: ignore[arg-type]
    )
