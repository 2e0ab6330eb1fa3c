"""Providers, pools, their resale chains and price books, and tenants' data residency.

Platform admins edit the catalog; every caller may read it (it is what quotes are made of). Prices
are versions, never edits: a new price takes effect now or later, never in the past, so nothing
already metered is ever re-priced (docs/governance.md, "Price changes are never retroactive").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.accelerators import kind_of
from suanli.core.errors import Conflict, InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.governance.pools import Pool
from suanli.governance.pricing import Price, PriceBook, Sku
from suanli.governance.providers import Ownership, Provider
from suanli.governance.resale import ResaleLayer
from suanli.state.governance import (
    ComputePool,
    ComputeProvider,
    MeteredUsage,
    PoolPrice,
    PoolResaleLayer,
    TenantResidency,
)
from suanli.state.models import utcnow
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

MAX_SCALE = 12
"""Decimal places a stored amount may carry (the columns are NUMERIC(38, 12))."""
MAX_AMOUNT = Decimal(10) ** 20


def exact(value: Decimal, what: str) -> Decimal:
    """``value`` when it is a finite, non-negative Decimal that the columns store exactly."""
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidInput(f"{what} must be a non-negative decimal number, got {value!r}")
    exponent = value.as_tuple().exponent
    if (isinstance(exponent, int) and exponent < -MAX_SCALE) or value >= MAX_AMOUNT:
        raise InvalidInput(f"{what} must be below 1e20 with at most {MAX_SCALE} decimal places, got {value}")
    return value


def create_provider(session: Session, principal: Principal, *, id: str, name: str, ownership: str) -> ComputeProvider:
    """Add a provider (platform admins)."""
    principal.require(Permission.TENANTS_MANAGE)
    tenants.check_name(id, "provider")
    try:
        kind = Ownership(ownership)
    except ValueError:
        raise InvalidInput(
            f"unknown ownership {ownership!r}", details={"known": [o.value for o in Ownership]}
        ) from None
    row = ComputeProvider(id=id, name=name or id, ownership=kind.value, created_at=utcnow())
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"provider {id!r} already exists") from None
    return row


def list_providers(session: Session, principal: Principal) -> Sequence[ComputeProvider]:
    principal.require(Permission.READ)
    return session.scalars(select(ComputeProvider).order_by(ComputeProvider.id)).all()


def create_pool(
    session: Session, principal: Principal, *, id: str, provider: str, region: str, jurisdiction: str,
    cluster_id: str | None = None, certifications: Iterable[str] = (), accelerators: dict[str, int] | None = None,
    resale: Iterable[tuple[str, Decimal]] = (),
) -> ComputePool:
    """Add a pool with its resale chain (operator side first). The chain is fixed from then on."""
    principal.require(Permission.TENANTS_MANAGE)
    tenants.check_name(id, "pool")
    if not region or not jurisdiction:
        raise InvalidInput("a pool needs a region and a data-residency jurisdiction")
    _provider(session, provider)
    offered = dict(accelerators or {})
    for kind, count in offered.items():
        kind_of(kind)
        if not 0 <= count <= 1_000_000:
            raise InvalidInput(f"pool {id!r}: {kind} count must be between 0 and 1000000")
    row = ComputePool(
        id=id, provider_id=provider, cluster_id=cluster_id, region=region, jurisdiction=jurisdiction,
        certifications=sorted(set(certifications)), accelerators=offered, created_at=utcnow(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"pool {id!r} already exists") from None
    for position, (reseller, markup) in enumerate(resale):
        _provider(session, reseller)
        session.add(PoolResaleLayer(pool_id=id, position=position, reseller_id=reseller,
                                    markup=exact(markup, f"markup of {reseller}")))
    session.flush()
    return row


def list_pools(session: Session, principal: Principal) -> Sequence[ComputePool]:
    principal.require(Permission.READ)
    return session.scalars(select(ComputePool).order_by(ComputePool.id)).all()


def get_pool(session: Session, principal: Principal, pool_id: str) -> ComputePool:
    principal.require(Permission.READ)
    row = session.get(ComputePool, pool_id)
    if row is None:
        raise NotFound(f"no pool {pool_id!r}")
    return row


def resale_of(session: Session, pool_id: str) -> Sequence[PoolResaleLayer]:
    """The pool's resale chain, operator side first."""
    query = select(PoolResaleLayer).where(PoolResaleLayer.pool_id == pool_id).order_by(PoolResaleLayer.position)
    return session.scalars(query).all()


def add_price(
    session: Session, principal: Principal, pool_id: str, *, sku: str, unit_price: Decimal,
    effective: datetime | None, now: datetime,
) -> PoolPrice:
    """A new price version of ``sku`` in a pool, from ``effective`` (default: now) on.

    Never retroactive: refused when ``effective`` is in the past, or before the end of usage of
    that SKU already recorded in the pool (which the new price would otherwise re-price).
    """
    principal.require(Permission.TENANTS_MANAGE)
    get_pool(session, principal, pool_id)
    parsed = Sku.parse(sku)
    when = now if effective is None else effective
    if when.tzinfo is None:
        raise InvalidInput("effective must carry a time zone, e.g. 2026-12-01T00:00:00+08:00")
    if when < now:
        raise InvalidInput(
            f"price changes are never retroactive: effective {when.isoformat()} is before now "
            f"({now.isoformat()}); give a time from now on",
            details={"effective": when.isoformat(), "now": now.isoformat()},
        )
    metered = session.scalar(
        select(func.max(MeteredUsage.end)).where(MeteredUsage.pool_id == pool_id, MeteredUsage.sku == str(parsed))
    )
    if metered is not None and (metered > when or (metered == when and not parsed.meter.timed)):
        raise Conflict(
            f"usage of {parsed} in pool {pool_id!r} is recorded up to {metered.isoformat()}: a price from "
            f"{when.isoformat()} would re-price it; price changes are never retroactive",
            details={"recorded_until": metered.isoformat()},
        )
    row = PoolPrice(id=new_id("prc"), pool_id=pool_id, sku=str(parsed), unit_price=exact(unit_price, "unit_price"),
                    effective=when, author=principal.user_name, created_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"pool {pool_id!r} already has a price of {parsed} from {when.isoformat()}") from None
    return row


def list_prices(session: Session, principal: Principal, pool_id: str) -> Sequence[PoolPrice]:
    get_pool(session, principal, pool_id)
    query = select(PoolPrice).where(PoolPrice.pool_id == pool_id).order_by(PoolPrice.sku, PoolPrice.effective)
    return session.scalars(query).all()


def set_residency(session: Session, principal: Principal, tenant_ref: str, jurisdiction: str) -> TenantResidency:
    """Record where a tenant's data must reside (platform admins): placement rules read it."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.TENANTS_MANAGE)
    if not jurisdiction:
        raise InvalidInput("jurisdiction must not be empty (e.g. CN-SH)")
    row = session.get(TenantResidency, tenant.id)
    if row is None:
        row = TenantResidency(tenant_id=tenant.id, jurisdiction=jurisdiction)
        session.add(row)
    row.jurisdiction = jurisdiction
    row.updated_at = utcnow()
    session.flush()
    return row


def residency(session: Session, principal: Principal, tenant_ref: str) -> TenantResidency:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    row = session.get(TenantResidency, tenant.id)
    if row is None:
        raise NotFound(f"tenant {tenant.name!r} has no data jurisdiction on record")
    return row


def price_books(session: Session, pool_ids: Iterable[str] | None = None) -> dict[str, PriceBook]:
    """The price books (prices and resale chain) of the given pools, or of every pool."""
    return {pool.id: pool.price_book for pool in domain_pools(session, pool_ids)}


def domain_pools(session: Session, pool_ids: Iterable[str] | None = None) -> tuple[Pool, ...]:
    """Pools as the pure cores see them, with providers, resale chains and price books."""
    providers = {
        p.id: Provider(p.id, p.name, Ownership(p.ownership)) for p in session.scalars(select(ComputeProvider))
    }
    query = select(ComputePool).order_by(ComputePool.id)
    if pool_ids is not None:
        query = query.where(ComputePool.id.in_(sorted(set(pool_ids))))
    rows = session.scalars(query).all()
    ids = [r.id for r in rows]
    prices: dict[str, list[Price]] = {i: [] for i in ids}
    for p in session.scalars(select(PoolPrice).where(PoolPrice.pool_id.in_(ids))):
        prices[p.pool_id].append(Price(Sku.parse(p.sku), p.unit_price, p.effective))
    chains: dict[str, list[ResaleLayer]] = {i: [] for i in ids}
    layers = select(PoolResaleLayer).where(PoolResaleLayer.pool_id.in_(ids)).order_by(PoolResaleLayer.position)
    for layer in session.scalars(layers):
        chains[layer.pool_id].append(ResaleLayer(providers[layer.reseller_id], layer.markup))
    return tuple(
        Pool(
            id=r.id,
            provider=providers[r.provider_id],
            region=r.region,
            jurisdiction=r.jurisdiction,
            price_book=PriceBook(r.id, r.provider_id, tuple(prices[r.id]), tuple(chains[r.id])),
            certifications=frozenset(r.certifications),
            accelerators={str(k): int(v) for k, v in r.accelerators.items()},
        )
        for r in rows
    )


def _provider(session: Session, provider_id: str) -> ComputeProvider:
    row = session.get(ComputeProvider, provider_id)
    if row is None:
        raise InvalidInput(f"no provider {provider_id!r}: add it first (suanli provider add)")
    return row
