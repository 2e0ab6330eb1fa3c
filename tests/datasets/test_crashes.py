"""A crash at any step of an upload leaves state that the next attempt or the expiry controller repairs.

The server runs in this process, so a crash is simulated by making one step raise once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from tests.datasets.conftest import World, docs, write_jsonl

from suanli.core import errors
from suanli.data.datasets import uploads
from suanli.state.data import UploadSession
from suanli.state.models import utcnow


class Crash(Exception):
    pass


def once(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``uploads.<name>`` raise the first time it is called."""
    real = getattr(uploads, name)
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise Crash(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, name, flaky)


def _decl(path: Path) -> dict[str, object]:
    return {"name": path.name, "size": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def test_crash_before_the_store_uploads_begin_is_repaired_by_resuming(
    local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = local_world.client("member")
    c.create_dataset("alpha", "c1")
    f = write_jsonl(tmp_path / "a.jsonl", docs(20))
    once(monkeypatch, "_start_store_uploads")
    with pytest.raises(errors.SuanliError):
        c.begin_dataset_upload("alpha", "c1", [_decl(f)], chunk_size=local_world.chunk)
    c = local_world.client("member")  # the server dropped the connection that saw the crash
    assert c.dataset_versions("alpha", "c1") == []
    v = c.upload_dataset("alpha", "c1", [f], chunk_size=local_world.chunk)  # resumes the recorded session
    assert v["total_documents"] == 20


def test_crash_between_moving_files_and_writing_the_version(
    local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = local_world.client("member")
    c.create_dataset("alpha", "c2")
    f = write_jsonl(tmp_path / "a.jsonl", docs(20))
    once(monkeypatch, "_record")
    with pytest.raises(errors.SuanliError):
        c.upload_dataset("alpha", "c2", [f], chunk_size=local_world.chunk)
    c = local_world.client("member")
    assert c.dataset_versions("alpha", "c2") == []  # the shard object exists, but no version names it
    v = c.upload_dataset("alpha", "c2", [f], chunk_size=local_world.chunk)  # commit again: finds it in place
    assert (v["number"], v["total_documents"]) == (1, 20)
    assert local_world.store.pending_uploads("tenants/") == []


def test_expiry_removes_what_a_dead_commit_left(
    local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = local_world.client("member")
    c.create_dataset("alpha", "c3")
    f = write_jsonl(tmp_path / "a.jsonl", docs(20))
    once(monkeypatch, "_record")
    with pytest.raises(errors.SuanliError):
        c.upload_dataset("alpha", "c3", [f], chunk_size=local_world.chunk)
    c = local_world.client("member")
    assert len(list(local_world.store.list("tenants/"))) == 1
    platform: Any = local_world.platform
    with platform.db.session() as s:
        s.execute(update(UploadSession).values(expires_at=utcnow()))
    platform.runner.run_pass()
    assert list(local_world.store.list("tenants/")) == []
    assert c.storage("alpha")["reserved_bytes"] == 0
