"""The object store under placement policy: which pool describes it, and whether a dataset may be stored there.

The platform has one object store. The operator says which governance pool describes it with
``SUANLI_STORAGE_POOL`` (a pool id); without it, the pool whose ``cluster_id`` is ``objects`` does (the
pool that already priced storage). That pool's prices bill storage GB-hours and its jurisdiction, region
and certifications are what policy checks, as a :data:`~suanli.governance.workloads.WorkKind.STORAGE`
workload with the dataset's classification, whenever a dataset's data is placed in the store:

- an upload of a new version is opened (``POST .../uploads``) and committed (``.../commit``): a rule
  that came into force, or a label raised, while the chunks travelled is obeyed at commit, and the
  staged chunks are then dropped (nothing of a refused version stays in the store);
- a server-side curation is submitted (its output is uploaded the same way, so it is checked again
  when it is stored);
- a dataset's classification is raised (``PUT .../classification``): the data already stored must be
  allowed to stay there under the new label;
- a model version is created or finalized through the registry, or registered from a job's output: the
  model's files go to the same store, at the classification the model inherits from its training data.

A store that no pool describes follows :mod:`suanli.governance.targets`: its jurisdiction is unknown, so
it is allowed while no rule in force speaks about the workload (the embedded default has no rules: every
upload is allowed), and refused as soon as one does. The refusal is a 422 ``placement_forbidden`` that
names the rule and its version; the API's audit event of the request carries it, and it is recorded
among the tenant's placement decisions (``GET .../placement-decisions``) with the same explanation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli import settings
from suanli.core.errors import PlacementForbidden
from suanli.governance.classification import DataClass
from suanli.governance.policy import in_force
from suanli.governance.service.catalog import domain_pools
from suanli.governance.service.enforcement import classification_of, refusal, rules_in_use, workload
from suanli.governance.targets import forbidden_targets
from suanli.governance.workloads import WorkKind
from suanli.state.data import Dataset
from suanli.state.governance import ComputePool

OBJECTS_CLUSTER = "objects"
"""The ``cluster_id`` that marks the pool of the object store when ``SUANLI_STORAGE_POOL`` is not set."""
TARGET = "the object store"


def storage_pool_id(session: Session) -> str | None:
    """The id of the pool that describes the object store, or None when none does."""
    configured = settings.storage_pool()
    if configured is not None:
        return configured if session.get(ComputePool, configured) is not None else None
    return session.scalar(select(ComputePool.id).where(ComputePool.cluster_id == OBJECTS_CLUSTER)
                          .order_by(ComputePool.id).limit(1))


def storage_forbidden(session: Session, tenant_id: str, name: str, cls: DataClass, now: datetime) -> str | None:
    """Why policy forbids storing ``name`` (``cls`` data of ``tenant_id``) in the object store, or None."""
    rules = rules_in_use(session)
    if not rules or not in_force(rules, now):
        return None
    pool_id = storage_pool_id(session)
    pool = domain_pools(session, [pool_id])[0] if pool_id is not None else None
    work = workload(session, tenant_id, name, cls, WorkKind.STORAGE)
    reason = forbidden_targets(rules, work, {TARGET: pool}, now).get(TARGET)
    if reason is None or pool is not None:
        return reason
    configured = settings.storage_pool()
    if configured is not None:
        return f"{reason} ({settings.STORAGE_POOL_ENV} names pool {configured!r}, which does not exist)"
    return (f"{reason} (set {settings.STORAGE_POOL_ENV} to the pool that describes it, or give a pool "
            f"cluster_id {OBJECTS_CLUSTER!r})")


def require_storage(session: Session, tenant_id: str, subject: str, cls: DataClass, what: str,
                    now: datetime) -> None:
    """Refuse (422 ``placement_forbidden``) storing ``what`` of ``subject`` (``cls`` data) when policy forbids it.

    ``subject`` names the thing in words: ``dataset news``, ``model chat``.
    """
    reason = storage_forbidden(session, tenant_id, subject, cls, now)
    if reason is not None:
        message = f"placement policy forbids storing {what} of {subject} ({cls} data) in {TARGET}: {reason}"
        details = {"subject": subject, "classification": cls.label, "storage_pool": storage_pool_id(session),
                   "reason": reason}
        raise PlacementForbidden(message, details, refusal(
            session, tenant_id, f"{subject}: {what}", message, {"storage": True, "what": what, **details}))


def require_dataset_storage(session: Session, dataset: Dataset, what: str, now: datetime,
                            cls: DataClass | None = None) -> None:
    """:func:`require_storage` for a dataset; ``cls`` is the classification to check (default: its own label)."""
    cls = classification_of(session, dataset.id) if cls is None else cls
    require_storage(session, dataset.tenant_id, f"dataset {dataset.name}", cls, what, now)


def require_model_storage(session: Session, tenant_id: str, model_id: str, name: str, what: str,
                          now: datetime) -> None:
    """:func:`require_storage` for a registry model, at the classification it inherited from its lineage."""
    require_storage(session, tenant_id, f"model {name}", classification_of(session, model_id), what, now)
