"""Pools: clusters a workload can be placed on, with the facts that placement rules look at."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from suanli.core.accelerators import vendor_of
from suanli.core.errors import InvalidInput
from suanli.governance.pricing import PriceBook
from suanli.governance.providers import Provider
from suanli.governance.resale import ResaleLayer


@dataclass(frozen=True, slots=True)
class Pool:
    """A cluster offered to tenants.

    ``accelerators`` maps each accelerator kind to how many are free now; ``jurisdiction`` is where
    the data would reside (``CN-SH``, ``CN``, ``HK``...); ``certifications`` are labels such as
    ``mlps-3`` (等保三级). Pools are compared but never hashed (``accelerators`` is a dict).
    """

    id: str
    provider: Provider
    region: str
    jurisdiction: str
    price_book: PriceBook
    certifications: frozenset[str] = frozenset()
    accelerators: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidInput("a pool needs an id")
        if self.price_book.pool != self.id:
            raise InvalidInput(f"pool {self.id!r} carries the price book of pool {self.price_book.pool!r}")
        for kind, free in self.accelerators.items():
            vendor_of(kind)
            if free < 0:
                raise InvalidInput(f"pool {self.id!r}: negative free count for {kind}")

    @property
    def resale(self) -> tuple[ResaleLayer, ...]:
        """The chain the pool is sold through, operator side first (empty when sold directly)."""
        return self.price_book.resale

    @property
    def parties(self) -> tuple[Provider, ...]:
        """Everyone a tenant's work passes through: the operator, then each reseller."""
        return (self.provider, *(layer.reseller for layer in self.resale))

    @property
    def domestic_accelerators(self) -> bool:
        """True when the pool offers accelerators and every kind it offers is domestically made."""
        return bool(self.accelerators) and all(vendor_of(k).domestic for k in self.accelerators)
