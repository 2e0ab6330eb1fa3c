"""Use cases of the model registry: models, versions, chunked uploads, finalisation."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, InvalidInput, NotFound, QuotaExceeded
from suanli.core.ids import new_id
from suanli.governance.service import lineage
from suanli.governance.service.storage_policy import require_model_storage
from suanli.serving.registry import storage
from suanli.serving.registry.metadata import inspect_model_dir
from suanli.state.models import Tenant, utcnow
from suanli.state.serving import ModelVersion, ServedModel
from suanli.tenancy import tenants
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission


def resolve_model(session: Session, tenant: Tenant, ref: str) -> ServedModel:
    """The tenant's model called ``ref`` (name or id)."""
    model = session.scalars(
        select(ServedModel).where(
            ServedModel.tenant_id == tenant.id, or_(ServedModel.id == ref, ServedModel.name == ref)
        )
    ).first()
    if model is None:
        raise NotFound(f"no model {ref!r} in tenant {tenant.name!r}")
    return model


def resolve_version(session: Session, model: ServedModel, ref: str) -> ModelVersion:
    """A version by number (``3``, ``v3``), id, or ``latest`` (the newest ready one)."""
    query = select(ModelVersion).where(ModelVersion.model_id == model.id)
    if ref == "latest":
        query = query.where(ModelVersion.status == "ready").order_by(ModelVersion.number.desc())
    elif ref.lstrip("v").isdigit() and len(ref) < 10:
        query = query.where(ModelVersion.number == int(ref.lstrip("v")))
    else:
        query = query.where(ModelVersion.id == ref)
    version = session.scalars(query).first()
    if version is None:
        raise NotFound(f"no version {ref!r} of model {model.name!r}")
    return version


def create_model(
    session: Session, principal: Principal, tenant_ref: str, *, name: str, description: str = ""
) -> ServedModel:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.WORK_SUBMIT)
    tenants.check_name(name, "model")
    tenant_name = tenant.name
    model = ServedModel(id=new_id("mdl"), tenant_id=tenant.id, name=name, description=description,
                        created_by=principal.user_id)
    session.add(model)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"model {name!r} already exists in tenant {tenant_name!r}") from None
    return model


def list_models(
    session: Session, principal: Principal, tenant_ref: str, after: str | None, limit: int
) -> Sequence[ServedModel]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    query = select(ServedModel).where(ServedModel.tenant_id == tenant.id).order_by(ServedModel.id).limit(limit)
    if after:
        query = query.where(ServedModel.id > after)
    return session.scalars(query).all()


def get_model(session: Session, principal: Principal, tenant_ref: str, ref: str) -> ServedModel:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    return resolve_model(session, tenant, ref)


def create_version(
    session: Session,
    principal: Principal,
    tenant_ref: str,
    model_ref: str,
    objects_dir: Path,
    *,
    training_job_id: str | None = None,
    dataset_version: str | None = None,
) -> ModelVersion:
    """A new, empty version in ``uploading`` state, numbered after the newest one."""
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.WORK_SUBMIT)
    model = resolve_model(session, tenant, model_ref)
    number = (session.scalar(select(func.max(ModelVersion.number)).where(ModelVersion.model_id == model.id)) or 0) + 1
    root = storage.version_dir(objects_dir, tenant.id, model.id, number)
    version = ModelVersion(
        id=new_id("mver"),
        tenant_id=tenant.id,
        model_id=model.id,
        number=number,
        status="uploading",
        object_prefix=str(root.relative_to(objects_dir)),
        training_job_id=training_job_id,
        dataset_version=dataset_version,
    )
    session.add(version)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("another version was created at the same moment; retry") from None
    shutil.rmtree(root, ignore_errors=True)  # leftovers of a version whose creation rolled back
    lineage.inherit_into_model(session, model.id, tenant.id, training_job_id, dataset_version)
    require_model_storage(session, tenant.id, model.id, model.name, f"version {number}", utcnow())
    return version


def list_versions(
    session: Session, principal: Principal, tenant_ref: str, model_ref: str, after: str | None, limit: int
) -> Sequence[ModelVersion]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    model = resolve_model(session, tenant, model_ref)
    query = select(ModelVersion).where(ModelVersion.model_id == model.id).order_by(ModelVersion.id).limit(limit)
    if after:
        query = query.where(ModelVersion.id > after)
    return session.scalars(query).all()


def get_version(session: Session, principal: Principal, tenant_ref: str, model_ref: str, ref: str) -> ModelVersion:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.READ)
    return resolve_version(session, resolve_model(session, tenant, model_ref), ref)


def _uploading(
    session: Session, principal: Principal, tenant_ref: str, model_ref: str, ref: str
) -> tuple[Tenant, ModelVersion]:
    tenant = tenants.resolve(session, principal, tenant_ref)
    principal.require(Permission.WORK_SUBMIT)
    version = resolve_version(session, resolve_model(session, tenant, model_ref), ref)
    if version.status != "uploading":
        raise Conflict(f"version {version.number} is {version.status} and immutable; create a new version")
    return tenant, version


def upload_chunk(
    session: Session,
    principal: Principal,
    tenant_ref: str,
    model_ref: str,
    ref: str,
    objects_dir: Path,
    *,
    path: str,
    offset: int,
    data: bytes,
) -> dict[str, object]:
    """Append one chunk to a file of an uploading version; answers the file's size so far."""
    tenant, version = _uploading(session, principal, tenant_ref, model_ref, ref)
    root = objects_dir / version.object_prefix
    received = storage.partial_files(root)
    if path not in received and len(received) >= storage.MAX_FILES:
        raise InvalidInput(f"a version holds at most {storage.MAX_FILES} files")
    total = sum(received.values()) + len(data)
    limit = storage.MAX_VERSION_BYTES
    if tenant.storage_quota_bytes:
        limit = min(limit, tenant.storage_quota_bytes)
    if total > limit:
        raise QuotaExceeded(f"the version would exceed {limit} bytes", details={"limit_bytes": limit})
    size = storage.append_chunk(root, path, offset, data)
    return {"path": path, "size": size}


def finalize(
    session: Session,
    principal: Principal,
    tenant_ref: str,
    model_ref: str,
    ref: str,
    objects_dir: Path,
    *,
    expected: dict[str, int] | None = None,
) -> ModelVersion:
    """Seal the uploaded files, read the model's facts and make the version ready (and immutable).

    ``expected`` (path to size) lets the uploader check that nothing is missing or truncated.
    """
    tenant, version = _uploading(session, principal, tenant_ref, model_ref, ref)
    root = objects_dir / version.object_prefix
    # A rule that came into force while the files travelled is obeyed here: the version stays unsealed.
    model = session.get(ServedModel, version.model_id)
    assert model is not None
    require_model_storage(session, tenant.id, model.id, model.name, f"version {version.number}", utcnow())
    received = storage.partial_files(root)
    if expected is not None and received != expected:
        missing = sorted(set(expected) - set(received))
        wrong = sorted(p for p in expected if p in received and received[p] != expected[p])
        raise Conflict(
            "upload incomplete", details={"missing": missing[:50], "wrong_size": wrong[:50], "received": received}
        )
    if "config.json" not in received:
        raise InvalidInput("a model version needs config.json (a Hugging Face model folder)")
    version.files = storage.seal(root)
    facts = inspect_model_dir(root)
    version.size_bytes = sum(int(str(f["size"])) for f in version.files.values())
    version.architecture = facts.architecture
    version.parameters = facts.parameters
    version.tokenizer = facts.tokenizer
    version.context_length = facts.context_length
    version.training_job_id = version.training_job_id or facts.training_job_id
    version.dataset_version = version.dataset_version or facts.dataset_version
    version.status = "ready"
    version.ready_at = utcnow()
    return version
