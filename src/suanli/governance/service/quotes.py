"""Quotes and placements against the live catalog and rule set, each recorded with its explanation.

A quote is what a tenant reads before submitting; a placement is what a plane takes when it admits
work. Both run the pure ``quote`` (policy first, as a hard filter; then the neutral score) and both
are recorded as a :class:`PlacementDecision`, so every "pool P excluded by rule R version 3" that a
user was shown can be found again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.core.errors import InvalidInput
from suanli.core.ids import new_id
from suanli.governance.classification import DataClass
from suanli.governance.documents import quote_document
from suanli.governance.placement import device_price_tiers
from suanli.governance.policy import in_force
from suanli.governance.quote import Placement, Quote, quote
from suanli.governance.service.catalog import domain_pools
from suanli.governance.service.enforcement import cluster_pools
from suanli.governance.service.policies import current_rules
from suanli.governance.workloads import WorkKind, Workload
from suanli.state.governance import PlacementDecision, TenantResidency
from suanli.state.models import Tenant
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission


def workload_for(session: Session, tenant: Tenant, spec: dict[str, Any]) -> Workload:
    """A workload of ``tenant`` from a job or deployment spec; industry and jurisdiction come from the platform."""
    residency = session.get(TenantResidency, tenant.id)
    if residency is None:
        raise InvalidInput(
            f"tenant {tenant.name!r} has no data jurisdiction on record, so residency rules cannot be "
            "checked; a platform admin sets it (PUT /api/v1/tenants/{tenant}/residency)"
        )
    accelerators = spec.get("accelerators") or {}
    kinds = tuple(accelerators.get("kinds") or ())
    count = accelerators.get("count")
    try:
        classification = DataClass.parse(str(spec.get("classification", "public")))
        kind = WorkKind(str(spec.get("kind", "training")))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return Workload(
        name=str(spec.get("name") or "workload"),
        tenant=tenant.name,
        industry=tenant.industry,
        jurisdiction=residency.jurisdiction,
        classification=classification,
        kind=kind,
        accelerator_kinds=kinds,
        accelerator_count=int(count if count is not None else (1 if kinds else 0)),
        cpu_cores=int(spec.get("cpu_cores", 0)),
        storage_gb=Decimal(spec.get("storage_gb", 0)),
        model=spec.get("model"),
        tokens_in_per_hour=Decimal(spec.get("tokens_in_per_hour", 0)),
        tokens_out_per_hour=Decimal(spec.get("tokens_out_per_hour", 0)),
    )


def quote_for(session: Session, principal: Principal, tenant_ref: str, spec: dict[str, Any],
              now: datetime) -> dict[str, Any]:
    """Every permitted offer for a tenant's job or deployment spec, and why each other pool is out."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    workload = workload_for(session, tenant, spec)
    q, version, doc = _quote(session, workload, now)
    row = _record(session, tenant.id, "quote", q, version, doc, q.chosen.explanation if q.chosen else q.pending_reason)
    return {**doc, "decision_id": row.id}


def place_workload(session: Session, tenant_id: str, workload: Workload, now: datetime) -> Placement:
    """The best permitted pool for a plane's workload, or why there is none; recorded as a decision.

    The training and serving planes call this at admission; ``Placement.reason`` is the pending
    reason to show when no pool is permitted or fit.
    """
    q, version, doc = _quote(session, workload, now)
    if q.chosen is not None:
        placement = Placement(q.chosen, f"placed on pool {q.chosen.pool}: {q.chosen.explanation}")
    else:
        placement = Placement(None, q.pending_reason)
    _record(session, tenant_id, "placement", q, version, doc, placement.reason)
    return placement


def cluster_tiers(session: Session, clusters: Mapping[str, str], kinds: Collection[tuple[str, str]],
                  now: datetime) -> dict[tuple[str, str], int]:
    """The scheduler's fill order of each (cluster id, accelerator kind) in ``kinds``: its device-hour price tier.

    ``clusters`` maps cluster ids to names (a pool names its cluster by either); see
    :func:`suanli.governance.placement.device_price_tiers`.
    """
    pools = cluster_pools(session, clusters)
    return device_price_tiers({(c, k): pools.get(c) for c, k in kinds}, now)


def decisions(session: Session, principal: Principal, tenant_ref: str, after: str | None,
              limit: int) -> Sequence[PlacementDecision]:
    """A tenant's recorded quotes and placements, newest first."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = select(PlacementDecision).where(PlacementDecision.tenant_id == tenant.id)
    if after:
        query = query.where(PlacementDecision.id < after)
    return session.scalars(query.order_by(PlacementDecision.id.desc()).limit(limit)).all()


def _quote(session: Session, workload: Workload, now: datetime) -> tuple[Quote, int | None, dict[str, Any]]:
    rules, version = current_rules(session)
    q = quote(workload, domain_pools(session), rules, now)
    doc = quote_document(q)
    doc["policy_version"] = version
    doc["rules_in_force"] = [{"id": r.id, "version": r.version, "author": r.author} for r in in_force(rules, now)]
    return q, version, doc


def _record(session: Session, tenant_id: str, purpose: str, q: Quote, version: int | None,
            doc: dict[str, Any], explanation: str) -> PlacementDecision:
    row = PlacementDecision(
        id=new_id("pld"), tenant_id=tenant_id, purpose=purpose, workload=q.workload[:200],
        chosen_pool=q.chosen.pool if q.chosen else None, policy_version=version, explanation=explanation,
        document=doc, at=q.at,
    )
    session.add(row)
    session.flush()
    return row
