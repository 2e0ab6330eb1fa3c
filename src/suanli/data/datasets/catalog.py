"""Datasets and their versions: create, list, show, delete, and the tenant's storage usage.

Services are plain functions of ``(session, principal, ...)``; a delete returns the object keys to
remove, which the caller removes after the transaction committed (a crash in between leaves only
unreferenced objects, never a version without its shards).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, NotFound
from suanli.core.ids import new_id
from suanli.state.data import CurationJob, Dataset, DatasetShard, DatasetVersion, UploadPart, UploadSession
from suanli.state.models import Tenant
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission


def create(session: Session, principal: Principal, tenant_ref: str, *, name: str, description: str = "") -> Dataset:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.WORK_SUBMIT)
    tenants.check_name(name, "dataset")
    tenant_name = tenant.name
    row = Dataset(id=new_id("ds"), tenant_id=tenant.id, name=name, description=description,
                  created_by=principal.user_id)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"dataset {name!r} already exists in tenant {tenant_name!r}") from None
    return row


def resolve(session: Session, principal: Principal, tenant_ref: str, ref: str) -> Dataset:
    """The dataset ``ref`` (name or id) of the tenant, as this caller may see it."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    row = session.scalars(
        select(Dataset).where(Dataset.tenant_id == tenant.id, or_(Dataset.id == ref, Dataset.name == ref))
    ).first()
    if row is None:
        raise NotFound(f"no dataset {ref!r} in tenant {tenant.name!r}")
    return row


def listing(
    session: Session, principal: Principal, tenant_ref: str, after: str | None, limit: int
) -> Sequence[Dataset]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = select(Dataset).where(Dataset.tenant_id == tenant.id).order_by(Dataset.id).limit(limit)
    if after:
        query = query.where(Dataset.id > after)
    return session.scalars(query).all()


def summary(session: Session, dataset: Dataset) -> dict[str, int | None]:
    """How many versions a dataset has, and its latest."""
    count, latest = session.execute(
        select(func.count(DatasetVersion.id), func.max(DatasetVersion.number)).where(
            DatasetVersion.dataset_id == dataset.id
        )
    ).one()
    return {"version_count": int(count or 0), "latest_version": latest}


def versions(session: Session, principal: Principal, tenant_ref: str, ref: str) -> Sequence[DatasetVersion]:
    dataset = resolve(session, principal, tenant_ref, ref)
    return session.scalars(
        select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id).order_by(DatasetVersion.number)
    ).all()


def version(
    session: Session, principal: Principal, tenant_ref: str, ref: str, number: int | None = None
) -> tuple[Dataset, DatasetVersion, Sequence[DatasetShard]]:
    """A version (the latest when ``number`` is ``None``) with its shards in order."""
    dataset = resolve(session, principal, tenant_ref, ref)
    query = select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id)
    query = query.where(DatasetVersion.number == number) if number is not None else query.order_by(
        DatasetVersion.number.desc()
    )
    row = session.scalars(query.limit(1)).first()
    if row is None:
        raise NotFound(f"dataset {dataset.name!r} has no version {number}" if number is not None
                       else f"dataset {dataset.name!r} has no version yet: upload one")
    shards = session.scalars(
        select(DatasetShard).where(DatasetShard.version_id == row.id).order_by(DatasetShard.position)
    ).all()
    return dataset, row, shards


def _unreferenced(session: Session, dataset_id: str, keys: set[str]) -> list[str]:
    if not keys:
        return []
    still = set(session.scalars(
        select(DatasetShard.key).where(DatasetShard.dataset_id == dataset_id, DatasetShard.key.in_(keys))
    ).all())
    return sorted(keys - still)


def delete_version(session: Session, principal: Principal, tenant_ref: str, ref: str, number: int) -> list[str]:
    """Delete one version; refused (409) while a later version names it as its parent.

    Returns the shard keys no other version of the dataset uses, for the caller to remove.
    """
    dataset, row, shards = version(session, principal, tenant_ref, ref, number)
    principal.require(Permission.WORK_SUBMIT)
    children = session.scalars(
        select(DatasetVersion.number).where(
            DatasetVersion.dataset_id == dataset.id, DatasetVersion.parent_number == number
        )
    ).all()
    if children:
        raise Conflict(
            f"version {number} of {dataset.name!r} is the parent of version(s) {sorted(children)}: "
            "delete those first, or delete the whole dataset",
            details={"children": sorted(children)},
        )
    keys = {s.key for s in shards}
    session.execute(delete(DatasetShard).where(DatasetShard.version_id == row.id))
    session.delete(row)
    session.flush()
    return _unreferenced(session, dataset.id, keys)


def delete_dataset(
    session: Session, principal: Principal, tenant_ref: str, ref: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """Delete a dataset with all its versions and open uploads.

    Returns the shard keys to remove and the ``(staging key, upload id)`` pairs to abort.
    """
    dataset = resolve(session, principal, tenant_ref, ref)
    principal.require(Permission.WORK_SUBMIT)
    jobs = session.scalars(select(CurationJob).where(CurationJob.dataset_id == dataset.id)).all()
    if any(j.status in ("queued", "running") for j in jobs):
        raise Conflict(f"dataset {dataset.name!r} is being curated: cancel the curation first")
    for job in jobs:
        session.delete(job)
    keys = set(session.scalars(select(DatasetShard.key).where(DatasetShard.dataset_id == dataset.id)).all())
    uploads: list[tuple[str, str]] = []
    sessions = session.scalars(select(UploadSession).where(UploadSession.dataset_id == dataset.id)).all()
    for up in sessions:
        if up.status == "open":
            uploads.extend((f["key"], f["upload_id"]) for f in up.files if f.get("upload_id"))
        session.execute(delete(UploadPart).where(UploadPart.session_id == up.id))
        session.delete(up)
    session.execute(delete(DatasetShard).where(DatasetShard.dataset_id == dataset.id))
    session.execute(delete(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id))
    session.delete(dataset)
    session.flush()
    return sorted(keys), uploads


def usage(session: Session, tenant: Tenant) -> dict[str, int]:
    """Bytes the tenant stores: distinct shards of committed versions, plus what open uploads reserved."""
    distinct = (
        select(DatasetShard.dataset_id, DatasetShard.key, DatasetShard.size)
        .where(DatasetShard.tenant_id == tenant.id)
        .distinct()
        .subquery()
    )
    stored = session.scalar(select(func.coalesce(func.sum(distinct.c.size), 0))) or 0
    reserved = session.scalar(
        select(func.coalesce(func.sum(UploadSession.reserved_bytes), 0)).where(
            UploadSession.tenant_id == tenant.id, UploadSession.status == "open"
        )
    ) or 0
    return {"stored_bytes": int(stored), "reserved_bytes": int(reserved),
            "quota_bytes": tenant.storage_quota_bytes}
