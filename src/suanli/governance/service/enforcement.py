"""Enforcing placement policy where work is placed: training clusters and serving regions.

The pure core (:func:`suanli.governance.targets.forbidden_targets`) decides; this module gathers the facts
it needs (the rules in use, the tenant's industry and jurisdiction, the work's data classification, the
pool that describes each cluster or region) and hands the answer to the planes:

- the job controller's snapshot leaves forbidden clusters' nodes out of a job's reach, and keeps a job
  that no cluster is permitted to out of the pass with the policy's explanation as its pending reason;
- deployments refuse forbidden regions when created or scaled, and the serving controller starts no
  replica in a region that a later rule forbids.

Work is grouped by (tenant, classification): a pass over thousands of waiting jobs evaluates the rules
once per group, and not at all while no rule is in force.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from suanli.core.errors import InvalidInput, PlacementForbidden, Refusal
from suanli.core.ids import new_id
from suanli.governance.classification import DataClass
from suanli.governance.policy import Rule, in_force, load_rules
from suanli.governance.pools import Pool
from suanli.governance.service.catalog import domain_pools
from suanli.governance.targets import blocked_reason, forbidden_targets
from suanli.governance.workloads import WorkKind, Workload
from suanli.state.governance import ComputePool, DataLabel, PlacementDecision, PolicyDocument, TenantResidency
from suanli.state.models import Tenant, utcnow
from suanli.state.training import WAITING_STATES, TrainingJob

NO_JURISDICTION = "(no jurisdiction on record)"
"""A tenant's jurisdiction when the platform has none: residency rules then forbid every pool."""

_parsed: dict[str, tuple[Rule, ...]] = {}


def rules_in_use(session: Session) -> tuple[Rule, ...]:
    """The rule versions of the newest policy document (parsed once per distinct document text)."""
    newest = session.scalar(select(func.max(PolicyDocument.version)))
    if newest is None:
        return ()
    text = session.scalar(select(PolicyDocument.text).where(PolicyDocument.version == newest)) or ""
    key = hashlib.sha256(text.encode()).hexdigest()
    rules = _parsed.get(key)
    if rules is None:
        rules = load_rules(text, source=f"policy v{newest}")
        if len(_parsed) > 64:
            _parsed.clear()
        _parsed[key] = rules
    return rules


def parse_class(text: str | None) -> DataClass:
    """A classification from a request (None: ``public``); 422 for an unknown one."""
    return DataClass.PUBLIC if text is None else DataClass.parse(text)


def label(session: Session, labels: Iterable[tuple[str, str, DataClass]]) -> None:
    """Record the classification of new subjects: (subject id, tenant id, class); ``public`` is not stored."""
    now = utcnow()
    for subject, tenant_id, cls in labels:
        if cls is DataClass.PUBLIC:
            continue
        row = session.get(DataLabel, subject)
        if row is None:
            session.add(DataLabel(subject=subject, tenant_id=tenant_id, classification=cls.label, at=now))
        elif DataClass.parse(row.classification) < cls:  # raised, never lowered
            row.classification, row.at = cls.label, now
    session.flush()


def classification_of(session: Session, subject: str) -> DataClass:
    """A subject's classification (``public`` when it has no label)."""
    row = session.get(DataLabel, subject)
    return DataClass.PUBLIC if row is None else DataClass.parse(row.classification)


def workload(session: Session, tenant_id: str, name: str, cls: DataClass, kind: WorkKind) -> Workload:
    """The facts rules look at, for one piece of a tenant's work."""
    base = _workloads(session, {(tenant_id, cls)}, kind)[(tenant_id, cls)]
    return replace(base, name=name) if name else base


@dataclass(frozen=True, slots=True)
class JobPermits:
    """Per waiting job: the clusters it must not be placed on, and the jobs no cluster is permitted to."""

    forbidden: dict[str, frozenset[str]] = field(default_factory=dict)
    """Job id to the ids of forbidden clusters (jobs with nothing forbidden are absent)."""
    blocked: dict[str, str] = field(default_factory=dict)
    """Job id to its pending reason, for jobs that every cluster is forbidden to."""


def job_permits(session: Session, clusters: Mapping[str, str], now: datetime) -> JobPermits:
    """Which clusters (id to name) each waiting job may not use, under the rules in force at ``now``."""
    rules = rules_in_use(session)
    if not rules or not clusters or not in_force(rules, now):
        return JobPermits()
    waiting = session.execute(
        select(TrainingJob.id, TrainingJob.tenant_id).where(TrainingJob.state.in_(WAITING_STATES))
    ).all()
    if not waiting:
        return JobPermits()
    labelled = dict(session.execute(
        select(DataLabel.subject, DataLabel.classification)
        .join(TrainingJob, TrainingJob.id == DataLabel.subject)
        .where(TrainingJob.state.in_(WAITING_STATES))
    ).all())
    classes = {job_id: DataClass.parse(labelled[job_id]) if job_id in labelled else DataClass.PUBLIC
               for job_id, _ in waiting}
    groups = {(tenant_id, classes[job_id]) for job_id, tenant_id in waiting}
    works = _workloads(session, groups, WorkKind.TRAINING)
    targets = cluster_pools(session, clusters)
    verdicts = {g: forbidden_targets(rules, works[g], targets, now) for g in groups}
    permits = JobPermits()
    shared: dict[tuple[str, DataClass], frozenset[str]] = {g: frozenset(v) for g, v in verdicts.items()}
    for job_id, tenant_id in waiting:
        g = (tenant_id, classes[job_id])
        out = verdicts[g]
        if not out:
            continue
        if len(out) == len(clusters):
            permits.blocked[job_id] = blocked_reason(replace(works[g], name=job_id), out, clusters)
        else:
            permits.forbidden[job_id] = shared[g]  # one object per group: the scheduler's memo keys stay cheap
    return permits


def record_blocked(session: Session, job_id: str, tenant_id: str, reason: str, now: datetime) -> None:
    """Store a blocked job's pending reason and audit the decision (only when the reason changes)."""
    session.execute(
        update(TrainingJob).where(TrainingJob.id == job_id)
        .values(pending_reason=reason, estimated_start_at=None, queue_position=None)
    )
    session.add(PlacementDecision(
        id=new_id("pld"), tenant_id=tenant_id, purpose="placement", workload=job_id, chosen_pool=None,
        policy_version=session.scalar(select(func.max(PolicyDocument.version))), explanation=reason,
        document={"job": job_id, "blocked": True, "reason": reason}, at=now,
    ))


def refusal(session: Session, tenant_id: str, work: str, explanation: str, document: dict[str, Any]) -> Refusal:
    """A refused placement under the policy in use, for :class:`~suanli.core.errors.PlacementForbidden`."""
    return Refusal(tenant_id, work[:200], explanation, session.scalar(select(func.max(PolicyDocument.version))),
                   document)


def record_refusal(session: Session, error: BaseException, now: datetime | None = None) -> None:
    """If ``error`` is a placement refusal that carries its record, add it to the tenant's placement
    decisions (no pool chosen); any other error records nothing."""
    refused = error.refusal if isinstance(error, PlacementForbidden) else None
    if refused is None:
        return
    session.add(PlacementDecision(
        id=new_id("pld"), tenant_id=refused.tenant_id, purpose="placement", workload=refused.workload,
        chosen_pool=None, policy_version=refused.policy_version, explanation=refused.explanation,
        document={**refused.document, "blocked": True}, at=now or utcnow(),
    ))


def cluster_pools(session: Session, clusters: Mapping[str, str]) -> dict[str, Pool | None]:
    """The pool describing each cluster (by id, id to name): a pool's ``cluster_id`` names it by id or name."""
    rows = session.scalars(select(ComputePool).where(ComputePool.cluster_id.is_not(None)).order_by(ComputePool.id))
    by_ref: dict[str, str] = {}
    for row in rows:
        by_ref.setdefault(row.cluster_id or "", row.id)
    wanted = {cid: by_ref.get(cid) or by_ref.get(name) for cid, name in clusters.items()}
    pools = {p.id: p for p in domain_pools(session, {p for p in wanted.values() if p})}
    return {cid: pools.get(pid) if pid else None for cid, pid in wanted.items()}


def region_pools(session: Session, regions: Collection[str]) -> dict[str, Pool | None]:
    """The pool describing each serving region: the pool naming it as its cluster, else the pool of that region."""
    rows = list(session.scalars(select(ComputePool).order_by(ComputePool.id)))
    wanted: dict[str, str | None] = {}
    for region in regions:
        match = next((r.id for r in rows if r.cluster_id == region), None)
        wanted[region] = match or next((r.id for r in rows if r.region == region), None)
    pools = {p.id: p for p in domain_pools(session, {p for p in wanted.values() if p})}
    return {region: pools.get(pid) if pid else None for region, pid in wanted.items()}


def forbidden_regions(session: Session, tenant_id: str, name: str, cls: DataClass, regions: Collection[str],
                      now: datetime) -> dict[str, str]:
    """The serving regions a tenant's deployment may not have replicas in, each with why."""
    rules = rules_in_use(session)
    if not rules or not regions or not in_force(rules, now):
        return {}
    return forbidden_targets(rules, workload(session, tenant_id, name, cls, WorkKind.INFERENCE),
                             region_pools(session, regions), now)


def require_regions(session: Session, tenant_id: str, name: str, cls: DataClass, regions: Collection[str],
                    now: datetime) -> None:
    """Refuse (422) a deployment asking for replicas in a region that policy forbids, saying which rule."""
    out = forbidden_regions(session, tenant_id, name, cls, regions, now)
    if out:
        first = sorted(out)[0]
        raise InvalidInput(
            f"placement policy forbids region {first} to deployment {name} ({cls} data): {out[first]}",
            details={"forbidden_regions": out},
        )


def _workloads(session: Session, groups: Collection[tuple[str, DataClass]],
               kind: WorkKind) -> dict[tuple[str, DataClass], Workload]:
    ids = sorted({t for t, _ in groups})
    tenants = {t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_(ids)))}
    homes = {r.tenant_id: r.jurisdiction
             for r in session.scalars(select(TenantResidency).where(TenantResidency.tenant_id.in_(ids)))}
    out: dict[tuple[str, DataClass], Workload] = {}
    for tenant_id, cls in groups:
        tenant = tenants.get(tenant_id)
        out[(tenant_id, cls)] = Workload(
            name=kind.value, tenant=tenant.name if tenant else tenant_id,
            industry=tenant.industry if tenant else "", jurisdiction=homes.get(tenant_id, NO_JURISDICTION),
            classification=cls, kind=kind,
        )
    return out
