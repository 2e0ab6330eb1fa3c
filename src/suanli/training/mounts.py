"""Dataset versions mounted read-only into jobs.

A job names dataset versions of its tenant (``news@2``, or ``news`` for the latest version at submit time).
Submit resolves them and stores the exact versions, so an upload after submit does not change what a
requeued or restarted job reads. At launch the server stages each version once into
``<root>/<version id>/``: the shard files as uploaded, checked against their sha256, read-only. A job finds
them through ``SUANLI_DATASET_<NAME>`` (the folder of that dataset) and ``SUANLI_DATASETS``
(``name=folder`` pairs separated by ``;``).

Staging is crash-safe: a version is written into a temporary folder and renamed into place when whole,
so a crash half-way leaves nothing that a later launch would take for complete. The staged files are
shared by every job that mounts the version (they are immutable, like the version).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from suanli.core.errors import InvalidInput, NotFound
from suanli.data.datasets import catalog
from suanli.objects.store import ObjectStore
from suanli.state.data import DatasetShard, DatasetVersion
from suanli.tenancy.principal import Principal

MAX_MOUNTS = 16
REF = re.compile(r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:@([1-9][0-9]{0,8}))?$")
READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
READ_ONLY_DIR = READ_ONLY_FILE | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
STALE_PARTIAL_S = 3600.0


def parse(refs: Sequence[str]) -> list[tuple[str, int | None]]:
    """``name`` or ``name@N`` for each mount; 422 on a malformed, repeated or excessive list."""
    if len(refs) > MAX_MOUNTS:
        raise InvalidInput(f"a job mounts at most {MAX_MOUNTS} datasets")
    parsed: list[tuple[str, int | None]] = []
    for ref in refs:
        m = REF.match(ref)
        if m is None:
            raise InvalidInput(f"invalid dataset mount {ref!r}: use NAME or NAME@VERSION, e.g. news@2")
        parsed.append((m.group(1), int(m.group(2)) if m.group(2) else None))
    names = [name for name, _ in parsed]
    if len(set(names)) != len(names):
        raise InvalidInput("each dataset is mounted once: name one version of it")
    return parsed


def resolve(session: Session, principal: Principal, tenant_ref: str, refs: Sequence[str]) -> list[dict[str, Any]]:
    """The exact versions a job mounts, as stored on the job (404 for a dataset or version that is not there)."""
    mounts = []
    for name, number in parse(refs):
        dataset, version, _ = catalog.version(session, principal, tenant_ref, name, number)
        mounts.append({"name": dataset.name, "dataset_id": dataset.id, "version_id": version.id,
                       "number": version.number})
    return mounts


def env_name(name: str) -> str:
    return "SUANLI_DATASET_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def stage(session: Session, store: ObjectStore, root: Path, mounts: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Stage every mounted version under ``root`` (once per version); the environment that finds them."""
    env: dict[str, str] = {}
    for m in mounts:
        folder = root / m["version_id"]
        if not folder.is_dir():
            shards = session.scalars(select(DatasetShard).where(DatasetShard.version_id == m["version_id"])
                                     .order_by(DatasetShard.position)).all()
            if not shards:
                raise NotFound(f"dataset {m['name']}@{m['number']} is gone: it was deleted after the job was "
                               "submitted")
            _fill(store, root, folder, shards)
        env[env_name(m["name"])] = str(folder)
    if mounts:
        env["SUANLI_DATASETS"] = ";".join(f"{m['name']}={root / m['version_id']}" for m in mounts)
    return env


def prune(session: Session, root: Path) -> list[str]:
    """Remove staged versions that were deleted, and partial stagings a crash left over an hour ago."""
    if not root.is_dir():
        return []
    removed = []
    staged = {p.name: p for p in root.iterdir() if not p.name.startswith(".")}
    if staged:
        kept = set(session.scalars(select(DatasetVersion.id).where(DatasetVersion.id.in_(staged))))
        for name, path in staged.items():
            if name not in kept:
                _remove(path)
                removed.append(name)
    for partial in root.glob(".*"):
        if time.time() - partial.stat().st_mtime > STALE_PARTIAL_S:
            _remove(partial)
    return removed


def _fill(store: ObjectStore, root: Path, folder: Path, shards: Sequence[DatasetShard]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=root))
    try:
        for shard in shards:
            target = partial / shard.name
            digest = hashlib.sha256()
            with open(target, "wb") as out:
                for block in store.get(shard.key):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != shard.sha256:
                raise InvalidInput(f"shard {shard.name!r} of the dataset is damaged in the object store "
                                   "(sha256 differs): restore it from a backup or upload the version again")
            os.chmod(target, READ_ONLY_FILE)
        os.chmod(partial, READ_ONLY_DIR)
        try:
            os.rename(partial, folder)
        except OSError:  # another server staged it first: theirs is as good as ours
            if not folder.is_dir():
                raise
            _remove(partial)
    except BaseException:
        _remove(partial)
        raise


def _remove(path: Path) -> None:
    if path.exists():
        os.chmod(path, stat.S_IRWXU)
        shutil.rmtree(path, ignore_errors=True)
