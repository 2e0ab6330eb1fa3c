"""The work of one curation job, start to finish, resumable at every stage.

1. export: the source version's shards are copied from the store into the job's work directory and
   decompressed into one JSON Lines file (skipped when a previous attempt finished it);
2. curate: :func:`suanli.data.runners.local.run`, which resumes from its last committed shard;
3. store the report beside the dataset's shards (content-addressed: storing it again is a no-op);
4. upload the result through the ordinary upload path (quota, checksums, commit), as the job's owner:
   the same declaration resumes an open upload, so a crash between chunks loses nothing.

``on_progress`` is called with the stage and counters; it may raise :class:`Cancelled` to stop the run.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from suanli.core.errors import NotFound
from suanli.data.datasets import manifest, reports, uploads
from suanli.data.datasets.manifest import DeclaredFile
from suanli.data.runners.inputs import read_lines
from suanli.objects import ObjectStore
from suanli.state.data import CurationJob, Dataset, DatasetShard, DatasetVersion
from suanli.state.db import Database
from suanli.state.models import Tenant, User, utcnow
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Role

UPLOAD_CHUNK = 8 * 1024 * 1024
SHARD_DOCS = 2000
"""Documents per committed shard of the curation (the unit a resumed run does not redo)."""
Report = Callable[[str, dict[str, Any]], None]


class Cancelled(Exception):
    """The job's owner asked to stop it."""


@dataclass(frozen=True)
class Source:
    """What a run needs to know about its job, read once at the start."""

    job_id: str
    tenant_id: str
    dataset: Dataset
    number: int
    recipe: str
    workers: int
    shards: list[tuple[str, str, str, int, str]]
    """(key, name, compression, size, sha256) in order."""
    owner: Principal


def read_source(db: Database, job_id: str) -> Source:
    """The job, its source version's shards, and the principal it acts as (its submitter, as now)."""
    with db.session() as s:
        job = s.get(CurationJob, job_id)
        if job is None:
            raise NotFound(f"curation {job_id} is gone")
        dataset = s.get(Dataset, job.dataset_id)
        version = s.scalars(select(DatasetVersion).where(DatasetVersion.dataset_id == job.dataset_id,
                                                         DatasetVersion.number == job.source_number)).first()
        if dataset is None or version is None:
            raise NotFound(f"version {job.source_number} of the dataset was deleted")
        shards = s.scalars(select(DatasetShard).where(DatasetShard.version_id == version.id)
                           .order_by(DatasetShard.position)).all()
        user, tenant = s.get(User, job.created_by), s.get(Tenant, job.tenant_id)
        if user is None or tenant is None or user.disabled:
            raise NotFound("the user who submitted this curation no longer exists or is disabled")
        owner = Principal(key_id=f"curation:{job.id}", user_id=user.id, user_name=user.name,
                          tenant_id=tenant.id, tenant_name=tenant.name, role=Role(user.role))
        s.expunge(dataset)
        return Source(job.id, job.tenant_id, dataset, job.source_number, job.recipe, job.workers,
                      [(sh.key, sh.name, sh.compression, sh.size, sh.sha256) for sh in shards], owner)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            h.update(block)
    return h.hexdigest()


def export(store: ObjectStore, src: Source, work: Path, progress: Report) -> Path:
    """The source version as one plain JSON Lines file under ``work`` (reused when already complete)."""
    target = work / "input.jsonl"
    if target.exists():
        return target
    shard_dir = work / "source"
    shard_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name("input.jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for position, (key, _name, compression, size, sha256) in enumerate(src.shards):
            local = shard_dir / f"{position:05d}{manifest.extension(compression)}"
            if not (local.exists() and local.stat().st_size == size and _file_sha256(local) == sha256):
                with local.open("wb") as fh:
                    for block in store.get(key):
                        fh.write(block)
            for line, _ in read_lines(local):
                out.write(line + "\n")
            progress("export", {"shards_exported": position + 1, "shards_total": len(src.shards)})
    tmp.replace(target)
    shutil.rmtree(shard_dir, ignore_errors=True)
    return target


def upload_result(db: Database, store: ObjectStore, src: Source, path: Path, report_ref: str,
                  message: str) -> int:
    """Upload ``path`` as the dataset's next version with its lineage; answers its number."""
    declared = DeclaredFile(path.name, path.stat().st_size, _file_sha256(path))
    chunk = max(UPLOAD_CHUNK, store.min_part_size)
    lineage = uploads.Lineage(src.number, src.recipe, report_ref, message)
    row, _ = uploads.begin(db, src.owner, store, src.tenant_id, src.dataset.id, files=[declared],
                           chunk_size=chunk, lineage=lineage, now=utcnow())
    with db.session() as s:
        have = uploads.received(s, s.get(type(row), row.id) or row)
    parts = row.files[0]["parts"]
    if not row.files[0]["present"]:
        with path.open("rb") as fh:
            for number in range(1, parts + 1):
                data = fh.read(chunk)
                if number in have.get(0, []):
                    continue
                uploads.put_chunk(db, src.owner, store, src.tenant_id, src.dataset.id, row.id, index=0,
                                  number=number, data=data, sha256=hashlib.sha256(data).hexdigest(),
                                  now=utcnow())
    version = uploads.commit(db, src.owner, store, src.tenant_id, src.dataset.id, row.id, now=utcnow())
    return version.number


def run_job(db: Database, store: ObjectStore, job_id: str, work: Path, progress: Report) -> tuple[int, str]:
    """Run the job to its new version; answers (version number, report reference)."""
    from suanli.data.recipe import load
    from suanli.data.runners import local

    src = read_source(db, job_id)
    work.mkdir(parents=True, exist_ok=True)
    raw = export(store, src, work, progress)
    recipe = load(src.recipe)
    out = work / "result" / f"{recipe.name}.jsonl.zst"
    out.parent.mkdir(parents=True, exist_ok=True)
    progress("curate", {})
    latest: dict[str, Any] = {}

    def curated(p: local.Progress) -> None:
        latest.update(input_bytes=p.input_bytes, input_total=p.input_total, docs_in=p.docs_in,
                      docs_out=p.docs_out, shards_done=p.shards_done, shards_resumed=p.shards_resumed)
        progress("curate", dict(latest))

    report = local.run(recipe, raw, out, workers=src.workers, shard_docs=SHARD_DOCS, work_dir=work / "parts",
                       keep_work=True, on_progress=curated)
    ref = reports.store_report(store, src.dataset, {"source_version": src.number, "curation": job_id, **report})
    progress("upload", {**latest, "docs_in": report.get("docs_in"), "docs_out": report.get("docs_out")})
    kept = f"{report.get('docs_out')} of {report.get('docs_in')} documents kept"
    number = upload_result(db, store, src, out, ref, f"{recipe.name} of version {src.number}: {kept}")
    return number, ref
