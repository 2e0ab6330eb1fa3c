"""Registering a training job's output as a model version, when the job succeeds.

A job submitted with ``output_model`` gets ``$SUANLI_OUTPUT_DIR``; once the job has succeeded, this
controller copies the Hugging Face folder found there into the registry as the model's next version
(the model is created when missing), with the job and its first mounted dataset version as lineage.
An output that cannot be registered (missing, no ``config.json``, too large, a symbolic link) is said on
the job (``output_error`` and an event); the job stays succeeded. A crash before the commit leaves no
version row: the next pass copies again into the same, emptied, version folder.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from suanli.core.errors import InvalidInput, QuotaExceeded
from suanli.core.ids import new_id
from suanli.governance.service import lineage
from suanli.governance.service.enforcement import record_refusal
from suanli.governance.service.storage_policy import require_model_storage
from suanli.serving.registry import storage
from suanli.serving.registry.metadata import inspect_model_dir
from suanli.state.models import Claimable, Tenant
from suanli.state.serving import ModelVersion, ServedModel
from suanli.state.training import TrainingJob
from suanli.training.jobs import record
from suanli.training.outputs import output_dir


def _files(folder: Path, limit_bytes: int) -> dict[str, int]:
    """Relative path -> size of the regular files under ``folder``; refuses links, odd names, too much."""
    if not folder.is_dir():
        raise InvalidInput("the job wrote nothing to $SUANLI_OUTPUT_DIR")
    found: dict[str, int] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            raise InvalidInput(f"{path.relative_to(folder)} is a symbolic link; an output holds regular files only")
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        storage.safe_relative(rel)
        found[rel] = path.stat().st_size
        if len(found) > storage.MAX_FILES:
            raise InvalidInput(f"the output holds more than {storage.MAX_FILES} files")
    if "config.json" not in found:
        raise InvalidInput("the output is not a Hugging Face model folder (no config.json)")
    if sum(found.values()) > limit_bytes:
        raise QuotaExceeded(f"the output is larger than {limit_bytes} bytes")
    return found


def register_output(session: Session, job: TrainingJob, folder: Path, objects_dir: Path, now: datetime) -> ModelVersion:
    """Copy ``folder`` into the registry as the next version of ``job.output_model``."""
    assert job.output_model is not None
    tenant = session.get(Tenant, job.tenant_id)
    assert tenant is not None
    limit = min(storage.MAX_VERSION_BYTES, tenant.storage_quota_bytes or storage.MAX_VERSION_BYTES)
    files = _files(folder, limit)
    query = select(ServedModel).where(ServedModel.tenant_id == tenant.id, ServedModel.name == job.output_model)
    model = session.scalars(query).first()
    if model is None:
        model = ServedModel(id=new_id("mdl"), tenant_id=tenant.id, name=job.output_model,
                            description=f"trained by job {job.id}", created_by=job.user_id)
        session.add(model)
        session.flush()
    number = (session.scalar(select(func.max(ModelVersion.number)).where(ModelVersion.model_id == model.id)) or 0) + 1
    facts = inspect_model_dir(folder)
    mounted = job.datasets[0] if job.datasets else None
    dataset_version = f"{mounted['name']}@{mounted['number']}" if mounted else facts.dataset_version
    lineage.inherit_into_model(session, model.id, tenant.id, job.id, dataset_version)
    require_model_storage(session, tenant.id, model.id, model.name, f"the output of job {job.id}", now)
    root = storage.version_dir(objects_dir, tenant.id, model.id, number)
    shutil.rmtree(root, ignore_errors=True)  # a copy of an earlier pass that did not commit
    for rel in files:
        target = root / f"{rel}.part"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / rel, target)
    sealed = storage.seal(root)
    version = ModelVersion(
        id=new_id("mver"), tenant_id=tenant.id, model_id=model.id, number=number, status="ready",
        object_prefix=str(root.relative_to(objects_dir)), files=sealed,
        size_bytes=sum(int(str(f["size"])) for f in sealed.values()),
        architecture=facts.architecture, parameters=facts.parameters, tokenizer=facts.tokenizer,
        context_length=facts.context_length, training_job_id=job.id,
        dataset_version=dataset_version,
        created_at=now, ready_at=now,
    )
    session.add(version)
    session.flush()
    return version


class OutputRegistrar:
    """Registers the output model of every succeeded job that declared one (claims job rows)."""

    name: ClassVar[str] = "model-outputs"
    model: ClassVar[type[Claimable]] = TrainingJob

    def __init__(self, home: Path) -> None:
        self.home = home
        self.objects_dir = home / "objects"

    def needs_work(self) -> ColumnElement[bool]:
        return and_(
            TrainingJob.state == "succeeded",
            TrainingJob.output_model.is_not(None),
            TrainingJob.output_version_id.is_(None),
            TrainingJob.output_error.is_(None),
        )

    def reconcile(self, session: Session, row: TrainingJob, now: datetime, worker: str) -> None:
        folder = output_dir(self.home, row.tenant_id, row.id)
        try:
            with session.begin_nested():  # a refused output leaves no model row or label behind
                version = register_output(session, row, folder, self.objects_dir, now)
        except (InvalidInput, QuotaExceeded) as exc:
            record_refusal(session, exc, now)
            row.output_error = exc.message
            record(session, row, row.state, f"output not registered: {exc.message}", now)
            return
        row.output_version_id = version.id
        record(session, row, row.state, f"output registered as model {row.output_model} version {version.number}", now)
