"""Tables of the governance plane: providers, pools, prices, metered usage, budgets, policy and decisions.

Money and usage are exact: :class:`ExactDecimal` is ``NUMERIC(38, 12)`` on PostgreSQL and decimal
text on SQLite (whose NUMERIC is a float), so a fen is never lost to binary rounding on either.
Usage records are append-only; hourly roll-ups are computed on read from them (see
docs/governance.md, "Where usage lives"), so there is one source of truth to recompute and audit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from suanli.state.models import Base, Claimable, utcnow


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal stored exactly: NUMERIC(38, 12) on PostgreSQL, canonical text on SQLite."""

    impl = Numeric(38, 12)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(38, 12, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError(f"not a finite Decimal: {value!r}")
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        # Both backends answer the same text: trailing zeros of PostgreSQL's fixed scale are dropped.
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


class ComputeProvider(Base):
    """A company (or the tenant itself) that operates or resells compute; ``id`` is a slug."""

    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    ownership: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComputePool(Base):
    """A pool offered to tenants. ``cluster_id`` names a training-plane cluster as plain text."""

    __tablename__ = "pools"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    cluster_id: Mapped[str | None] = mapped_column(String(63), default=None)
    region: Mapped[str] = mapped_column(String(63))
    jurisdiction: Mapped[str] = mapped_column(String(63))
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    accelerators: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Accelerator kind to count offered (the capacity a quote may promise)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PoolResaleLayer(Base):
    """One layer of the chain a pool is sold through, operator side first (``position`` 0, 1...).

    Fixed when the pool is created: a chain that changed later would re-price usage already billed.
    """

    __tablename__ = "pool_resale_layers"
    __table_args__ = (UniqueConstraint("pool_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("pools.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    reseller_id: Mapped[str] = mapped_column(ForeignKey("providers.id"))
    markup: Mapped[Decimal] = mapped_column(ExactDecimal())


class PoolPrice(Base):
    """One version of a pool's price of one SKU: CNY per priced unit from ``effective`` on. Never edited."""

    __tablename__ = "pool_prices"
    __table_args__ = (UniqueConstraint("pool_id", "sku", "effective"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("pools.id"), index=True)
    sku: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal())
    effective: Mapped[datetime] = mapped_column()
    author: Mapped[str] = mapped_column(String(63), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantResidency(Base):
    """Where a tenant's data must reside (``CN-SH``...): set by the platform, read by placement rules."""

    __tablename__ = "tenant_residency"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(63))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeteredUsage(Base):
    """An immutable usage record; the UNIQUE ``key`` makes a replayed record count once."""

    __tablename__ = "metered_usage"
    __table_args__ = (Index("ix_metered_usage_tenant_start", "tenant_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    user: Mapped[str] = mapped_column(String(63))
    subject: Mapped[str] = mapped_column(String(200))
    pool_id: Mapped[str] = mapped_column(String(63), index=True)
    sku: Mapped[str] = mapped_column(String(200))
    units: Mapped[Decimal] = mapped_column(ExactDecimal())
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantBudget(Claimable, Base):
    """A tenant's budget for one month. Recording usage bumps ``generation``; the controller evaluates."""

    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("tenant_id", "month"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    limit: Mapped[Decimal] = mapped_column(ExactDecimal())
    hard_stop: Mapped[bool] = mapped_column(default=False)
    running: Mapped[str] = mapped_column(String(10), default="leave")
    webhook_url: Mapped[str | None] = mapped_column(String(500), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BudgetAlertEvent(Base):
    """A threshold crossed, once per budget month (UNIQUE), and the state of its webhook delivery."""

    __tablename__ = "budget_alerts"
    __table_args__ = (UniqueConstraint("tenant_id", "month", "threshold"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    month: Mapped[str] = mapped_column(String(7))
    threshold: Mapped[int] = mapped_column(Integer)
    spent: Mapped[Decimal] = mapped_column(ExactDecimal())
    limit: Mapped[Decimal] = mapped_column(ExactDecimal())
    message: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    webhook_url: Mapped[str | None] = mapped_column(String(500), default=None)
    delivery: Mapped[str] = mapped_column(String(20), default="none")
    """``none`` (no webhook), ``pending``, ``delivered`` or ``failed`` (gave up)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)


class PolicyDocument(Base):
    """One uploaded version of the platform's rule set (YAML); the newest version is the one in use."""

    __tablename__ = "policy_documents"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(63))
    note: Mapped[str] = mapped_column(String(500), default="")
    rule_count: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlacementDecision(Base):
    """A placement or quote with its full explanation: which pool, and why every other one is out."""

    __tablename__ = "placement_decisions"
    __table_args__ = (Index("ix_placement_decisions_tenant", "tenant_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    """``quote`` (asked by a user) or ``placement`` (taken by a plane)."""
    workload: Mapped[str] = mapped_column(String(200))
    chosen_pool: Mapped[str | None] = mapped_column(String(63), default=None)
    policy_version: Mapped[int | None] = mapped_column(Integer, default=None)
    explanation: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class MeteringCursor(Claimable, Base):
    """How far the metering bridge has carried usage from the other planes into the ledger."""

    __tablename__ = "metering_cursors"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    metered_until: Mapped[datetime | None] = mapped_column(default=None)
    unpriced: Mapped[int] = mapped_column(Integer, default=0)
    """Records of the last pass left out because no pool or price covered them (shown, not lost)."""


class DataLabel(Base):
    """The data classification of a job, deployment or dataset (``subject`` is its id).

    Only labels above ``public`` are stored: a subject without a row is ``public``. Placement reads the
    label of every waiting job, so the table stays as small as the sensitive work is.
    """

    __tablename__ = "data_labels"
    __table_args__ = (Index("ix_data_labels_tenant", "tenant_id"),)

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    classification: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(default=utcnow)
