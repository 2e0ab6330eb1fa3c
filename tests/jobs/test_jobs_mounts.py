"""Dataset versions mounted read-only into jobs: pinned at submit, staged once, checked, cleaned up."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.api.helpers import make_tenant
from tests.jobs.conftest import job_state, wait_for

from suanli.client import Client
from suanli.core.errors import InvalidInput, NotFound
from suanli.objects import store_from_env
from suanli.state.data import DatasetShard, DatasetVersion
from suanli.training import mounts

READ = """
import os, pathlib
folder = pathlib.Path(os.environ["SUANLI_DATASET_NEWS"])
lines = sum(len(p.read_text().splitlines()) for p in folder.iterdir())
print("LINES", lines, "MODE", oct(folder.stat().st_mode & 0o777), "ALL", os.environ["SUANLI_DATASETS"])
"""


def _corpus(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({"text": f"新闻 {i}"}, ensure_ascii=False) + "\n" for i in range(n)))
    return path


def test_a_job_reads_the_version_it_was_submitted_with(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    member.create_dataset("acme", "news")
    member.upload_dataset("acme", "news", [_corpus(tmp_path / "a.jsonl", 3)])
    job = member.submit_job("acme", command=[sys.executable, "-c", READ], kind="nvidia-h100", datasets=["news"])
    assert job["datasets"] == ["news@1"]
    member.upload_dataset("acme", "news", [_corpus(tmp_path / "b.jsonl", 5)])  # after submit: not what it reads
    done = wait_for(platform, job_state(member, "acme", job["id"], "succeeded", "failed"))
    out = member.job_logs("acme", job["id"])["data"]
    assert done["state"] == "succeeded", out
    assert "LINES 3 MODE 0o555" in out and "ALL news=" in out

    again = member.submit_job("acme", command=[sys.executable, "-c", READ], kind="nvidia-h100", datasets=["news@2"])
    wait_for(platform, job_state(member, "acme", again["id"], "succeeded"))
    assert "LINES 5 " in member.job_logs("acme", again["id"])["data"]
    staged = sorted(p.name for p in (platform.home / "mounts").iterdir())
    assert len(staged) == 2 and not [n for n in staged if n.startswith(".")]


def test_bad_mounts_are_refused_and_other_tenants_data_is_invisible(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    acme = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    rival = make_tenant(admin, platform.url, "rival")["member"].client(platform.url)
    rival.create_dataset("rival", "secret")
    rival.upload_dataset("rival", "secret", [_corpus(tmp_path / "s.jsonl", 1)])
    for refs, error, match in (
        (["News"], InvalidInput, "NAME@VERSION"), (["news@0"], InvalidInput, "NAME@VERSION"),
        (["a", "a@1"], InvalidInput, "once"), ([f"d{i}" for i in range(17)], InvalidInput, "at most"),
        (["secret"], NotFound, "secret"), (["secret@1"], NotFound, "secret"),
    ):
        with pytest.raises(error, match=match):
            acme.submit_job("acme", command=["true"], datasets=refs)
    acme.create_dataset("acme", "news")
    with pytest.raises(NotFound, match="no version yet"):
        acme.submit_job("acme", command=["true"], datasets=["news"])
    assert acme.jobs("acme") == []


def _mount(session: Session, number: int) -> dict[str, Any]:
    v = session.scalars(select(DatasetVersion).where(DatasetVersion.number == number)).one()
    return {"name": "news", "dataset_id": v.dataset_id, "version_id": v.id, "number": number}


def test_staging_checks_every_shard_and_prunes_deleted_versions(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = Client(platform.url, platform.admin_token)
    member = make_tenant(admin, platform.url, "acme")["member"].client(platform.url)
    member.create_dataset("acme", "news")
    member.upload_dataset("acme", "news", [_corpus(tmp_path / "a.jsonl", 2)])
    member.upload_dataset("acme", "news", [_corpus(tmp_path / "b.jsonl", 4)])
    store, root = store_from_env(platform.home), tmp_path / "mounts"
    with platform.db.session() as s:
        v1, v2 = _mount(s, 1), _mount(s, 2)
        env = mounts.stage(s, store, root, [v1])
        assert mounts.stage(s, store, root, [v1]) == env
        folder = Path(env["SUANLI_DATASET_NEWS"])
        assert [p.name for p in folder.iterdir()] == ["a.jsonl"]
        assert stat.S_IMODE(folder.stat().st_mode) == 0o555
        assert stat.S_IMODE((folder / "a.jsonl").stat().st_mode) == 0o444

        # A shard damaged in the object store is refused, and no half-staged folder is left behind.
        shard = s.scalars(select(DatasetShard).where(DatasetShard.version_id == v2["version_id"])).one()
        store.put(shard.key, b'{"text": "tampered"}\n')
        with pytest.raises(InvalidInput, match="damaged"):
            mounts.stage(s, store, root, [v2])
    assert [p.name for p in root.iterdir()] == [v1["version_id"]]

    member.delete_dataset_version("acme", "news", 1)
    with platform.db.session() as s:
        assert mounts.prune(s, root) == [v1["version_id"]]
    assert list(root.iterdir()) == []
