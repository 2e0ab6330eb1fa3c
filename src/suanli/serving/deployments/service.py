"""Use cases of deployments: create, list, show, scale, roll out a version, delete.

Services only write desired state and bump ``generation``; the controller converges to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, InvalidInput, NotFound
from suanli.core.ids import new_id
from suanli.governance.classification import inherit
from suanli.governance.service import enforcement, lineage
from suanli.governance.service.budgets import require_budget
from suanli.serving.autoscaling import POLICY_NAMES
from suanli.serving.engines import validate_options
from suanli.serving.registry.service import resolve_model, resolve_version
from suanli.state.models import Tenant, utcnow
from suanli.state.serving import Deployment, Replica
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission

LIVE_STATES = ("starting", "ready", "draining")
MAX_REPLICAS_PER_REGION = 64


def resolve(session: Session, tenant: Tenant, ref: str) -> Deployment:
    """The tenant's deployment called ``ref`` (name or id), not deleted."""
    dep = session.scalars(
        select(Deployment).where(
            Deployment.tenant_id == tenant.id,
            Deployment.status != "deleted",
            or_(Deployment.id == ref, Deployment.name == ref),
        )
    ).first()
    if dep is None:
        raise NotFound(f"no deployment {ref!r} in tenant {tenant.name!r}")
    return dep


def check_regions(regions: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """``{region: {min_replicas, max_replicas}}`` with 0 <= min <= max <= 64 and DNS-label names."""
    if not regions:
        raise InvalidInput("a deployment needs at least one region")
    checked: dict[str, dict[str, int]] = {}
    for name, bounds in regions.items():
        tenants.check_name(name, "region")
        low, high = int(bounds.get("min_replicas", 0)), int(bounds.get("max_replicas", 1))
        if not 0 <= low <= high <= MAX_REPLICAS_PER_REGION or high < 1:
            raise InvalidInput(
                f"region {name!r}: need 0 <= min_replicas <= max_replicas <= {MAX_REPLICAS_PER_REGION}, max >= 1",
                details={"min_replicas": low, "max_replicas": high},
            )
        checked[name] = {"min_replicas": low, "max_replicas": high}
    return checked


def create(
    session: Session,
    principal: Principal,
    tenant_ref: str,
    *,
    name: str,
    model: str | None,
    version: str,
    engine: str,
    engine_options: Mapping[str, Any],
    regions: Mapping[str, Mapping[str, int]],
    policy: str,
    slots_per_replica: int,
    accelerator_kind: str | None,
    accelerators_per_replica: int,
    scale_to_zero_after_s: int,
    classification: str | None = None,
) -> Deployment:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.WORK_SUBMIT)
    require_budget(session, tenant.id, utcnow())  # a budget's hard stop refuses new deployments
    tenants.check_name(name, "deployment")
    options = validate_options(engine, engine_options)
    if policy not in POLICY_NAMES:
        raise InvalidInput(f"unknown autoscaling policy {policy!r}", details={"known": list(POLICY_NAMES)})
    model_id = version_id = None
    if model is not None:
        found = resolve_model(session, tenant, model)
        ver = resolve_version(session, found, version)
        if ver.status != "ready":
            raise Conflict(f"version {ver.number} of {found.name!r} is still {ver.status}; finalise its upload first")
        model_id, version_id = found.id, ver.id
    elif engine != "external":
        raise InvalidInput(f"the {engine} engine serves a model from the registry: pass model")
    tenant_name = tenant.name
    # At least as classified as the model it serves (lineage).
    data_class = inherit([lineage.model_class(session, model_id)], enforcement.parse_class(classification))
    checked_regions = check_regions(regions)
    # Placement policy is a hard filter: a region it forbids is refused now, with the rule that forbids it.
    enforcement.require_regions(session, tenant.id, name, data_class, checked_regions, utcnow())
    dep = Deployment(
        id=new_id("dep"),
        tenant_id=tenant.id,
        name=name,
        model_id=model_id,
        model_version_id=version_id,
        engine=engine,
        engine_options=options,
        regions=checked_regions,
        policy=policy,
        slots_per_replica=slots_per_replica,
        accelerator_kind=accelerator_kind,
        accelerators_per_replica=accelerators_per_replica,
        scale_to_zero_after_s=scale_to_zero_after_s,
        status="active",
        autoscaling={},
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(dep)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"deployment {name!r} already exists in tenant {tenant_name!r}") from None
    enforcement.label(session, [(dep.id, dep.tenant_id, data_class)])
    return dep


def listing(
    session: Session, principal: Principal, tenant_ref: str, after: str | None, limit: int
) -> Sequence[Deployment]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = (
        select(Deployment)
        .where(Deployment.tenant_id == tenant.id, Deployment.status != "deleted")
        .order_by(Deployment.id)
        .limit(limit)
    )
    if after:
        query = query.where(Deployment.id > after)
    return session.scalars(query).all()


def get(session: Session, principal: Principal, tenant_ref: str, ref: str) -> Deployment:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    return resolve(session, tenant, ref)


def replicas(session: Session, deployment: Deployment, include_stopped: bool = False) -> Sequence[Replica]:
    """The deployment's replicas, oldest first (live ones only unless ``include_stopped``)."""
    query = select(Replica).where(Replica.deployment_id == deployment.id).order_by(Replica.id)
    if not include_stopped:
        query = query.where(Replica.state.in_(LIVE_STATES))
    return session.scalars(query).all()


def _changed(dep: Deployment) -> Deployment:
    dep.generation += 1
    dep.updated_at = utcnow()
    return dep


def update(
    session: Session,
    principal: Principal,
    tenant_ref: str,
    ref: str,
    *,
    regions: Mapping[str, Mapping[str, int]] | None = None,
    version: str | None = None,
    policy: str | None = None,
    scale_to_zero_after_s: int | None = None,
) -> Deployment:
    """Scale (new region bounds), roll out another version of the same model, or change the policy."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.WORK_SUBMIT)
    dep = resolve(session, tenant, ref)
    if dep.status != "active":
        raise Conflict(f"deployment {dep.name!r} is {dep.status}")
    if regions is not None:
        merged = {**dep.regions, **{k: dict(v) for k, v in regions.items()}}
        added = set(regions) - set(dep.regions)
        enforcement.require_regions(session, tenant.id, dep.name, enforcement.classification_of(session, dep.id),
                                    added, utcnow())
        dep.regions = check_regions(merged)
    if version is not None:
        if dep.model_id is None:
            raise InvalidInput("an external deployment has no model versions")
        model = resolve_model(session, tenant, dep.model_id)
        ver = resolve_version(session, model, version)
        if ver.status != "ready":
            raise Conflict(f"version {ver.number} is still {ver.status}")
        dep.model_version_id = ver.id
    if policy is not None:
        if policy not in POLICY_NAMES:
            raise InvalidInput(f"unknown autoscaling policy {policy!r}", details={"known": list(POLICY_NAMES)})
        dep.policy = policy
    if scale_to_zero_after_s is not None:
        dep.scale_to_zero_after_s = scale_to_zero_after_s
    return _changed(dep)


def delete(session: Session, principal: Principal, tenant_ref: str, ref: str) -> Deployment:
    """Mark for deletion: the controller drains and stops every replica, then the name is free again."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.WORK_SUBMIT)
    dep = resolve(session, tenant, ref)
    dep.status = "deleting"
    return _changed(dep)
