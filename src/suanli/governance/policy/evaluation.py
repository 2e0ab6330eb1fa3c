"""Evaluating the negative list: which pools may a workload use, and why not the others.

Policy is a hard filter applied before any price or performance is looked at. A pool is permitted
unless some rule in force forbids it; every exclusion names the rule, its version and its author.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from suanli.governance.periods import require_aware
from suanli.governance.policy.rules import Rule
from suanli.governance.pools import Pool
from suanli.governance.workloads import Workload


@dataclass(frozen=True, slots=True)
class Exclusion:
    """One rule forbidding one pool."""

    pool: str
    rule: str
    version: int
    author: str
    description: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        why = "; ".join(self.reasons)
        about = f" ({self.description})" if self.description else ""
        return f"pool {self.pool} excluded by rule {self.rule} version {self.version}{about}: {why}"


@dataclass(frozen=True, slots=True)
class PoolDecision:
    """Whether one pool is permitted to a workload, with every rule that forbids it."""

    pool: str
    exclusions: tuple[Exclusion, ...]

    @property
    def permitted(self) -> bool:
        """True when no rule in force forbids the pool."""
        return not self.exclusions

    def explain(self) -> str:
        """One line per exclusion, or why the pool is permitted."""
        if self.permitted:
            return f"pool {self.pool} permitted: no rule in force forbids it"
        return "\n".join(str(e) for e in self.exclusions)


def in_force(rules: Iterable[Rule], now: datetime) -> tuple[Rule, ...]:
    """The version of each rule in force at ``now``: the latest one already effective, unless withdrawn.

    A version never applies before its effective time, so scheduling a stricter rule for next month
    changes nothing today.
    """
    require_aware(now, "policy evaluation time")
    current: dict[str, Rule] = {}
    for rule in rules:
        if rule.effective <= now and (rule.id not in current or rule.version > current[rule.id].version):
            current[rule.id] = rule
    return tuple(sorted((r for r in current.values() if not r.withdrawn), key=lambda r: r.id))


def evaluate(
    rules: Iterable[Rule], workload: Workload, pools: Sequence[Pool], now: datetime
) -> list[PoolDecision]:
    """A decision for every pool, in the order given: permitted, or excluded with explanations."""
    active = [r for r in in_force(rules, now) if r.applies_to.covers(workload)]
    decisions = []
    for pool in pools:
        exclusions = []
        for rule in active:
            reasons = rule.forbid.matches(pool, workload)
            if reasons is not None:
                exclusions.append(
                    Exclusion(pool.id, rule.id, rule.version, rule.author, rule.description, reasons)
                )
        decisions.append(PoolDecision(pool.id, tuple(exclusions)))
    return decisions


def permitted(rules: Iterable[Rule], workload: Workload, pools: Sequence[Pool], now: datetime) -> list[Pool]:
    """Just the pools no rule forbids, in the order given."""
    decisions = evaluate(rules, workload, pools, now)
    return [pool for pool, d in zip(pools, decisions, strict=True) if d.permitted]
