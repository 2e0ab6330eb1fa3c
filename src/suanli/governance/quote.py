"""Quotes: every permitted offer for a workload, and why every other pool is out.

A quote is what a buyer reads before committing: per offer the price per hour (and per million
tokens where the pool sells the model by the token), the resale layers and what each one adds, the
score that ranks it; per excluded pool the rules (with version and author) or the unfitness (no such
accelerator, not enough free, no price) that keeps it out. :func:`place` takes the first offer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from suanli.governance.placement import Offer, Performance, offers_in, rank
from suanli.governance.policy.evaluation import Exclusion, evaluate
from suanli.governance.policy.rules import Rule
from suanli.governance.pools import Pool
from suanli.governance.workloads import Workload


@dataclass(frozen=True, slots=True)
class ExcludedPool:
    """A pool that makes no offer: forbidden by policy, or unable to run the workload."""

    pool: str
    by_policy: tuple[Exclusion, ...]
    unfit: tuple[str, ...]

    def explain(self) -> str:
        """Why the pool is out, one sentence per reason."""
        if self.by_policy:
            return "\n".join(str(e) for e in self.by_policy)
        return f"pool {self.pool} cannot run it: " + "; ".join(self.unfit)


@dataclass(frozen=True, slots=True)
class Quote:
    """Offers best first, and every pool left out with its reasons."""

    workload: str
    at: datetime
    offers: tuple[Offer, ...]
    excluded: tuple[ExcludedPool, ...]

    @property
    def chosen(self) -> Offer | None:
        """The offer placement takes: the best-ranked one."""
        return self.offers[0] if self.offers else None

    @property
    def pending_reason(self) -> str:
        """Why nothing can be placed (empty when an offer exists): the pending reason of a job."""
        if self.offers:
            return ""
        if not self.excluded:
            return f"no pools to place {self.workload} on"
        by_policy = sum(1 for e in self.excluded if e.by_policy)
        unfit = len(self.excluded) - by_policy
        lines = [e.explain() for e in self.excluded]
        return (
            f"no pool can take {self.workload}: {by_policy} excluded by policy, {unfit} unable to run it\n"
            + "\n".join(lines)
        )


@dataclass(frozen=True, slots=True)
class Placement:
    """The chosen offer, or None with the reason the workload stays pending."""

    offer: Offer | None
    reason: str


def quote(
    workload: Workload,
    pools: Sequence[Pool],
    rules: Iterable[Rule],
    now: datetime,
    performance: Performance | None = None,
) -> Quote:
    """A quote for ``workload`` over ``pools`` under ``rules`` at ``now``.

    Policy is applied first, as a hard filter: a forbidden pool is never priced.
    """
    offers: list[Offer] = []
    excluded: list[ExcludedPool] = []
    for pool, decision in zip(pools, evaluate(rules, workload, pools, now), strict=True):
        if not decision.permitted:
            excluded.append(ExcludedPool(pool.id, decision.exclusions, ()))
            continue
        pool_offers, problems = offers_in(workload, pool, now, performance)
        if pool_offers:
            offers.extend(pool_offers)
        else:
            excluded.append(ExcludedPool(pool.id, (), tuple(problems)))
    return Quote(workload.name, now, tuple(rank(offers)), tuple(excluded))


def place(
    workload: Workload,
    pools: Sequence[Pool],
    rules: Iterable[Rule],
    now: datetime,
    performance: Performance | None = None,
) -> Placement:
    """The best permitted offer for ``workload``, or why there is none (a job's pending reason)."""
    q = quote(workload, pools, rules, now, performance)
    if q.chosen is not None:
        return Placement(q.chosen, f"placed on pool {q.chosen.pool}: {q.chosen.explanation}")
    return Placement(None, q.pending_reason)
