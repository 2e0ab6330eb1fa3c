"""Classification along lineage: datasets, the jobs that mount them, the models they train, their deployments.

The rule is the pure one of :func:`suanli.governance.classification.inherit`: a derived artefact is at
least as classified as its most classified input. It is applied where the lineage is made:

- a job is labelled, at submit, with the maximum of what it declares and the labels of the datasets it
  mounts (``news@2`` mounts dataset ``news``: a label belongs to a dataset and all of its versions);
- a model version registered from a job raises its model to the job's label;
- a deployment is labelled with the maximum of what it declares and its model's label.

A label is raised, never lowered (protection is never lost by relabelling). Raising a dataset's label
raises, at once, the labels of what was derived from it: the tenant's jobs that mount it, the models
trained by those jobs or naming the dataset as their data, and those models' deployments. Waiting jobs
are then placed under the new label; running jobs and replicas stay where they are (the next placement of
a requeued job or a new replica obeys the new label).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict
from suanli.data.datasets import catalog
from suanli.governance.classification import DataClass, inherit
from suanli.governance.service.enforcement import classification_of, label
from suanli.governance.service.storage_policy import require_dataset_storage
from suanli.state.data import Dataset, DatasetVersion
from suanli.state.governance import DataLabel
from suanli.state.models import utcnow
from suanli.state.serving import Deployment, ModelVersion
from suanli.state.training import TrainingJob
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission


def classifications(session: Session, subjects: Iterable[str]) -> dict[str, DataClass]:
    """The label of each subject (``public`` for one without a label), in one query."""
    ids = sorted(set(subjects))
    if not ids:
        return {}
    found = dict(session.execute(
        select(DataLabel.subject, DataLabel.classification).where(DataLabel.subject.in_(ids))).all())
    return {s: DataClass.parse(found[s]) if s in found else DataClass.PUBLIC for s in ids}


def job_class(session: Session, declared: DataClass, mounts: Sequence[Mapping[str, Any]]) -> DataClass:
    """A job's classification: what it declares, raised to the most classified dataset it mounts."""
    if not mounts:
        return declared
    return inherit(classifications(session, (m["dataset_id"] for m in mounts)).values(), declared)


def model_class(session: Session, model_id: str | None) -> DataClass:
    """A registry model's classification (``public`` for no model: an external deployment)."""
    return DataClass.PUBLIC if model_id is None else classification_of(session, model_id)


def inherit_into_model(session: Session, model_id: str, tenant_id: str, job_id: str | None,
                       dataset_version: str | None) -> None:
    """Raise a model to the label of the job that trained a version of it and of the dataset it names
    (``news@2``), when they are the same tenant's."""
    inputs: list[str] = []
    if job_id:
        job = session.get(TrainingJob, job_id)
        if job is not None and job.tenant_id == tenant_id:
            inputs.append(job.id)
    if dataset_version:
        name = dataset_version.split("@", 1)[0]
        found = session.scalar(select(Dataset.id).where(Dataset.tenant_id == tenant_id, Dataset.name == name))
        if found is not None:
            inputs.append(found)
    if inputs:
        label(session, [(model_id, tenant_id, inherit(classifications(session, inputs).values()))])


def classify_dataset(session: Session, principal: Principal, tenant_ref: str, ref: str,
                     classification: str) -> tuple[Dataset, list[str]]:
    """Label a dataset (members and admins) and raise what derives from it; the dataset and the ids raised.

    409 when the label would lower the dataset's classification; 422 ``placement_forbidden`` when placement
    policy forbids keeping the dataset's stored versions in the object store under the stricter label.
    """
    dataset = catalog.resolve(session, principal, tenant_ref, ref)
    principal.require(Permission.WORK_SUBMIT)
    wanted = DataClass.parse(classification)
    current = classification_of(session, dataset.id)
    if wanted < current:
        raise Conflict(
            f"dataset {dataset.name} is {current}: a classification is raised, never lowered",
            details={"classification": current.label},
        )
    if wanted > current and session.scalar(select(DatasetVersion.id).where(DatasetVersion.dataset_id == dataset.id)
                                           .limit(1)) is not None:
        require_dataset_storage(session, dataset, "its stored versions", utcnow(), cls=wanted)
    label(session, [(dataset.id, dataset.tenant_id, wanted)])
    raised = derived_from(session, dataset, wanted)
    label(session, [(s, dataset.tenant_id, wanted) for s in raised])
    return dataset, raised


def derived_from(session: Session, dataset: Dataset, cls: DataClass) -> list[str]:
    """Ids of the tenant's jobs, models and deployments derived from ``dataset`` that are below ``cls``."""
    jobs = [job_id for job_id, mounts in session.execute(
        select(TrainingJob.id, TrainingJob.datasets).where(TrainingJob.tenant_id == dataset.tenant_id))
        if any(m.get("dataset_id") == dataset.id for m in mounts or [])]
    models: set[str] = set()
    if jobs:
        models.update(session.scalars(select(ModelVersion.model_id).where(ModelVersion.training_job_id.in_(jobs))))
    models.update(session.scalars(select(ModelVersion.model_id).where(
        ModelVersion.tenant_id == dataset.tenant_id, ModelVersion.dataset_version.like(f"{dataset.name}@%"))))
    deployments: list[str] = []
    if models:
        deployments = list(session.scalars(select(Deployment.id).where(
            Deployment.model_id.in_(sorted(models)), Deployment.status != "deleted")))
    subjects = [*jobs, *sorted(models), *deployments]
    have = classifications(session, subjects)
    return [s for s in subjects if have[s] < cls]
