"""A finished job's checkpoints, deleted on request: they are billed by the GB-hour for as long as they stay.

A job keeps its checkpoints in the folder it names (``<home>/checkpoints/<tenant>/<checkpoint_dir>``) or,
naming none, in its engine's job folder (``<home>/jobs/<job>/checkpoints``, ``<home>/slurm-jobs/...``).
Only a finished job's may go: a waiting or running one resumes from them. A named folder that another
unfinished job of the tenant names too (or a folder inside or around it) is refused, since that job may
resume from it; the folders of finished jobs inside the deleted one go with it. Deleting is
idempotent (a second call finds nothing), so a crash half-way is mended by asking again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict
from suanli.governance.service.storage_usage import checkpoint_files
from suanli.state.models import utcnow
from suanli.state.training import FINAL_STATES, TrainingJob, checkpoint_dirs
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission
from suanli.training.jobs import get, record


@dataclass(frozen=True, slots=True)
class Deleted:
    """What deleting a job's checkpoints freed."""

    job_id: str
    files: int
    bytes: int


def _resuming_from(session: Session, job: TrainingJob, folder: PurePosixPath) -> list[str]:
    """Unfinished jobs of the tenant whose named folder is ``folder``, inside it, or around it."""
    others = session.execute(
        select(TrainingJob.id, TrainingJob.checkpoint_dir).where(
            TrainingJob.tenant_id == job.tenant_id, TrainingJob.id != job.id,
            TrainingJob.checkpoint_dir.is_not(None), TrainingJob.state.not_in(FINAL_STATES))
    ).all()
    return sorted(other for other, named in others
                  if named and (PurePosixPath(named).is_relative_to(folder) or folder.is_relative_to(named)))


def delete(session: Session, principal: Principal, tenant_ref: str, job_id: str, home: Path) -> Deleted:
    """Delete a finished job's checkpoints from ``home``; 409 while it (or a job sharing its folder) may resume."""
    job = get(session, principal, tenant_ref, job_id)
    principal.require(Permission.WORK_SUBMIT)
    if job.state not in FINAL_STATES:
        raise Conflict(f"job {job.id} is {job.state} and may resume from its checkpoints; cancel it first")
    if job.checkpoint_dir is not None:
        sharing = _resuming_from(session, job, PurePosixPath(job.checkpoint_dir))
        if sharing:
            raise Conflict(f"job(s) {', '.join(sharing)} keep checkpoints in or around {job.checkpoint_dir!r} and "
                           "have not finished; delete after they do", details={"jobs": sharing})
    where = checkpoint_dirs(job.id, job.tenant_id, job.checkpoint_dir)
    found = checkpoint_files(home, where)
    for rel in where:
        shutil.rmtree(home / rel, ignore_errors=True)
    freed = Deleted(job.id, len(found), sum(size for _, size, _ in found))
    record(session, job, job.state, f"checkpoints deleted by {principal.user_name}: {freed.files} file(s), "
                                    f"{freed.bytes} bytes", utcnow())
    return freed
