"""Upload sessions: a new version arrives in checksummed chunks and becomes visible only at commit.

1. ``begin`` declares the files (name, size, sha256), reserves their bytes against the tenant's
   storage quota, and starts one multipart upload per file at a staging key. The same declaration
   again (same files, chunking and lineage) answers the open session: that is how a client resumes.
2. ``put_chunk`` receives chunk ``n`` of file ``i``: its size must be what the plan says and its
   sha256 what the client declared, or nothing is stored (422 ``checksum_mismatch``).
3. ``commit`` assembles each file, reads it back to check its sha256 and count its documents,
   moves it to its content-addressed shard key, and writes the version in one transaction.
4. An upload left open past its expiry (every chunk renews it) is aborted by
   :class:`suanli.data.datasets.expiry.UploadExpiry`, which frees its reservation.

Placement policy is checked when an upload is opened or resumed and again at commit (a rule may come
into force, or the dataset's label be raised, while chunks travel): a version the policy forbids in the
object store is refused with the rule that forbids it, and at commit its staged chunks are dropped
(:mod:`suanli.governance.service.storage_policy`).

Object-store calls never run inside a database transaction: the transaction that checks a chunk
and the one that records it are separate, so a slow store does not hold SQLite's write lock.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suanli.core.errors import Conflict, InvalidInput, NotFound, PlacementForbidden, QuotaExceeded
from suanli.core.ids import new_id
from suanli.data.datasets import catalog, manifest
from suanli.data.datasets.manifest import DeclaredFile
from suanli.data.datasets.verify import check_shard
from suanli.governance.service.storage_policy import require_dataset_storage
from suanli.objects import ChecksumMismatch, ObjectNotFound, ObjectStore, Part
from suanli.state.data import Dataset, DatasetShard, DatasetVersion, UploadPart, UploadSession
from suanli.state.db import Database
from suanli.state.models import Tenant
from suanli.tenancy.principal import Principal
from suanli.tenancy.roles import Permission


def upload_ttl() -> timedelta:
    """How long an upload may sit idle before it is garbage-collected (``SUANLI_UPLOAD_TTL_S``, 24 h)."""
    return timedelta(seconds=float(os.environ.get("SUANLI_UPLOAD_TTL_S", 24 * 3600)))


@dataclass(frozen=True, slots=True)
class Lineage:
    parent_number: int | None = None
    recipe: str | None = None
    report: str | None = None
    message: str = ""


def _session(session: Session, principal: Principal, tenant_ref: str, ref: str, upload_id: str) -> UploadSession:
    dataset = catalog.resolve(session, principal, tenant_ref, ref)
    row = session.get(UploadSession, upload_id)
    if row is None or row.dataset_id != dataset.id:
        raise NotFound(f"no upload {upload_id!r} for dataset {dataset.name!r}")
    return row


def _lock_tenant(session: Session, tenant_id: str) -> Tenant:
    # Serialises quota checks of one tenant (SQLite already serialises writers with BEGIN IMMEDIATE).
    query = select(Tenant).where(Tenant.id == tenant_id)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    tenant = session.scalars(query).one()
    return tenant


def begin(
    db: Database, principal: Principal, store: ObjectStore, tenant_ref: str, ref: str, *,
    files: list[DeclaredFile], chunk_size: int, lineage: Lineage, now: datetime,
) -> tuple[UploadSession, bool]:
    """Open (or resume) an upload session; answers it and whether it was resumed."""
    manifest.check_files(files)
    manifest.check_chunk_size(chunk_size, store.min_part_size)
    for f in files:
        if manifest.part_count(f.size, chunk_size) > manifest.MAX_PARTS:
            raise InvalidInput(f"{f.name!r} needs more than {manifest.MAX_PARTS} chunks: raise chunk_size")
    lineage_doc = {"parent": lineage.parent_number, "recipe": lineage.recipe, "report": lineage.report,
                   "message": lineage.message}
    fp = manifest.fingerprint(files, chunk_size, lineage_doc)
    with db.session() as s:
        dataset = catalog.resolve(s, principal, tenant_ref, ref)
        principal.require(Permission.WORK_SUBMIT)
        require_dataset_storage(s, dataset, "a new version", now)
        existing = s.scalars(
            select(UploadSession).where(
                UploadSession.dataset_id == dataset.id, UploadSession.fingerprint == fp,
                UploadSession.status == "open", UploadSession.expires_at > now,
            ).order_by(UploadSession.id.desc())
        ).first()
        resumed = existing.id if existing is not None else None
    if resumed is not None:
        return _start_store_uploads(db, store, resumed), True
    with db.session() as s:
        dataset = catalog.resolve(s, principal, tenant_ref, ref)
        if lineage.parent_number is not None and s.scalars(
            select(DatasetVersion.id).where(DatasetVersion.dataset_id == dataset.id,
                                            DatasetVersion.number == lineage.parent_number)
        ).first() is None:
            raise InvalidInput(f"parent version {lineage.parent_number} of {dataset.name!r} does not exist")
        present = set(s.scalars(
            select(DatasetShard.sha256).where(DatasetShard.dataset_id == dataset.id)
        ).all())
        tenant = _lock_tenant(s, dataset.tenant_id)
        reserved = sum(f.size for f in files if f.sha256 not in present)
        used = catalog.usage(s, tenant)
        total = used["stored_bytes"] + used["reserved_bytes"] + reserved
        if tenant.storage_quota_bytes and total > tenant.storage_quota_bytes:
            raise QuotaExceeded(
                f"storage quota of tenant {tenant.name!r} exceeded: {used['stored_bytes']} bytes stored, "
                f"{used['reserved_bytes']} reserved by open uploads, {reserved} more requested, "
                f"quota {tenant.storage_quota_bytes}",
                details={**used, "requested_bytes": reserved},
            )
        row_id = new_id("upl")
        entries: list[dict[str, Any]] = []
        for i, f in enumerate(files):
            entry: dict[str, Any] = {"index": i, "name": f.name, "size": f.size, "sha256": f.sha256,
                                     "compression": f.compression, "present": f.sha256 in present,
                                     "parts": manifest.part_count(f.size, chunk_size), "upload_id": None,
                                     "key": manifest.staging_key(dataset.tenant_id, row_id, i)}
            entries.append(entry)
        row = UploadSession(
            id=row_id, tenant_id=dataset.tenant_id, dataset_id=dataset.id, status="open", fingerprint=fp,
            files=entries, chunk_size=chunk_size, reserved_bytes=reserved, parent_number=lineage.parent_number,
            recipe=lineage.recipe, report=lineage.report, message=lineage.message, created_by=principal.user_id,
            created_at=now, expires_at=now + upload_ttl(),
        )
        s.add(row)
    # The row commits before any multipart upload begins, so every upload in the store belongs to a
    # row that expiry will find; a crash before the ids are recorded is repaired by the next resume.
    return _start_store_uploads(db, store, row_id), False


def _start_store_uploads(db: Database, store: ObjectStore, upload_id: str) -> UploadSession:
    """Begin the multipart uploads of the files that have none yet; answers the session."""
    with db.session() as s:
        row = s.get(UploadSession, upload_id)
        assert row is not None
        todo = [dict(f) for f in row.files if not f["present"] and not f.get("upload_id")]
    if not todo:
        return row
    started = {f["index"]: store.begin_upload(f["key"], sha256=f["sha256"]) for f in todo}
    with db.session() as s:
        row = s.get(UploadSession, upload_id)
        assert row is not None
        row.files = [{**f, "upload_id": f.get("upload_id") or started.get(f["index"])} for f in row.files]
        s.flush()
        return row


def received(session: Session, upload: UploadSession) -> dict[int, list[int]]:
    """Chunk numbers stored so far, per file index."""
    out: dict[int, list[int]] = {f["index"]: [] for f in upload.files}
    for index, number in session.execute(
        select(UploadPart.file_index, UploadPart.number).where(UploadPart.session_id == upload.id)
        .order_by(UploadPart.file_index, UploadPart.number)
    ):
        out.setdefault(index, []).append(number)
    return out


def show(session: Session, principal: Principal, tenant_ref: str, ref: str, upload_id: str) -> UploadSession:
    return _session(session, principal, tenant_ref, ref, upload_id)


def _open(upload: UploadSession, now: datetime) -> None:
    if upload.status != "open":
        raise Conflict(f"upload {upload.id} is {upload.status}: start a new upload")
    if upload.expires_at <= now:
        raise Conflict(f"upload {upload.id} expired: start a new upload")


def put_chunk(
    db: Database, principal: Principal, store: ObjectStore, tenant_ref: str, ref: str, upload_id: str, *,
    index: int, number: int, data: bytes, sha256: str | None, now: datetime,
) -> UploadPart:
    """Store chunk ``number`` of file ``index`` after checking its size and checksum."""
    with db.session() as s:
        upload = _session(s, principal, tenant_ref, ref, upload_id)
        principal.require(Permission.WORK_SUBMIT)
        _open(upload, now)
        if not 0 <= index < len(upload.files):
            raise NotFound(f"upload {upload_id} has no file {index}")
        entry = upload.files[index]
        if entry["present"]:
            raise Conflict(f"{entry['name']!r} is already stored in this dataset: it needs no chunks")
        expected = manifest.part_size(entry["size"], upload.chunk_size, number)
        key, store_upload = entry["key"], entry["upload_id"]
    if len(data) != expected:
        raise InvalidInput(f"chunk {number} of {entry['name']!r} must be {expected} bytes, not {len(data)}",
                           details={"expected": expected, "received": len(data)})
    actual = hashlib.sha256(data).hexdigest()
    if sha256 is None:
        raise InvalidInput("send the chunk's sha256 in the X-Content-SHA256 header")
    if sha256.lower() != actual:
        raise ChecksumMismatch(
            f"chunk {number} of {entry['name']!r} has sha256 {actual}, not the declared {sha256}: "
            "it was damaged on the way; send it again",
            details={"file": index, "chunk": number, "declared": sha256, "actual": actual},
        )
    part = store.upload_part(key, store_upload, number, data)
    with db.session() as s:
        upload = _session(s, principal, tenant_ref, ref, upload_id)
        _open(upload, now)
        row = s.scalars(select(UploadPart).where(
            UploadPart.session_id == upload_id, UploadPart.file_index == index, UploadPart.number == number
        )).first()
        if row is None:
            row = UploadPart(session_id=upload_id, file_index=index, number=number, size=len(data),
                             sha256=actual, etag=part.etag)
            s.add(row)
        else:
            row.size, row.sha256, row.etag = len(data), actual, part.etag
        upload.expires_at = max(upload.expires_at, now + upload_ttl())
        try:
            s.flush()
        except IntegrityError:
            raise Conflict("the same chunk is being sent twice at once; send it again") from None
        return row


def commit(
    db: Database, principal: Principal, store: ObjectStore, tenant_ref: str, ref: str, upload_id: str, *,
    now: datetime,
) -> DatasetVersion:
    """Verify every file and create the version; committing a committed upload answers its version."""
    with db.session() as s:
        upload = _session(s, principal, tenant_ref, ref, upload_id)
        principal.require(Permission.WORK_SUBMIT)
        refused = _policy_refusal(s, upload, now) if upload.status == "open" else None
        staged = [dict(f) for f in upload.files]
    if refused is not None:  # nothing of a version the policy forbids stays in the store
        _fail(db, upload_id)
        discard(store, staged)
        raise refused
    with db.session() as s:
        upload = _session(s, principal, tenant_ref, ref, upload_id)
        if upload.status == "committed" and upload.version_number is not None:
            return _version(s, upload.dataset_id, upload.version_number)
        _open(upload, now)
        have = received(s, upload)
        parts = {(p.file_index, p.number): p for p in s.scalars(
            select(UploadPart).where(UploadPart.session_id == upload_id))}
        files = [dict(f) for f in upload.files]
        dataset_id, tenant_id = upload.dataset_id, upload.tenant_id
        known = {sh.sha256: sh for sh in s.scalars(select(DatasetShard).where(DatasetShard.dataset_id == dataset_id))}
        missing = {f["name"]: sorted(set(range(1, f["parts"] + 1)) - set(have.get(f["index"], [])))
                   for f in files if not f["present"]}
        missing = {k: v for k, v in missing.items() if v}
        if missing:
            raise Conflict("the upload is not complete: send the missing chunks, then commit",
                           details={"missing_chunks": missing})
        lineage = (upload.parent_number, upload.recipe, upload.report, upload.message)
    shards: list[dict[str, Any]] = []
    for f in files:
        final = manifest.shard_key(tenant_id, dataset_id, f["sha256"], f["compression"])
        if f["present"]:
            try:
                store.head(final)
            except ObjectNotFound:
                raise Conflict(f"shard {f['name']!r} was deleted during the upload: upload again") from None
            shards.append({**f, "key": final, "documents": known[f["sha256"]].documents})
            continue
        if _stored(store, final, f):
            # An earlier commit of this upload moved the file into place, then died before the version
            # was written (or another upload stored the same bytes): count its documents and go on.
            check = check_shard(f["name"], f["compression"], store.get(final))
            if f.get("upload_id"):
                store.abort_upload(f["key"], f["upload_id"])
            store.delete(f["key"])
            shards.append({**f, "key": final, "documents": check.documents})
            continue
        try:
            _assemble(store, f, [parts[(f["index"], n)] for n in range(1, f["parts"] + 1)])
            check = check_shard(f["name"], f["compression"], store.get(f["key"]))
        except InvalidInput:  # includes ChecksumMismatch from a store that verifies on assembly
            _fail(db, upload_id)
            discard(store, files)
            raise
        if (check.sha256, check.size) != (f["sha256"], f["size"]):
            _fail(db, upload_id)
            discard(store, files)
            raise ChecksumMismatch(
                f"{f['name']!r} assembled to sha256 {check.sha256} ({check.size} bytes), not the declared "
                f"{f['sha256']} ({f['size']} bytes): the upload was dropped, upload again",
                details={"file": f["name"], "declared": f["sha256"], "actual": check.sha256},
            )
        store.move(f["key"], final)
        shards.append({**f, "key": final, "documents": check.documents})
    return _record(db, upload_id, dataset_id, tenant_id, shards, lineage, principal.user_id, now)


def _policy_refusal(session: Session, upload: UploadSession, now: datetime) -> PlacementForbidden | None:
    """Why placement policy now forbids storing the upload's version, as the error to answer (None: allowed)."""
    dataset = session.get(Dataset, upload.dataset_id)
    if dataset is None:
        return None  # the commit itself says the dataset is gone
    try:
        require_dataset_storage(session, dataset, "a new version", now)
    except PlacementForbidden as exc:
        return exc
    return None


def _stored(store: ObjectStore, key: str, f: dict[str, Any]) -> bool:
    try:
        info = store.head(key)
    except ObjectNotFound:
        return False
    return bool(info.size == f["size"] and info.sha256 == f["sha256"])


def _assemble(store: ObjectStore, f: dict[str, Any], parts: list[UploadPart]) -> None:
    try:
        store.complete_upload(f["key"], f["upload_id"], [Part(p.number, p.size, p.etag) for p in parts])
    except ObjectNotFound:
        store.head(f["key"])  # an earlier commit assembled it and then failed: go on from there


def _fail(db: Database, upload_id: str) -> None:
    with db.session() as s:
        row = s.get(UploadSession, upload_id)
        if row is not None and row.status == "open":
            row.status, row.reserved_bytes = "aborted", 0


def _version(s: Session, dataset_id: str, number: int) -> DatasetVersion:
    return s.scalars(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset_id,
                                                  DatasetVersion.number == number)).one()


def _record(
    db: Database, upload_id: str, dataset_id: str, tenant_id: str, shards: list[dict[str, Any]],
    lineage: tuple[int | None, str | None, str | None, str], user_id: str, now: datetime,
) -> DatasetVersion:
    for _attempt in range(3):
        try:
            with db.session() as s:
                upload = s.get(UploadSession, upload_id)
                if upload is None or upload.status != "open":
                    raise Conflict(f"upload {upload_id} was {upload.status if upload else 'deleted'} meanwhile")
                if s.get(Dataset, dataset_id) is None:
                    raise NotFound("the dataset was deleted during the upload")
                number = (s.scalar(select(func.max(DatasetVersion.number))
                                   .where(DatasetVersion.dataset_id == dataset_id)) or 0) + 1
                parent, recipe, report, message = lineage
                version = DatasetVersion(
                    id=new_id("dsv"), dataset_id=dataset_id, tenant_id=tenant_id, number=number,
                    parent_number=parent, recipe=recipe, report=report, message=message,
                    total_bytes=sum(sh["size"] for sh in shards), total_documents=sum(sh["documents"] for sh in shards),
                    created_by=user_id, created_at=now,
                )
                s.add(version)
                s.flush()
                for pos, sh in enumerate(shards):
                    s.add(DatasetShard(
                        version_id=version.id, dataset_id=dataset_id, tenant_id=tenant_id, position=pos,
                        name=sh["name"], sha256=sh["sha256"], size=sh["size"], documents=sh["documents"],
                        compression=sh["compression"], key=sh["key"],
                    ))
                upload.status, upload.version_number, upload.reserved_bytes = "committed", number, 0
                s.flush()
                return version
        except IntegrityError:
            continue  # another commit took this version number: take the next one
    raise Conflict("too many concurrent commits on this dataset; commit again")


def abort(db: Database, principal: Principal, store: ObjectStore, tenant_ref: str, ref: str, upload_id: str) -> None:
    """Drop an open upload and everything it stored."""
    with db.session() as s:
        upload = _session(s, principal, tenant_ref, ref, upload_id)
        principal.require(Permission.WORK_SUBMIT)
        if upload.status != "open":
            return
        upload.status, upload.reserved_bytes = "aborted", 0
        files = list(upload.files)
    discard(store, files)


def discard(store: ObjectStore, files: list[dict[str, Any]]) -> None:
    """Abort the multipart uploads of an upload's files and delete their staging objects.

    Uploads begun but never recorded (a crash between the store call and the database) are found by
    their staging prefix, which names the session.
    """
    for f in files:
        if f.get("upload_id"):
            store.abort_upload(f["key"], f["upload_id"])
        store.delete(f["key"])
    if files:
        prefix = files[0]["key"].rsplit("/", 1)[0] + "/"
        for pending in store.pending_uploads(prefix):
            store.abort_upload(pending.key, pending.upload_id)
