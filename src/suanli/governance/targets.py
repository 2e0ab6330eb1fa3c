"""Placement targets under policy: which clusters (or serving regions) a workload must never be placed on.

The training scheduler places jobs on clusters and the serving controller places replicas in regions; both
learn from the catalog which pool describes each target. This core tells them, for one workload, which
targets are forbidden and why, so the live side only passes facts in and obeys the answer.

A target that no pool describes has unknown jurisdiction, region and certifications: it is permitted while
no rule in force speaks about the workload (nothing could forbid it), and excluded as soon as one does,
because a rule that cannot be checked must not be assumed to hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from suanli.governance.policy.evaluation import evaluate, in_force
from suanli.governance.policy.rules import Rule
from suanli.governance.pools import Pool
from suanli.governance.workloads import Workload


def forbidden_targets(
    rules: Iterable[Rule], workload: Workload, targets: Mapping[str, Pool | None], now: datetime
) -> dict[str, str]:
    """Each target ``workload`` may not be placed on, with the explanation (rule, version, reason).

    ``targets`` maps a target's name (a cluster id, a region) to the pool that describes it, or None.
    Targets not in the answer are permitted.
    """
    rules = tuple(rules)
    speaking = [r for r in in_force(rules, now) if r.applies_to.covers(workload)]
    if not speaking:
        return {}
    pools: dict[str, Pool] = {}
    for pool in targets.values():
        if pool is not None:
            pools.setdefault(pool.id, pool)
    listed = list(pools.values())
    decisions = {d.pool: d for d in evaluate(rules, workload, listed, now)}
    out: dict[str, str] = {}
    for name, pool in targets.items():
        if pool is None:
            ids = ", ".join(f"{r.id} version {r.version}" for r in speaking)
            out[name] = (f"{name} is described by no pool (its jurisdiction, region and certifications are "
                         f"unknown), so rule(s) {ids} cannot be checked")
        elif not decisions[pool.id].permitted:
            out[name] = decisions[pool.id].explain().replace("\n", "; ")
    return out


def blocked_reason(workload: Workload, forbidden: Mapping[str, str], names: Mapping[str, str]) -> str:
    """The pending reason of a workload that every target is forbidden to: one clause per target.

    ``names`` gives a readable name for each target (a cluster's name for its id).
    """
    order = sorted(forbidden, key=lambda t: names.get(t, t))
    clauses = " | ".join(f"{names.get(t, t)}: {forbidden[t]}" for t in order)
    return f"placement policy forbids every cluster to {workload.name} ({workload.classification} data): {clauses}"
