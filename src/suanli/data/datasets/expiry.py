"""The upload expiry controller: open uploads idle past their expiry are aborted and their bytes freed."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from suanli.data.datasets import manifest
from suanli.data.datasets.uploads import discard
from suanli.objects import ObjectStore
from suanli.state.data import DatasetShard, UploadSession
from suanli.state.models import Claimable, utcnow


class UploadExpiry:
    """Desired: no ``open`` upload session whose ``expires_at`` has passed.

    Aborting in the store is idempotent (aborting an unknown upload and deleting an absent object
    are no-ops), so a crash between the store calls and the status change repeats them harmlessly.
    """

    name: ClassVar[str] = "upload-expiry"
    model: ClassVar[type[Claimable]] = UploadSession

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects

    def needs_work(self) -> ColumnElement[bool]:
        # Evaluated at every pass, so "now" moves on.
        return and_(UploadSession.status == "open", UploadSession.expires_at < utcnow())

    def reconcile(self, session: Session, row: UploadSession, now: datetime, worker: str) -> None:
        if row.status != "open" or row.expires_at >= now:
            return  # renewed by a chunk since the claim
        discard(self.objects, list(row.files))
        # A commit that died after moving files to their shard keys left objects no version names.
        for f in row.files:
            if f["present"]:
                continue
            key = manifest.shard_key(row.tenant_id, row.dataset_id, f["sha256"], f["compression"])
            if session.scalars(select(DatasetShard.id).where(DatasetShard.key == key).limit(1)).first() is None:
                self.objects.delete(key)
        row.status, row.reserved_bytes = "expired", 0
