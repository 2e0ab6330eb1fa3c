"""What the platform stores for whom: the objects the storage sampling of the metering bridge counts.

- **datasets**: each shard object of a committed version (:class:`~suanli.state.data.DatasetShard`),
  since the version's commit, billed to the user who created the dataset;
- **models**: each ready version of a registry model (its files, ``size_bytes``), since it became ready,
  billed to the user who created the model (for a model made before owners were recorded: the user of the
  job that trained its first version);
- **checkpoints**: the files under each job's checkpoint folder on the server's home, each since it was
  last written, billed to the user who submitted the job. A job that names ``checkpoint_dir`` writes to
  ``<home>/checkpoints/<tenant>/<dir>``; one that does not, to its engine's job folder
  (``<home>/jobs/<job>/checkpoints`` for this box, ``<home>/slurm-jobs/<job>/checkpoints`` for Slurm).
  Checkpoints the server cannot see (a Kubernetes volume, a Slurm ``output_dir`` elsewhere, a Ray
  cluster's own disks) are not metered.

Only the checkpoint walk reads files; everything else is the database. The metering bridge walks in its
``prepare``, before the transaction of its pass (a :class:`CheckpointWalk`), and the pass uses that walk
unless the folders changed meanwhile. The pure counting is :mod:`suanli.governance.storage`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.governance.storage import CheckpointFolder, Holder, StoredObject, checkpoint_objects
from suanli.state.data import Dataset, DatasetShard, DatasetVersion
from suanli.state.serving import ModelVersion, ServedModel
from suanli.state.training import ENGINE_JOB_DIRS, TrainingJob, named_checkpoint_dir

_BATCH = 500


@dataclass(frozen=True, slots=True)
class CheckpointWalk:
    """The files found under a set of checkpoint folders (walked before a transaction, used in it)."""

    folders: frozenset[str]
    files: list[tuple[str, int, datetime]]


def stored_objects(session: Session, home: Path | None, before: datetime,
                   users: Mapping[str, str], walked: CheckpointWalk | None = None) -> list[StoredObject]:
    """Every object stored before ``before``; ``users`` maps user ids to the names records carry.

    Without ``home`` (a bridge that is not told where the server keeps its files) checkpoints are left out.
    ``walked``: the checkpoint files found just before, used when the folders are still the same.
    """
    out = [*dataset_objects(session, before, users), *model_objects(session, before, users)]
    if home is not None:
        folders = checkpoint_folders(session, home, users)
        paths = frozenset(f.path for f in folders)
        files = walked.files if walked is not None and walked.folders == paths else checkpoint_files(home, paths)
        out.extend(o for o in checkpoint_objects(folders, files) if o.since < before)
    return out


def dataset_objects(session: Session, before: datetime, users: Mapping[str, str]) -> list[StoredObject]:
    """The shard objects of every version committed before ``before``."""
    owners = {d.id: users.get(d.created_by or "", d.created_by or "-") for d in session.scalars(select(Dataset))}
    rows = session.execute(
        select(DatasetShard.tenant_id, DatasetShard.dataset_id, DatasetShard.key, DatasetShard.size,
               DatasetVersion.created_at)
        .join(DatasetVersion, DatasetVersion.id == DatasetShard.version_id)
        .where(DatasetVersion.created_at < before)
    )
    return [StoredObject(tenant, owners.get(dataset, "-"), dataset, key, size, since)
            for tenant, dataset, key, size, since in rows]


def model_objects(session: Session, before: datetime, users: Mapping[str, str]) -> list[StoredObject]:
    """The files of every model version that became ready before ``before`` (one object per version)."""
    versions = session.execute(
        select(ModelVersion.tenant_id, ModelVersion.model_id, ModelVersion.number, ModelVersion.object_prefix,
               ModelVersion.size_bytes, ModelVersion.ready_at, ModelVersion.training_job_id)
        .where(ModelVersion.status == "ready", ModelVersion.ready_at.is_not(None), ModelVersion.ready_at < before)
        .order_by(ModelVersion.model_id, ModelVersion.number)
    ).all()
    if not versions:
        return []
    model_ids = sorted({v.model_id for v in versions})
    creators: dict[str, str | None] = {}
    for chunk in _chunks(model_ids):
        creators.update((m, u) for m, u in session.execute(
            select(ServedModel.id, ServedModel.created_by).where(ServedModel.id.in_(chunk))))
    trainers: dict[str, str] = {}
    job_ids = sorted({v.training_job_id for v in versions if v.training_job_id})
    for chunk in _chunks(job_ids):
        trainers.update((j, u) for j, u in session.execute(
            select(TrainingJob.id, TrainingJob.user_id).where(TrainingJob.id.in_(chunk))))
    owners: dict[str, str] = {}
    for v in versions:  # in version order: the first version's trainer stands in for an unrecorded creator
        if v.model_id not in owners:
            creator = creators.get(v.model_id) or trainers.get(v.training_job_id or "")
            owners[v.model_id] = users.get(creator or "", creator or "-")
    return [StoredObject(v.tenant_id, owners[v.model_id], v.model_id, v.object_prefix, v.size_bytes, v.ready_at,
                         Holder.MODEL)
            for v in versions if v.size_bytes > 0]


def checkpoint_folders(session: Session, home: Path, users: Mapping[str, str]) -> list[CheckpointFolder]:
    """The checkpoint folder of every job that has one on ``home`` (paths relative to it)."""
    named = session.execute(
        select(TrainingJob.id, TrainingJob.tenant_id, TrainingJob.user_id, TrainingJob.checkpoint_dir,
               TrainingJob.created_at).where(TrainingJob.checkpoint_dir.is_not(None))
    ).all()
    out = [CheckpointFolder(job, tenant, users.get(user, user), named_checkpoint_dir(tenant, folder or "."), created)
           for job, tenant, user, folder, created in named]
    engine_dirs: dict[str, str] = {}
    for root in ENGINE_JOB_DIRS:
        try:
            entries = list(os.scandir(home / root))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and (Path(entry.path) / "checkpoints").is_dir():
                engine_dirs.setdefault(entry.name, f"{root}/{entry.name}/checkpoints")
    for chunk in _chunks(sorted(engine_dirs)):
        for job, tenant, user, created in session.execute(
            select(TrainingJob.id, TrainingJob.tenant_id, TrainingJob.user_id, TrainingJob.created_at)
            .where(TrainingJob.id.in_(chunk), TrainingJob.checkpoint_dir.is_(None))
        ):
            out.append(CheckpointFolder(job, tenant, users.get(user, user), engine_dirs[job], created))
    return out


def checkpoint_files(home: Path, folders: Iterable[str]) -> list[tuple[str, int, datetime]]:
    """(path relative to ``home``, size, last written) of each regular file under ``folders``.

    Symbolic links are not followed (a link stores nothing here); a file that vanishes while it is read
    is simply not there.
    """
    seen: dict[str, tuple[str, int, datetime]] = {}
    for folder in sorted(set(folders)):
        for path, size, mtime in _walk(home / folder):
            rel = path.relative_to(home).as_posix()
            seen.setdefault(rel, (rel, size, datetime.fromtimestamp(mtime, UTC)))
    return list(seen.values())


def _walk(root: Path) -> Iterator[tuple[Path, int, float]]:
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        for name in files:
            path = Path(dirpath) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                yield path, info.st_size, info.st_mtime


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), _BATCH):
        yield ids[i : i + _BATCH]
