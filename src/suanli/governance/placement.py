"""Neutral placement: among the pools policy permits, the best price per unit of performance wins.

The score is the tenant's price per hour for the whole workload (after every resale layer) divided
by the performance it buys (relative throughput per accelerator x count). Lower is better; ties go
to more performance, then to the pool id. Provider identity and ownership are never read here, so
relabelling who owns a pool cannot change where work goes (a property test checks exactly that).

Relative throughput is data the operator measures (for example tokens/s of a reference model on
each kind, normalised to one kind); kinds missing from the table count as 1.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from suanli.core.errors import InvalidInput
from suanli.governance.pools import Pool
from suanli.governance.pricing import HOURS_PER_MONTH, Meter, Sku
from suanli.governance.resale import LayerCharge, resell
from suanli.governance.workloads import Workload

Performance = Mapping[str, Decimal]
"""Relative throughput of one accelerator of each kind (for example ``{"nvidia-h100": 1, ...}``)."""


@dataclass(frozen=True, slots=True)
class TokenPrice:
    """The tenant's price per million tokens of ``sku`` in a pool, and what each resale layer adds."""

    sku: Sku
    base: Decimal
    price: Decimal
    layers: tuple[LayerCharge, ...]


@dataclass(frozen=True, slots=True)
class Offer:
    """One way to run a workload in one permitted pool, priced for the tenant at a moment."""

    pool: str
    accelerator_kind: str | None
    accelerator_count: int
    hourly_base: Decimal
    hourly: Decimal
    layers: tuple[LayerCharge, ...]
    token_prices: tuple[TokenPrice, ...]
    performance: Decimal
    score: Decimal

    @property
    def explanation(self) -> str:
        """How the score was computed, in words."""
        what = "no accelerators"
        if self.accelerator_kind:
            what = f"{self.accelerator_count} x {self.accelerator_kind}"
        return (
            f"¥{self.hourly:.4f}/h for {what} / performance {self.performance.normalize():f} "
            f"= ¥{self.score:.4f} per performance-hour"
        )


def offers_in(
    workload: Workload, pool: Pool, now: datetime, performance: Performance | None = None
) -> tuple[list[Offer], list[str]]:
    """Every offer ``pool`` can make for ``workload`` at ``now``, and why it cannot make the others.

    This ignores policy: call it only for pools that policy permits. The pool is unfit for the
    workload when the list of offers is empty; the reasons then say why.
    """
    book = pool.price_book
    problems: list[str] = []
    # (sku, amount per hour, divisor): divided only inside the precise context, after multiplying.
    wanted: list[tuple[Sku, Decimal, int]] = []
    if workload.cpu_cores:
        wanted.append((Sku(Meter.CPU_CORE_HOUR), Decimal(workload.cpu_cores), 1))
    if workload.storage_gb:
        wanted.append((Sku(Meter.STORAGE_GB_MONTH), workload.storage_gb, HOURS_PER_MONTH))
    if workload.model:
        for meter, per_hour in (
            (Meter.MILLION_TOKENS_IN, workload.tokens_in_per_hour),
            (Meter.MILLION_TOKENS_OUT, workload.tokens_out_per_hour),
        ):
            if per_hour:
                wanted.append((Sku(meter, workload.model), per_hour, 1_000_000))
    offers: list[Offer] = []
    with decimal.localcontext(prec=60):
        fixed = Decimal(0)
        for sku, amount, divisor in wanted:
            price = book.price_at(sku, now)
            if price is None:
                problems.append(f"no price for {sku}")
            else:
                fixed += price.unit_price * amount / divisor
        if problems:
            return [], problems
        token_prices = _token_prices(workload, pool, now)
        kinds: list[str | None] = list(workload.accelerator_kinds) if workload.accelerator_count else [None]
        for kind in kinds:
            base = fixed
            if kind is not None:
                free = pool.accelerators.get(kind)
                if free is None:
                    problems.append(f"offers no {kind}")
                    continue
                if free < workload.accelerator_count:
                    problems.append(f"only {free} {kind} free, {workload.accelerator_count} needed")
                    continue
                price = book.price_at(Sku.accelerator(kind), now)
                if price is None:
                    problems.append(f"no price for {Sku.accelerator(kind)}")
                    continue
                base += price.unit_price * workload.accelerator_count
            hourly, layers = resell(base, pool.resale)
            perf = _performance(kind, workload.accelerator_count, performance)
            count = workload.accelerator_count if kind else 0
            score = hourly / perf
            offers.append(Offer(pool.id, kind, count, base, hourly, layers, token_prices, perf, score))
    return offers, problems


def rank(offers: Iterable[Offer]) -> list[Offer]:
    """Offers best first: lowest score, then most performance, then pool id (never the provider)."""
    return sorted(offers, key=lambda o: (o.score, -o.performance, o.pool, o.accelerator_kind or ""))


def _performance(kind: str | None, count: int, table: Performance | None) -> Decimal:
    if kind is None:
        return Decimal(1)
    per = Decimal((table or {}).get(kind, Decimal(1)))
    if not per > 0:
        raise InvalidInput(f"relative performance of {kind} must be positive, got {per}")
    return per * count


def _token_prices(workload: Workload, pool: Pool, now: datetime) -> tuple[TokenPrice, ...]:
    if not workload.model:
        return ()
    out = []
    for meter in (Meter.MILLION_TOKENS_IN, Meter.MILLION_TOKENS_OUT):
        sku = Sku(meter, workload.model)
        price = pool.price_book.price_at(sku, now)
        if price is not None:
            final, layers = resell(price.unit_price, pool.resale)
            out.append(TokenPrice(sku, price.unit_price, final, layers))
    return tuple(out)


def device_price_tiers(
    targets: Mapping[tuple[str, str], Pool | None], now: datetime, performance: Performance | None = None
) -> dict[tuple[str, str], int]:
    """Which clusters a scheduler should fill first: a tier for each (cluster, accelerator kind).

    The score of a (cluster, kind) is what the tenant pays for one device-hour of ``kind`` in the pool
    describing the cluster (after every resale layer) divided by the kind's relative performance, the
    per-device form of :attr:`Offer.score`. Tier 0 is the lowest score, equal scores share a tier, and a
    cluster with no pool or no price for the kind comes after every priced one (its cost is unknown, so it
    is neither preferred nor left idle). Like :func:`rank`, this never reads who owns a pool.
    """
    scores: dict[tuple[str, str], Decimal | None] = {}
    with decimal.localcontext(prec=60):
        for (target, kind), pool in targets.items():
            price = pool.price_book.price_at(Sku.accelerator(kind), now) if pool is not None else None
            if pool is None or price is None:
                scores[(target, kind)] = None
                continue
            hourly, _ = resell(price.unit_price, pool.resale)
            scores[(target, kind)] = hourly / _performance(kind, 1, performance)
    ladder = sorted({s for s in scores.values() if s is not None})
    tier = {s: i for i, s in enumerate(ladder)}
    return {key: len(ladder) if s is None else tier[s] for key, s in scores.items()}
